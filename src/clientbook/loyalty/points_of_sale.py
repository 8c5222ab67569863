"""Points of sale: CRUD, the sellers tied to one, a customer's POS, and the check that a
purchase's POS belongs to the store."""

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customers.service import get_customer
from clientbook.kit.errors import Conflict, NotFound, ValidationFailed
from clientbook.kit.integrity import UniqueRule, unique_violations
from clientbook.models import Membership, PointOfSale, PosSeller, Purchase
from clientbook.stores.scope import Role, StoreScope
from clientbook.webhooks.events import EventType, emit

POS_UNIQUES = [
    UniqueRule(
        "uq_loyalty_points_of_sale_store_id_identifier",
        "loyalty_points_of_sale",
        ("store_id", "identifier"),
        "identifier",
        "this store already has a point of sale with this identifier",
    )
]
EDITABLE = ("name", "identifier", "location", "active")


async def create_pos(session: AsyncSession, scope: StoreScope, **fields: object) -> PointOfSale:
    scope.require(Role.admin)
    pos = PointOfSale(store_id=scope.store_id, **fields)
    session.add(pos)
    async with unique_violations(POS_UNIQUES):
        await session.flush()
    return pos


async def list_pos(session: AsyncSession, scope: StoreScope) -> list[PointOfSale]:
    rows = await session.scalars(
        select(PointOfSale)
        .where(PointOfSale.store_id == scope.store_id)
        .order_by(PointOfSale.name, PointOfSale.id)
    )
    return list(rows)


async def get_pos(
    session: AsyncSession, scope: StoreScope, pos_id: uuid.UUID, *, for_update: bool = False
) -> PointOfSale:
    pos = await session.get(PointOfSale, (scope.store_id, pos_id), with_for_update=for_update)
    if pos is None:
        raise NotFound("Point of sale not found")
    return pos


async def update_pos(
    session: AsyncSession, scope: StoreScope, pos_id: uuid.UUID, changes: dict[str, object]
) -> PointOfSale:
    scope.require(Role.admin)
    pos = await get_pos(session, scope, pos_id, for_update=True)
    for name, value in changes.items():
        if name in EDITABLE:
            setattr(pos, name, value)
    async with unique_violations(POS_UNIQUES):
        await session.flush()
    return pos


async def delete_pos(session: AsyncSession, scope: StoreScope, pos_id: uuid.UUID) -> None:
    """Only a POS no purchase names (deactivate the others); its sellers and customers
    are untied."""
    scope.require(Role.admin)
    pos = await get_pos(session, scope, pos_id, for_update=True)
    used = await session.scalar(
        select(func.count())
        .select_from(Purchase)
        .where(Purchase.store_id == scope.store_id, Purchase.pos_id == pos_id)
    )
    if used:
        raise Conflict("purchases were made at this point of sale: set active to false instead")
    await session.delete(pos)
    await session.flush()


async def check_purchase_pos(
    session: AsyncSession, scope: StoreScope, pos_id: uuid.UUID | None
) -> None:
    """A purchase's POS must be one of this store's, and active."""
    if pos_id is None:
        return
    pos = await session.get(PointOfSale, (scope.store_id, pos_id))
    if pos is None:
        raise ValidationFailed.field("pos_id", "no point of sale of this store has this id")
    if not pos.active:
        raise ValidationFailed.field("pos_id", "the point of sale is not active")


async def sellers_of(
    session: AsyncSession, scope: StoreScope, pos_id: uuid.UUID
) -> list[uuid.UUID]:
    await get_pos(session, scope, pos_id)
    rows = await session.scalars(
        select(PosSeller.user_id)
        .where(PosSeller.store_id == scope.store_id, PosSeller.pos_id == pos_id)
        .order_by(PosSeller.user_id)
    )
    return list(rows)


async def tie_seller(
    session: AsyncSession, scope: StoreScope, pos_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Tie a seller of the store to this POS (moving them from another one)."""
    scope.require(Role.admin)
    await get_pos(session, scope, pos_id)
    membership = await session.get(Membership, (scope.store_id, user_id))
    if membership is None or not membership.is_active:
        raise NotFound("Member not found")
    if membership.role != Role.seller:
        raise ValidationFailed.field("user_id", "only a member with the seller role is tied")
    tie = await session.get(PosSeller, (scope.store_id, user_id), with_for_update=True)
    if tie is None:
        session.add(PosSeller(store_id=scope.store_id, user_id=user_id, pos_id=pos_id))
    else:
        tie.pos_id = pos_id
    await session.flush()


async def untie_seller(
    session: AsyncSession, scope: StoreScope, pos_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    scope.require(Role.admin)
    await get_pos(session, scope, pos_id)
    done = await session.execute(
        delete(PosSeller).where(
            PosSeller.store_id == scope.store_id,
            PosSeller.user_id == user_id,
            PosSeller.pos_id == pos_id,
        )
    )
    if not getattr(done, "rowcount", 0):
        raise NotFound("The seller is not tied to this point of sale")


async def customer_pos(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> uuid.UUID | None:
    return (await get_customer(session, scope, customer_id)).pos_id


async def assign_customer(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, pos_id: uuid.UUID | None
) -> uuid.UUID | None:
    """Assign the customer to a POS of this store (``customers.pos_id``), or to none."""
    customer = await get_customer(session, scope, customer_id, for_update=True)
    if pos_id is not None:
        pos = await session.get(PointOfSale, (scope.store_id, pos_id))
        if pos is None:
            raise ValidationFailed.field("pos_id", "no point of sale of this store has this id")
    if customer.pos_id != pos_id:
        customer.pos_id = pos_id
        await session.flush()
        await audit.record(session, scope, customer_id, "updated", ["pos_id"])
        await emit(session, scope, EventType.customer_updated, customer_id, {"fields": ["pos_id"]})
    return pos_id
