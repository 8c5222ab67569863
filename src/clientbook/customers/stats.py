"""How many customers registered per day, month or year of the store's calendar."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, cast, func, select
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
    per period; every period is listed, empty ones with 0.

    The database counts per quarter hour of UTC (through the ``(store_id, created_at)``
    index), and each quarter hour goes to its period of the store's calendar: every time
    zone's offset is a whole number of quarter hours, so none straddles two local days.
    """
    local_now = now.astimezone(tz)
    first = (local_now - timedelta(days=last_days - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    slot = _slot(session.get_bind().dialect.name)
    rows = await session.execute(
        select(slot, func.count())
        .where(
            Customer.store_id == scope.store_id,
            Customer.created_at >= first,
            Customer.deleted_at.is_(None),
        )
        .group_by(slot)
    )
    counts: Counter[str] = Counter()
    for quarter, count in rows:
        moment = datetime.fromtimestamp(int(quarter) * SLOT_SECONDS, UTC).astimezone(tz)
        counts[moment.strftime(_LABEL[interval])] += int(count)
    return {label: counts.get(label, 0) for label in _periods(first, local_now, interval)}


SLOT_SECONDS = 900


def _slot(dialect: str) -> ColumnElement[Any]:
    """The quarter hour of UTC a customer was created in, as a number."""
    if dialect == "postgresql":
        return func.floor(func.extract("epoch", Customer.created_at) / SLOT_SECONDS)
    seconds = cast(func.strftime("%s", Customer.created_at), Integer)
    return seconds / SLOT_SECONDS
