"""Price list use cases."""

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.errors import NotFound, ValidationFailed
from clientbook.models import Customer, PriceList, Store
from clientbook.pricing.schemas import PriceListCreate, PriceListUpdate
from clientbook.stores.scope import Role, StoreScope


async def create_price_list(
    session: AsyncSession, scope: StoreScope, data: PriceListCreate
) -> PriceList:
    scope.require(Role.admin)
    currency = data.currency or (await session.get_one(Store, scope.store_id)).currency
    price_list = PriceList(
        store_id=scope.store_id, name=data.name, currency=currency, is_active=data.is_active
    )
    session.add(price_list)
    await session.flush()
    return price_list


async def list_price_lists(session: AsyncSession, scope: StoreScope) -> list[PriceList]:
    rows = await session.scalars(
        select(PriceList)
        .where(PriceList.store_id == scope.store_id)
        .order_by(PriceList.name, PriceList.id)
    )
    return list(rows)


async def get_price_list(
    session: AsyncSession, scope: StoreScope, price_list_id: uuid.UUID, *, lock: bool = False
) -> PriceList:
    price_list = await session.get(
        PriceList, (scope.store_id, price_list_id), with_for_update=lock or None
    )
    if price_list is None:
        raise NotFound("Price list not found")
    return price_list


async def active_price_list(
    session: AsyncSession, scope: StoreScope, price_list_id: uuid.UUID
) -> PriceList | None:
    """The store's price list with this id if it is active: the only kind a customer may get.

    The row is share-locked until the caller's transaction ends, so a concurrent delete
    (which locks it for update) either waits for the customer's write and then clears it,
    or goes first and this finds no price list.
    """
    price_list = await session.scalar(
        select(PriceList)
        .where(PriceList.store_id == scope.store_id, PriceList.id == price_list_id)
        .with_for_update(read=True, key_share=True)
    )
    return price_list if price_list is not None and price_list.is_active else None


async def update_price_list(
    session: AsyncSession, scope: StoreScope, price_list_id: uuid.UUID, data: PriceListUpdate
) -> PriceList:
    scope.require(Role.admin)
    price_list = await get_price_list(session, scope, price_list_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise ValidationFailed.field(field, "must not be null")
        setattr(price_list, field, value)
    await session.flush()
    return price_list


async def delete_price_list(
    session: AsyncSession, scope: StoreScope, price_list_id: uuid.UUID
) -> None:
    """Delete a price list; customers that had it as their default keep none."""
    scope.require(Role.admin)
    price_list = await get_price_list(session, scope, price_list_id, lock=True)
    await session.execute(
        update(Customer)
        .where(
            Customer.store_id == scope.store_id,
            Customer.default_price_list_id == price_list_id,
        )
        .values(default_price_list_id=None, version=Customer.version + 1),
        execution_options={"synchronize_session": "fetch"},
    )
    await session.delete(price_list)
    await session.flush()
