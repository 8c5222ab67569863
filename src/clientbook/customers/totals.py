"""Exact totals of customer lists, cheap at a million customers.

- The whole list and the ``is_active`` lists: read from the trigger-kept counts.
- Any other filter: counted once per *write version* of the store and remembered. The
  version is the sum of the store's ``customer_counts.writes``, which every statement that
  changes a customer bumps in its own transaction. A count is stored with the version read
  in the same statement (one snapshot), and PostgreSQL snapshots only ever add committed
  transactions, each of which raises the sum: a snapshot that reads the same version sees
  the same customers, so the remembered count is exact for it. A write makes every count
  of the store unreachable; none can be read stale.
- An estimate (PostgreSQL's planner) only when the client asks for one.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers.count_cache import CountCache, Counted
from clientbook.customers.queries import CustomerFilter, matching_ids
from clientbook.loyalty.filters import PurchaseFilter
from clientbook.models import CustomerCount
from clientbook.stores.scope import AnySelect, StoreScope

# With an estimate asked for, a total up to this many matches is still counted: it costs
# less than finding the page.
COUNTED_UP_TO = 1_000


@dataclass(frozen=True)
class Total:
    value: int
    exact: bool = True


COUNTS = CountCache()

_KEPT = {
    CustomerFilter(): "total",
    CustomerFilter(is_active=True): "active",
}


def _kept(scope: StoreScope) -> AnySelect:
    """The store's kept total, active count and write version, in one snapshot."""
    mine = CustomerCount.store_id == scope.store_id
    return select(
        func.coalesce(func.sum(CustomerCount.total), 0).label("total"),
        func.coalesce(func.sum(CustomerCount.active), 0).label("active"),
        func.coalesce(func.sum(CustomerCount.writes), 0).label("version"),
    ).where(mine)


async def count_customers(
    session: AsyncSession, scope: StoreScope, where: CustomerFilter, *, estimate: bool = False
) -> Total:
    """Exact unless ``estimate`` is asked for and the planner expects a large total."""
    connection = await session.connection()
    kept = (await connection.execute(_kept(scope))).one()
    if where in _KEPT:
        return Total(int(getattr(kept, _KEPT[where])))
    if where == CustomerFilter(is_active=False):
        return Total(int(kept.total) - int(kept.active))
    key = (scope.store_id, scope.country, where)
    dialect = _dialect(session)
    matching = matching_ids(scope, dialect, where)
    if estimate and dialect == "postgresql" and not COUNTS.has(key, int(kept.version)):
        planned = await _planned_rows(session, matching)
        if planned > COUNTED_UP_TO:
            return Total(planned, exact=False)

    async def counter() -> Counted:
        version, total, shareable = (
            await connection.execute(_counted(scope, matching, dialect))
        ).one()
        return int(version), int(total), bool(shareable)

    if where.purchases != PurchaseFilter():
        # Purchase stats change without a customer write, and "days since the last
        # purchase" changes with the clock: the write version cannot date such a count.
        _version, total, _shareable = await counter()
        return Total(total)
    return Total(await COUNTS.count(key, int(kept.version), counter))


def _counted(scope: StoreScope, matching: AnySelect, dialect: str) -> AnySelect:
    """The write version and the count in one statement, so in one snapshot. A transaction
    that has written sees its own uncommitted rows: its count is not remembered."""
    version = _kept(scope).with_only_columns(func.coalesce(func.sum(CustomerCount.writes), 0))
    counted = select(func.count()).select_from(matching.subquery())
    return select(
        version.scalar_subquery(),
        counted.scalar_subquery(),
        _has_not_written(dialect),
    )


def _has_not_written(dialect: str) -> ColumnElement[Any]:
    # PostgreSQL gives a transaction its id at its first write. On SQLite the count runs
    # in the transaction of a list request, which writes nothing.
    if dialect != "postgresql":
        return literal(True)
    return literal_column("pg_current_xact_id_if_assigned() IS NULL")


async def _planned_rows(session: AsyncSession, statement: AnySelect) -> int:
    """How many rows PostgreSQL's planner expects ``statement`` to return."""
    connection = await session.connection()
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    values = tuple(compiled.params[name] for name in compiled.positiontup or ())
    plan = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", values)
    return int(plan.scalar_one()[0]["Plan"]["Plan Rows"])


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
