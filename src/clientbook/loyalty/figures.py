"""Purchase figures of a page of customers, read in one query."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.models import Member, PurchaseStats
from clientbook.stores.scope import StoreScope


async def purchase_stats(
    session: AsyncSession, scope: StoreScope, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PurchaseStats]:
    """Each customer's stats row; a customer without purchases has none."""
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(PurchaseStats).where(
            PurchaseStats.store_id == scope.store_id,
            PurchaseStats.customer_id.in_(list(customer_ids)),
        )
    )
    return {stats.customer_id: stats for stats in rows.scalars()}


async def tier_ids(
    session: AsyncSession, scope: StoreScope, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Each customer's current tier, for those that have one."""
    if not customer_ids:
        return {}
    rows = await session.execute(
        select(Member.customer_id, Member.tier_id).where(
            Member.store_id == scope.store_id,
            Member.customer_id.in_(list(customer_ids)),
            Member.tier_id.is_not(None),
        )
    )
    return {customer_id: tier_id for customer_id, tier_id in rows if tier_id}
