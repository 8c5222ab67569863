"""Exact totals of customer lists, cheap at a million customers.

- The whole list and the ``is_active`` lists: read from the trigger-kept counts.
- Any other filter: counted once per *write version* of the store and remembered. The
  version is the sum of the store's ``customer_counts.writes``, which every statement that
  changes a customer bumps in its own transaction. A count is stored with the version read
  in the same statement (one snapshot), and PostgreSQL snapshots only ever add committed
  transactions, each of which raises the sum: a snapshot that reads the same version sees
  the same customers, so the remembered count is exact for it. A write makes every count
  of the store unreachable; none can be read stale.
- Filters on purchase figures: purchase stats change without a customer write, so their
  counts are dated by ``writes + purchase_writes`` (a trigger on the stats bumps the
  second), and, with "days since the last purchase", by the minute the clock was read at
  (``loyalty.filters.clock``).
- An estimate (PostgreSQL's planner; on Citus, the planner of the store's shard) only
  when the client asks for one.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Uuid, bindparam, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers.conditions import CustomerFilter
from clientbook.customers.count_cache import CountCache, Counted
from clientbook.customers.queries import matching_ids
from clientbook.loyalty.filters import PurchaseFilter, clock
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


def _kept(store_id: Any) -> AnySelect:
    """The store's kept total, active count and write versions, in one snapshot."""
    return select(
        func.coalesce(func.sum(CustomerCount.total), 0).label("total"),
        func.coalesce(func.sum(CustomerCount.active), 0).label("active"),
        _version(False).label("version"),
        _version(True).label("purchase_version"),
    ).where(CustomerCount.store_id == store_id)


def _version(with_purchases: bool) -> ColumnElement[Any]:
    writes = CustomerCount.writes
    return func.coalesce(
        func.sum(writes + CustomerCount.purchase_writes if with_purchases else writes), 0
    )


# Built once: read on every page of a list, and making it cost more than running it.
_KEPT_OF_STORE = _kept(bindparam("kept_store_id", type_=Uuid))


async def count_customers(
    session: AsyncSession, scope: StoreScope, where: CustomerFilter, *, estimate: bool = False
) -> Total:
    """Exact unless ``estimate`` is asked for and the planner expects a large total."""
    connection = await session.connection()
    kept = (await connection.execute(_KEPT_OF_STORE, {"kept_store_id": scope.store_id})).one()
    if where in _KEPT:
        return Total(int(getattr(kept, _KEPT[where])))
    if where == CustomerFilter(is_active=False):
        return Total(int(kept.total) - int(kept.active))
    now = clock()
    by_purchases = where.purchases != PurchaseFilter()
    version = int(kept.purchase_version if by_purchases else kept.version)
    key: tuple[Any, ...] = (scope.store_id, scope.country, where)
    if where.purchases.days_from_last_transaction_to is not None:
        key += (now,)
    dialect = _dialect(session)
    matching = matching_ids(scope, dialect, where, now)
    if estimate and dialect == "postgresql" and not COUNTS.has(key, version):
        planned = await _planned_rows(session, matching)
        if planned > COUNTED_UP_TO:
            return Total(planned, exact=False)

    async def counter() -> Counted:
        counted = _counted(scope, matching, dialect, by_purchases)
        counted_at, total, shareable = (await connection.execute(counted)).one()
        return int(counted_at), int(total), bool(shareable)

    return Total(await COUNTS.count(key, version, counter))


def _counted(
    scope: StoreScope, matching: AnySelect, dialect: str, with_purchases: bool
) -> AnySelect:
    """The write version and the count in one statement, so in one snapshot. A transaction
    that has written sees its own uncommitted rows: its count is not remembered."""
    version = _kept(scope.store_id).with_only_columns(_version(with_purchases))
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
    return plan_rows(plan.scalar_one()[0]["Plan"])


def plan_rows(plan: dict[str, Any]) -> int:
    """The planner's row count; on Citus, the shards' planners', since the coordinator's
    own node says 0. A plan of another shape counts as 0: the total is then counted."""
    distributed = plan.get("Distributed Query")
    if distributed is None:
        return int(plan["Plan Rows"])
    job = distributed.get("Job", {})
    if job.get("Tasks Shown") != "All":
        return 0
    return sum(
        int(remote[0][0]["Plan"]["Plan Rows"])
        for task in job.get("Tasks", [])
        if (remote := task.get("Remote Plan"))
    )


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
