"""``/v1/stores/{store}/points-of-sale``, their sellers, and a customer's POS."""

import uuid
from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import Field

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.kit.errors import ValidationFailed
from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.loyalty import points_of_sale as service

router = APIRouter(prefix="/v1/stores/{store}", tags=["loyalty"])
NOT_NULL = ("name", "identifier", "active")


class PosCreate(RequestBody):
    name: str = Field(min_length=1, max_length=100)
    identifier: str = Field(min_length=1, max_length=64, description="Unique in the store")
    location: str | None = Field(None, max_length=500)
    active: bool = True


class PosUpdate(RequestBody):
    name: str | None = Field(None, min_length=1, max_length=100)
    identifier: str | None = Field(None, min_length=1, max_length=64)
    location: str | None = Field(None, max_length=500)
    active: bool | None = None


class PosOut(ResponseBody):
    id: uuid.UUID
    name: str
    identifier: str
    location: str | None
    active: bool
    created_at: datetime


class SellersOut(ResponseBody):
    data: list[uuid.UUID]


class CustomerPos(RequestBody):
    pos_id: uuid.UUID | None


class CustomerPosOut(ResponseBody):
    customer_id: uuid.UUID
    pos_id: uuid.UUID | None


@router.get("/points-of-sale", response_model=dict[str, list[PosOut]])
async def list_pos(session: SessionDep, scope: StoreScopeDep) -> dict[str, list[PosOut]]:
    """The store's points of sale, by name."""
    return {"data": [PosOut.model_validate(p) for p in await service.list_pos(session, scope)]}


@router.post("/points-of-sale", status_code=201, response_model=PosOut)
async def create_pos(
    data: PosCreate, session: SessionDep, scope: StoreScopeDep, response: Response
) -> PosOut:
    """Add a point of sale (admin); ``identifier`` is unique in the store (409)."""
    pos = await service.create_pos(session, scope, **data.model_dump())
    response.headers["Location"] = f"/v1/stores/{scope.store_code}/points-of-sale/{pos.id}"
    return PosOut.model_validate(pos)


@router.get("/points-of-sale/{pos_id}", response_model=PosOut)
async def get_pos(pos_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep) -> PosOut:
    """One point of sale."""
    return PosOut.model_validate(await service.get_pos(session, scope, pos_id))


@router.patch("/points-of-sale/{pos_id}", response_model=PosOut)
async def update_pos(
    pos_id: uuid.UUID, data: PosUpdate, session: SessionDep, scope: StoreScopeDep
) -> PosOut:
    """Change a point of sale (admin): only the fields sent."""
    changes = data.model_dump(exclude_unset=True)
    for name in NOT_NULL:
        if name in changes and changes[name] is None:
            raise ValidationFailed.field(name, "must not be null")
    return PosOut.model_validate(await service.update_pos(session, scope, pos_id, changes))


@router.delete("/points-of-sale/{pos_id}", status_code=204)
async def delete_pos(pos_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep) -> Response:
    """Delete a point of sale no purchase names (admin); 409 otherwise."""
    await service.delete_pos(session, scope, pos_id)
    return Response(status_code=204)


@router.get("/points-of-sale/{pos_id}/sellers", response_model=SellersOut)
async def list_sellers(pos_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep) -> SellersOut:
    """The user ids of the sellers tied to this point of sale."""
    return SellersOut(data=await service.sellers_of(session, scope, pos_id))


@router.put("/points-of-sale/{pos_id}/sellers/{user_id}", status_code=204)
async def tie_seller(
    pos_id: uuid.UUID, user_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Tie a seller of the store to this point of sale (admin); a seller has one."""
    await service.tie_seller(session, scope, pos_id, user_id)
    return Response(status_code=204)


@router.delete("/points-of-sale/{pos_id}/sellers/{user_id}", status_code=204)
async def untie_seller(
    pos_id: uuid.UUID, user_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Untie a seller from this point of sale (admin)."""
    await service.untie_seller(session, scope, pos_id, user_id)
    return Response(status_code=204)


@router.get("/customers/{customer_id}/point-of-sale", response_model=CustomerPosOut)
async def get_customer_pos(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> CustomerPosOut:
    """The point of sale the customer is assigned to (null: none)."""
    pos_id = await service.customer_pos(session, scope, customer_id)
    return CustomerPosOut(customer_id=customer_id, pos_id=pos_id)


@router.put("/customers/{customer_id}/point-of-sale", response_model=CustomerPosOut)
async def assign_customer(
    customer_id: uuid.UUID, data: CustomerPos, session: SessionDep, scope: StoreScopeDep
) -> CustomerPosOut:
    """Assign the customer to a point of sale of this store, or to none with null."""
    pos_id = await service.assign_customer(session, scope, customer_id, data.pos_id)
    return CustomerPosOut(customer_id=customer_id, pos_id=pos_id)
