"""A customer's purchases and ledger entries, newest first, a page at a time."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.loyalty.points import check_customer
from clientbook.models import PointsEntry, Purchase, Wallet
from clientbook.stores.scope import StoreScope


@dataclass(frozen=True)
class PurchaseFilter:
    status: str | None = None
    purchased_from: datetime | None = None  # inclusive
    purchased_before: datetime | None = None  # exclusive


async def customer_purchases(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    given: PurchaseFilter,
    *,
    offset: int,
    limit: int,
) -> tuple[list[Purchase], int]:
    """One page of the customer's purchases (newest first) and how many match in all."""
    await check_customer(session, scope, customer_id)
    conditions: list[ColumnElement[bool]] = [
        Purchase.store_id == scope.store_id,
        Purchase.customer_id == customer_id,
    ]
    if given.status is not None:
        conditions.append(Purchase.status == given.status)
    if given.purchased_from is not None:
        conditions.append(Purchase.purchased_at >= given.purchased_from)
    if given.purchased_before is not None:
        conditions.append(Purchase.purchased_at < given.purchased_before)
    total = await session.scalar(select(func.count()).select_from(Purchase).where(*conditions))
    page = (
        select(Purchase)
        .where(*conditions)
        .order_by(Purchase.purchased_at.desc(), Purchase.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(await session.scalars(page)), int(total or 0)


async def customer_entries(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, *, limit: int
) -> list[tuple[PointsEntry, str]]:
    """The customer's latest ledger entries that moved points, each with its wallet code."""
    await check_customer(session, scope, customer_id)
    rows = await session.execute(
        select(PointsEntry, Wallet.code)
        .join(
            Wallet, (Wallet.store_id == PointsEntry.store_id) & (Wallet.id == PointsEntry.wallet_id)
        )
        .where(
            PointsEntry.store_id == scope.store_id,
            PointsEntry.customer_id == customer_id,
            PointsEntry.amount != 0,
        )
        .order_by(PointsEntry.at.desc(), PointsEntry.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in rows]
