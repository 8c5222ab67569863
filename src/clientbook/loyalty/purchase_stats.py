"""A customer's purchase stats (count, totals, average, last purchase), kept on every
completion and return, so list filters and sorts on them are index reads."""

import uuid
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.integrity import check_fits, insert_new
from clientbook.loyalty import earning, rules
from clientbook.models import Customer, Purchase, PurchaseStats
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import StoreScope


async def add_completed(
    session: AsyncSession, scope: StoreScope, purchase: Purchase, standing: earning.Standing
) -> Decimal:
    """Count a completed purchase in one upsert; the average is the one expected from
    the stats as read, corrected by a second statement only when another purchase of
    the customer was counted meanwhile. Returns the new eligible total."""
    expected = average_of(standing.total + purchase.total, standing.count + 1)
    values = {
        "store_id": scope.store_id,
        "customer_id": purchase.customer_id,
        "count": 1,
        "total": purchase.total,
        "total_without_delivery": purchase.total - purchase.delivery_costs,
        "eligible_total": rules.eligible_amount(purchase),
        "average": expected,
        "last_at": purchase.purchased_at,
        "listed_at": standing.listed_at,
    }
    connection = await session.connection()  # Core: the ORM's insert handling costs more
    statement = _stats_upsert(connection.dialect.name)
    count, total, eligible_total = (await connection.execute(statement, values)).one()
    check_fits(total, PurchaseStats.__table__.c.total)  # SQLite's check
    average = average_of(total, count)
    if average != expected:
        await session.execute(
            update(PurchaseStats)
            .where(
                PurchaseStats.store_id == scope.store_id,
                PurchaseStats.customer_id == purchase.customer_id,
            )
            .values(average=average)
        )
    return Decimal(eligible_total)


def average_of(total: Decimal, count: int) -> Decimal:
    return (total / count).quantize(rules.CENT) if count else ZERO


@cache
def _stats_upsert(dialect: str) -> Any:
    """Built once per dialect: making the statement costs more than running it."""
    columns = PurchaseStats.__table__.c
    names = ["store_id", "customer_id", "count", "total", "total_without_delivery"]
    names += ["eligible_total", "average", "last_at", "listed_at"]
    statement = insert_for(dialect)(PurchaseStats).values({name: bindparam(name) for name in names})
    new, old = statement.excluded, columns
    newer = old.last_at.is_(None) | (new.last_at > old.last_at)
    return statement.on_conflict_do_update(
        index_elements=[old.store_id, old.customer_id],
        set_={
            "count": old.count + new.count,
            "total": old.total + new.total,
            "total_without_delivery": old.total_without_delivery + new.total_without_delivery,
            "eligible_total": old.eligible_total + new.eligible_total,
            "average": new.average,
            "last_at": case((newer, new.last_at), else_=old.last_at),
        },
    ).returning(old.count, old.total, old.eligible_total)


def insert_for(dialect: str) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert


async def count_change(
    session: AsyncSession,
    scope: StoreScope,
    purchase: Purchase,
    *,
    sign: int,
    amount: Decimal | None = None,
) -> PurchaseStats:
    """Keep the customer's stats: a completion adds the purchase; a return takes its
    amount off the totals (the count drops when the whole purchase comes back)."""
    stats = await _locked_stats(session, scope, purchase.customer_id)
    if sign > 0:
        stats.count += 1
        stats.total += purchase.total
        stats.total_without_delivery += purchase.total - purchase.delivery_costs
        stats.eligible_total += rules.eligible_amount(purchase)
        if stats.last_at is None or purchase.purchased_at > stats.last_at:
            stats.last_at = purchase.purchased_at
    else:
        taken = amount or ZERO
        stats.total -= taken
        stats.total_without_delivery -= min(taken, stats.total_without_delivery)
        stats.eligible_total -= min(taken, stats.eligible_total)
        if purchase.returned_amount == purchase.total:
            stats.count -= 1
    stats.average = average_of(stats.total, stats.count)
    await session.flush()
    return stats


async def _locked_stats(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> PurchaseStats:
    """The customer's stats row, locked; made first for a customer's first purchase."""
    key = (scope.store_id, customer_id)
    stats = await session.get(PurchaseStats, key, with_for_update=True, populate_existing=True)
    if stats is None:
        await insert_new(
            session,
            PurchaseStats,
            [await stats_row(session, scope, customer_id)],
            PurchaseStats.store_id,
        )
        stats = await session.get_one(PurchaseStats, key, with_for_update=True)
    return stats


async def stats_row(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> dict[str, Any]:
    """A new stats row's key and the customer's place in the list (``listed_at``)."""
    created_at = await session.scalar(
        select(Customer.created_at).where(
            Customer.store_id == scope.store_id, Customer.id == customer_id
        )
    )
    return {"store_id": scope.store_id, "customer_id": customer_id, "listed_at": created_at}
