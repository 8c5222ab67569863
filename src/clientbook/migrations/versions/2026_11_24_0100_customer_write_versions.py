"""Kept counts of active customers and a write version per store

Revision ID: 4b7d2e9f0a13
Revises: 8a3f6c2d1e90
Create Date: 2026-11-24 01:00:00

The triggers that keep each store's customer total now also keep how many of them are
active (``is_active=true`` lists need no count) and ``writes``, bumped by every statement
that changes a customer. The sum of a store's ``writes`` is its write version: an exact
count remembered with the version it was taken at stays exact while the version is the
same (customers.totals).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4b7d2e9f0a13"
down_revision: str | None = "8a3f6c2d1e90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_UPSERT = """
    INSERT INTO customer_counts (store_id, slot, total, active, writes)
    SELECT store_id, pg_backend_pid() % 16, sum(live), sum(active), 1
    FROM ({rows}) AS delta GROUP BY store_id
    ON CONFLICT (store_id, slot) DO UPDATE SET
      total = customer_counts.total + EXCLUDED.total,
      active = customer_counts.active + EXCLUDED.active,
      writes = customer_counts.writes + 1;
"""
_PG_NEW = (
    "SELECT store_id, (deleted_at IS NULL)::int AS live, "
    "(deleted_at IS NULL AND is_active)::int AS active FROM new_rows"
)
_PG_OLD = (
    "SELECT store_id, -(deleted_at IS NULL)::int AS live, "
    "-(deleted_at IS NULL AND is_active)::int AS active FROM old_rows"
)
POSTGRES_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION customer_counts_apply() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        {_PG_UPSERT.format(rows=_PG_NEW)}
      ELSIF TG_OP = 'DELETE' THEN
        {_PG_UPSERT.format(rows=_PG_OLD)}
      ELSE
        {_PG_UPSERT.format(rows=_PG_NEW + " UNION ALL " + _PG_OLD)}
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql
"""

# The function as the customer_counts migration made it, for the downgrade.
OLD_POSTGRES_FUNCTION = """
    CREATE OR REPLACE FUNCTION customer_counts_apply() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO customer_counts (store_id, slot, total)
        SELECT store_id, pg_backend_pid() % 16, count(*) FROM new_rows
        WHERE deleted_at IS NULL GROUP BY store_id
        ON CONFLICT (store_id, slot) DO UPDATE SET total = customer_counts.total + EXCLUDED.total;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO customer_counts (store_id, slot, total)
        SELECT store_id, pg_backend_pid() % 16, -count(*) FROM old_rows
        WHERE deleted_at IS NULL GROUP BY store_id
        ON CONFLICT (store_id, slot) DO UPDATE SET total = customer_counts.total + EXCLUDED.total;
      ELSE
        INSERT INTO customer_counts (store_id, slot, total)
        SELECT n.store_id, pg_backend_pid() % 16,
               sum(CASE WHEN n.deleted_at IS NULL THEN 1 ELSE -1 END)
        FROM new_rows n JOIN old_rows o ON o.store_id = n.store_id AND o.id = n.id
        WHERE (o.deleted_at IS NULL) <> (n.deleted_at IS NULL)
        GROUP BY n.store_id
        ON CONFLICT (store_id, slot) DO UPDATE SET total = customer_counts.total + EXCLUDED.total;
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql
"""

_SQLITE_BUMP = (
    "INSERT INTO customer_counts (store_id, slot, total, active, writes) "
    "VALUES ({store}, 0, {live}, {active}, 1) ON CONFLICT (store_id, slot) DO UPDATE SET "
    "total = total + excluded.total, active = active + excluded.active, writes = writes + 1;"
)


def _live(row: str) -> str:
    return f"({row}.deleted_at IS NULL)"


def _active(row: str) -> str:
    return f"({row}.deleted_at IS NULL AND {row}.is_active)"


SQLITE = [
    "CREATE TRIGGER customer_counts_insert AFTER INSERT ON customers BEGIN "
    + _SQLITE_BUMP.format(store="new.store_id", live=_live("new"), active=_active("new"))
    + " END",
    "CREATE TRIGGER customer_counts_delete AFTER DELETE ON customers BEGIN "
    + _SQLITE_BUMP.format(
        store="old.store_id", live=f"-{_live('old')}", active=f"-{_active('old')}"
    )
    + " END",
    "CREATE TRIGGER customer_counts_update AFTER UPDATE ON customers BEGIN "
    + _SQLITE_BUMP.format(
        store="new.store_id",
        live=f"{_live('new')} - {_live('old')}",
        active=f"{_active('new')} - {_active('old')}",
    )
    + " END",
]

_OLD_SQLITE_BUMP = (
    "INSERT INTO customer_counts (store_id, slot, total) VALUES ({store}, 0, {delta}) "
    "ON CONFLICT (store_id, slot) DO UPDATE SET total = total + excluded.total;"
)
OLD_SQLITE = [
    "CREATE TRIGGER customer_counts_insert AFTER INSERT ON customers "
    "WHEN new.deleted_at IS NULL BEGIN "
    + _OLD_SQLITE_BUMP.format(store="new.store_id", delta=1)
    + " END",
    "CREATE TRIGGER customer_counts_delete AFTER DELETE ON customers "
    "WHEN old.deleted_at IS NULL BEGIN "
    + _OLD_SQLITE_BUMP.format(store="old.store_id", delta=-1)
    + " END",
    "CREATE TRIGGER customer_counts_update AFTER UPDATE OF deleted_at ON customers "
    "WHEN (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN "
    + _OLD_SQLITE_BUMP.format(
        store="new.store_id", delta="CASE WHEN new.deleted_at IS NULL THEN 1 ELSE -1 END"
    )
    + " END",
]


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _drop_sqlite_triggers() -> None:
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER customer_counts_{name}")


def upgrade() -> None:
    for column in ("active", "writes"):
        op.add_column(
            "customer_counts",
            sa.Column(column, sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        )
    if _pg():
        op.execute(POSTGRES_FUNCTION)
    else:
        _drop_sqlite_triggers()
        for statement in SQLITE:
            op.execute(statement)
    # Each store's active customers, counted once, go to its slot 0 (added to the sum).
    op.execute(
        "INSERT INTO customer_counts (store_id, slot, total, active) "
        "SELECT store_id, 0, 0, count(*) FROM customers "
        "WHERE deleted_at IS NULL AND is_active GROUP BY store_id "
        "ON CONFLICT (store_id, slot) DO UPDATE SET active = excluded.active"
    )


def downgrade() -> None:
    if _pg():
        op.execute(OLD_POSTGRES_FUNCTION)
    else:  # the triggers name the table: they go before it is rebuilt without the columns
        _drop_sqlite_triggers()
    with op.batch_alter_table("customer_counts") as batch:
        batch.drop_column("writes")
        batch.drop_column("active")
    if not _pg():
        for statement in OLD_SQLITE:
            op.execute(statement)
