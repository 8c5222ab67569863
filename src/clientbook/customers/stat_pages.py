"""Pages of customers sorted by a purchase figure, without ordering the whole store.

A customer without purchases sorts as 0 (``loyalty.filters.PURCHASE_SORTS``). Ordering a
million customers by a per-customer subquery took longer than a client waits, so a
page is taken from two parts, each walked through an index:

- the customers whose figure is above 0 (buyers): the stats table's per-store index on
  the figure, joined to the customers;
- everyone else (the figure is 0, or there is no stats row): the customers in id order.

Sorted descending, the buyers come first; ascending, the others do. Ties are broken by
id in the sort's direction in both parts, as the one-statement ordering does. Figures are
never below 0 (totals, counts, averages, dates after the epoch), so the parts meet at 0.
Only a page that starts past the first part counts that part, to know where in the
second it starts.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from clientbook.models import Customer, PurchaseStats
from clientbook.stores.scope import AnySelect, StoreScope

Key = tuple[Any, Any]

_EPOCH = literal(datetime(1970, 1, 1, tzinfo=UTC), PurchaseStats.last_at.type)
# Each sort's figure on the stats row, and the value a customer without purchases has.
FIGURES: dict[str, tuple[Any, ColumnElement[Any]]] = {
    "transactions_amount": (PurchaseStats.total, literal(0)),
    "transactions_count": (PurchaseStats.count, literal(0)),
    "average_transaction_amount": (PurchaseStats.average, literal(0)),
    "last_transaction_date": (PurchaseStats.last_at, _EPOCH),
    "transactions_amount_without_delivery": (PurchaseStats.total_without_delivery, literal(0)),
}


async def page_keys(
    connection: AsyncConnection,
    scope: StoreScope,
    conditions: list[ColumnElement[bool]],
    field: str,
    descending: bool,
    *,
    limit: int,
    offset: int,
) -> list[Key]:
    """The (store_id, id) keys of one page, in order."""
    figure, zero = FIGURES[field]
    of_customer = and_(
        PurchaseStats.store_id == scope.store_id,
        PurchaseStats.store_id == Customer.store_id,
        PurchaseStats.customer_id == Customer.id,
    )
    keys = select(Customer.store_id, Customer.id)
    buyers = keys.join(PurchaseStats, of_customer).where(*conditions, figure > zero)
    others = keys.where(*conditions, ~exists().where(of_customer, figure > zero))
    buyers = buyers.order_by(*_directed(descending, figure, Customer.id))
    others = others.order_by(*_directed(descending, Customer.id))
    first, second = (buyers, others) if descending else (others, buyers)
    found = await _slice(connection, first, limit, offset)
    if len(found) == limit:
        return found
    # The first part ends on this page (then the second starts at its top) or before it.
    skip = 0 if found else offset - await _count(connection, first)
    return found + await _slice(connection, second, limit - len(found), max(0, skip))


def _directed(descending: bool, *columns: Any) -> list[Any]:
    return [column.desc() if descending else column.asc() for column in columns]


async def _slice(
    connection: AsyncConnection, part: AnySelect, limit: int, offset: int
) -> list[Key]:
    rows = await connection.execute(part.offset(offset).limit(limit))
    return [(store_id, id_) for store_id, id_ in rows]


async def _count(connection: AsyncConnection, part: AnySelect) -> int:
    counted = select(func.count()).select_from(part.order_by(None).subquery())
    return int((await connection.execute(counted)).scalar_one())
