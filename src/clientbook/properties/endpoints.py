"""``/v1/stores/{store}/customers/{id}/properties``."""

import uuid

from fastapi import APIRouter, Response

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.properties import service
from clientbook.properties.schemas import PropertyCreate, PropertyOut, PropertyUpdate

router = APIRouter(
    prefix="/v1/stores/{store}/customers/{customer_id}/properties", tags=["properties"]
)


@router.get("", response_model=dict[str, list[PropertyOut]])
async def list_properties(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> dict[str, list[PropertyOut]]:
    """The customer's properties, oldest first."""
    found = await service.list_properties(session, scope, customer_id)
    return {"data": [PropertyOut.model_validate(p) for p in found]}


@router.post("", status_code=201, response_model=PropertyOut)
async def add_property(
    customer_id: uuid.UUID,
    data: PropertyCreate,
    session: SessionDep,
    scope: StoreScopeDep,
    response: Response,
) -> PropertyOut:
    """Add a property (a type, a value, a language or none)."""
    added = await service.add_property(session, scope, customer_id, data)
    response.headers["Location"] = (
        f"/v1/stores/{scope.store_code}/customers/{customer_id}/properties/{added.id}"
    )
    return PropertyOut.model_validate(added)


@router.patch("/{property_id}", response_model=PropertyOut)
async def update_property(
    customer_id: uuid.UUID,
    property_id: uuid.UUID,
    data: PropertyUpdate,
    session: SessionDep,
    scope: StoreScopeDep,
) -> PropertyOut:
    """Change a property's type, value or language."""
    changed = await service.update_property(session, scope, customer_id, property_id, data)
    return PropertyOut.model_validate(changed)


@router.delete("/{property_id}", status_code=204)
async def delete_property(
    customer_id: uuid.UUID, property_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Remove a property."""
    await service.delete_property(session, scope, customer_id, property_id)
    return Response(status_code=204)
