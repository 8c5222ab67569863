"""Status figures per customer and wallet: one balance row plus the lots that expire."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.models import PointsBalance, PointsLot, Wallet
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import StoreScope


@dataclass
class WalletStatus:
    wallet: str
    name: str
    active: Decimal = ZERO
    locked: Decimal = ZERO
    earned: Decimal = ZERO
    used: Decimal = ZERO
    expired: Decimal = ZERO
    expiring_next_month: Decimal = ZERO
    expiring: list[tuple[date, Decimal]] = field(default_factory=list)


async def wallet_statuses(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, now: datetime
) -> list[WalletStatus]:
    """Every wallet of the store, with this customer's figures (zeros where none)."""
    rows = await session.execute(
        select(Wallet, PointsBalance)
        .outerjoin(
            PointsBalance,
            (PointsBalance.store_id == Wallet.store_id)
            & (PointsBalance.wallet_id == Wallet.id)
            & (PointsBalance.customer_id == customer_id),
        )
        .where(Wallet.store_id == scope.store_id)
        .order_by(Wallet.code)
    )
    found: dict[uuid.UUID, WalletStatus] = {}
    for wallet, balance in rows:
        status = WalletStatus(wallet.code, wallet.name)
        if balance is not None:
            status.active, status.locked = balance.available, balance.locked
            status.earned, status.used, status.expired = (
                balance.earned,
                balance.used,
                balance.expired,
            )
        found[wallet.id] = status
    await _add_expiring(session, scope, customer_id, now, found)
    return list(found.values())


async def _add_expiring(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    now: datetime,
    found: dict[uuid.UUID, WalletStatus],
) -> None:
    """The points left in lots that will expire, by date; "next month" is the calendar
    month after this one (UTC), as Open Loyalty's ``pointsExpiringNextMonth``."""
    lots = await session.execute(
        select(PointsLot.wallet_id, PointsLot.expires_at, PointsLot.remaining)
        .where(
            PointsLot.store_id == scope.store_id,
            PointsLot.customer_id == customer_id,
            PointsLot.status.in_(("locked", "active")),
            PointsLot.expires_at.is_not(None),
            PointsLot.remaining > 0,
        )
        .order_by(PointsLot.expires_at)
    )
    month_start = _first_of_next_month(now.date())
    month_end = _first_of_next_month(month_start)
    by_date: dict[uuid.UUID, dict[date, Decimal]] = {}
    for wallet_id, expires_at, remaining in lots:
        if expires_at is None:
            continue
        day = expires_at.date()
        days = by_date.setdefault(wallet_id, {})
        days[day] = days.get(day, ZERO) + remaining
        if month_start <= day < month_end and wallet_id in found:
            found[wallet_id].expiring_next_month += remaining
    for wallet_id, days in by_date.items():
        if wallet_id in found:
            found[wallet_id].expiring = sorted(days.items())


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
