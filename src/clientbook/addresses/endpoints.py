"""``/v1/stores/{store}/customers/{id}/addresses``."""

import uuid

from fastapi import APIRouter, Response

from clientbook.addresses import service
from clientbook.addresses.schemas import AddressCreate, AddressOut, AddressUpdate
from clientbook.deps import SessionDep, StoreScopeDep

router = APIRouter(
    prefix="/v1/stores/{store}/customers/{customer_id}/addresses", tags=["addresses"]
)


@router.get("", response_model=dict[str, list[AddressOut]])
async def list_addresses(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> dict[str, list[AddressOut]]:
    """The customer's addresses, oldest first."""
    addresses = await service.list_addresses(session, scope, customer_id)
    return {"data": [AddressOut.model_validate(a) for a in addresses]}


@router.post("", status_code=201, response_model=AddressOut)
async def add_address(
    customer_id: uuid.UUID,
    data: AddressCreate,
    session: SessionDep,
    scope: StoreScopeDep,
    response: Response,
) -> AddressOut:
    """Add an address; a new default replaces the old default of the same type."""
    address = await service.add_address(session, scope, customer_id, data)
    response.headers["Location"] = (
        f"/v1/stores/{scope.store_code}/customers/{customer_id}/addresses/{address.id}"
    )
    return AddressOut.model_validate(address)


@router.get("/{address_id}", response_model=AddressOut)
async def get_address(
    customer_id: uuid.UUID, address_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> AddressOut:
    """One address."""
    return AddressOut.model_validate(
        await service.get_address(session, scope, customer_id, address_id)
    )


@router.patch("/{address_id}", response_model=AddressOut)
async def update_address(
    customer_id: uuid.UUID,
    address_id: uuid.UUID,
    data: AddressUpdate,
    session: SessionDep,
    scope: StoreScopeDep,
) -> AddressOut:
    """Change some fields of an address; ``null`` clears one."""
    address = await service.update_address(session, scope, customer_id, address_id, data)
    return AddressOut.model_validate(address)


@router.delete("/{address_id}", status_code=204)
async def delete_address(
    customer_id: uuid.UUID, address_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Remove an address."""
    await service.delete_address(session, scope, customer_id, address_id)
    return Response(status_code=204)
