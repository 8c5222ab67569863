"""A batch's customers added to the kept counts once, where a row-level trigger keeps them.

On a Citus cluster ``clientbook distribute`` swaps the statement-level count triggers for
the row-level ``customer_counts_row``: one upsert of the counts shard per row, which made
an import of 5,000 customers a batch write 5,000 of them. There the importer sets
``clientbook.customer_counts`` to ``by_batch`` for its transaction (``SET LOCAL``, carried
to the shards' connections by ``citus.propagate_set_commands``), which the trigger obeys
by doing nothing, and adds the batch to ``customer_counts`` in one upsert in the same
transaction. Elsewhere (plain PostgreSQL, SQLite) the triggers already count once per
statement or cheaply per row, and the importer leaves them alone.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.models import Customer

ROW_TRIGGER = "customer_counts_row"  # as clientbook.distribution.citus names it

_HAS_ROW_TRIGGER = text(
    "SELECT EXISTS (SELECT 1 FROM pg_trigger "
    "WHERE tgrelid = 'customers'::regclass AND tgname = :name)"
)
_BY_BATCH = (
    text("SET LOCAL citus.propagate_set_commands TO 'local'"),
    text("SET LOCAL clientbook.customer_counts TO 'by_batch'"),
)
_ADD = text(
    "INSERT INTO customer_counts AS c (store_id, slot, total, active, writes) "
    "VALUES (:store_id, pg_backend_pid() % 16, :live, :active, 1) "
    "ON CONFLICT (store_id, slot) DO UPDATE SET total = c.total + EXCLUDED.total, "
    "active = c.active + EXCLUDED.active, writes = c.writes + 1"
)


async def count_by_batch(session: AsyncSession) -> bool:
    """Whether this transaction keeps the counts itself (then ``add`` them once the
    batch is written): on PostgreSQL with the row-level trigger in place, which from
    now on stays quiet in this transaction. Asked once per batch, so a database
    distributed while an import runs is counted right from its next batch."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    if not await session.scalar(_HAS_ROW_TRIGGER, {"name": ROW_TRIGGER}):
        return False
    for statement in _BY_BATCH:
        await session.execute(statement)
    return True


def tally(customers: Iterable[Customer]) -> dict[uuid.UUID, tuple[int, int]]:
    """Each customer's share of the counts: (in the total, in the active count)."""
    return {
        c.id: (int(c.deleted_at is None), int(c.deleted_at is None and bool(c.is_active)))
        for c in customers
    }


def change(
    written: Iterable[Customer], before: dict[uuid.UUID, tuple[int, int]]
) -> tuple[int, int]:
    """What writing these customers adds to (total, active), given their shares
    ``before`` (none for a new customer)."""
    live = active = 0
    for customer_id, (now_live, now_active) in tally(written).items():
        was_live, was_active = before.get(customer_id, (0, 0))
        live += now_live - was_live
        active += now_active - was_active
    return live, active


async def add(session: AsyncSession, store_id: uuid.UUID, live: int, active: int) -> None:
    """One upsert for the batch, as the trigger would have made for each row; it also
    moves the store's write version, as every customer write does."""
    await session.execute(_ADD, {"store_id": store_id, "live": live, "active": active})
