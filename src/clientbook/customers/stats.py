"""How many customers registered per day, month or year of the store's calendar."""

from collections import Counter
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.models import Customer
from clientbook.stores.scope import StoreScope

Interval = Literal["day", "month", "year"]
_LABEL = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def _periods(first: datetime, last: datetime, interval: Interval) -> list[str]:
    """Every period label from ``first`` to ``last`` (store-local), in order."""
    labels: list[str] = []
    day = first.date()
    while day <= last.date():
        label = day.strftime(_LABEL[interval])
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return labels


async def registrations(
    session: AsyncSession,
    scope: StoreScope,
    *,
    last_days: int,
    interval: Interval,
    tz: ZoneInfo,
    now: datetime,
) -> dict[str, int]:
    """Customers created (and not deleted) in the last ``last_days`` days, today included,
    per period; every period is listed, empty ones with 0. The rows are read through the
    ``(store_id, created_at)`` index as a stream, one timestamp each."""
    local_now = now.astimezone(tz)
    first = (local_now - timedelta(days=last_days - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    counts: Counter[str] = Counter()
    rows = await session.stream_scalars(
        select(Customer.created_at).where(
            Customer.store_id == scope.store_id,
            Customer.created_at >= first,
            Customer.deleted_at.is_(None),
        )
    )
    async for created in rows:
        counts[created.astimezone(tz).strftime(_LABEL[interval])] += 1
    return {label: counts.get(label, 0) for label in _periods(first, local_now, interval)}
