"""Open Loyalty's customer list filters on purchase stats (``transactionsAmountFrom`` ...),
as conditions on the canonical customer list. A customer without purchases counts as 0."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, select

from clientbook.models import Customer, PurchaseStats
from clientbook.stores.scope import StoreScope


@dataclass(frozen=True)
class PurchaseFilter:
    transactions_amount_from: Decimal | None = None
    transactions_amount_to: Decimal | None = None
    average_transaction_amount_from: Decimal | None = None
    average_transaction_amount_to: Decimal | None = None
    transactions_count_from: int | None = None
    transactions_count_to: int | None = None
    days_from_last_transaction_to: int | None = None


def clock(now: datetime | None = None) -> datetime:
    """Purchase filters read the clock to the minute: "days since the last purchase" then
    selects the same customers for a whole minute, so its exact count can be remembered."""
    return (now or datetime.now(UTC)).replace(second=0, microsecond=0)


def purchase_conditions(
    scope: StoreScope, where: PurchaseFilter, now: datetime
) -> list[ColumnElement[bool]]:
    """One condition on the stats table, driven by its per-store indexes.

    When a customer without purchases cannot match, a semi-join: the store's buyers that
    match. When one can (``averageTransactionAmountTo=20``), an anti-join: no stats row
    that fails. Most customers then match, and a list walks a few of them, probing each
    one's row; "the matching buyers, or no row" was planned as a hash of every buyer's
    row (60 ms at 100k buyers) to find a page of 20."""
    checks = _checks(where, now)
    if not checks:
        return []
    conditions = [check for check, _ in checks]
    if all(at_zero for _, at_zero in checks):
        fails = exists().where(
            PurchaseStats.store_id == scope.store_id,
            PurchaseStats.customer_id == Customer.id,
            ~and_(*conditions),
        )
        return [~fails]
    buyers = select(PurchaseStats.customer_id).where(
        PurchaseStats.store_id == scope.store_id, *conditions
    )
    return [Customer.id.in_(buyers)]


def buyer_conditions(
    scope: StoreScope, where: PurchaseFilter, now: datetime
) -> list[ColumnElement[bool]] | None:
    """The conditions on the stats row when ``where`` selects buyers only (a customer
    without purchases cannot match), for a statement joined to the stats; else None."""
    checks = _checks(where, now)
    if not checks or all(at_zero for _, at_zero in checks):
        return None
    return [PurchaseStats.store_id == scope.store_id, *(check for check, _ in checks)]


def _checks(where: PurchaseFilter, now: datetime) -> list[tuple[ColumnElement[bool], bool]]:
    """Each condition on the stats row, and whether a customer without one meets it."""
    checks: list[tuple[ColumnElement[bool], bool]] = []
    for column, low, high in (
        (PurchaseStats.total, where.transactions_amount_from, where.transactions_amount_to),
        (
            PurchaseStats.average,
            where.average_transaction_amount_from,
            where.average_transaction_amount_to,
        ),
        (PurchaseStats.count, where.transactions_count_from, where.transactions_count_to),
    ):
        if low is not None:
            checks.append((column >= low, low <= 0))
        if high is not None:
            checks.append((column <= high, high >= 0))
    if where.days_from_last_transaction_to is not None:
        since = now - timedelta(days=where.days_from_last_transaction_to)
        checks.append((PurchaseStats.last_at >= since, False))
    return checks


def _stat_of_listed(column: Any, default: Any) -> ColumnElement[Any]:
    """The listed customer's stat (a correlated subquery on the stats row's primary key),
    ``default`` without purchases."""
    found = (
        select(column)
        .where(
            and_(
                PurchaseStats.store_id == Customer.store_id,
                PurchaseStats.customer_id == Customer.id,
            )
        )
        .correlate(Customer)  # not the stats a caller may have joined to the rows
        .scalar_subquery()
    )
    return func.coalesce(found, default)


# Open Loyalty's sorts (transactionsAmount, transactionsCount, averageTransactionAmount,
# lastTransactionDate) as canonical list sorts; a customer without purchases sorts as 0
# and as having bought at the epoch (so PostgreSQL and SQLite, which place NULLs at
# opposite ends, agree).
PURCHASE_SORTS: dict[str, ColumnElement[Any]] = {
    "transactions_amount": _stat_of_listed(PurchaseStats.total, 0),
    "transactions_count": _stat_of_listed(PurchaseStats.count, 0),
    "average_transaction_amount": _stat_of_listed(PurchaseStats.average, 0),
    "last_transaction_date": _stat_of_listed(
        PurchaseStats.last_at, literal(datetime(1970, 1, 1, tzinfo=UTC), PurchaseStats.last_at.type)
    ),
}
