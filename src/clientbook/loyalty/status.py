"""Status figures per customer and wallet: the balance row's figures plus the points in
lots that will expire, by date. ``status_reads`` reads them."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from clientbook.models.loyalty import ZERO


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


def add_expiring(
    lots: Iterable[tuple[uuid.UUID, datetime, Decimal]],
    now: datetime,
    found: dict[uuid.UUID, WalletStatus],
) -> None:
    """The points left in lots that will expire, by date; "next month" is the calendar
    month after this one (UTC), as Open Loyalty's ``pointsExpiringNextMonth``."""
    month_start = _first_of_next_month(now.date())
    month_end = _first_of_next_month(month_start)
    by_date: dict[uuid.UUID, dict[date, Decimal]] = {}
    for wallet_id, expires_at, remaining in lots:
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
