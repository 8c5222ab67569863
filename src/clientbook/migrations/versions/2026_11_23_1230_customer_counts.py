"""Customer counts per store, kept by triggers, for exact totals at any size

Revision ID: 3c1f0a7e5b21
Revises: 7dde9b72ad27
Create Date: 2026-11-23 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c1f0a7e5b21"
down_revision: str | None = "7dde9b72ad27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL: statement-level triggers with transition tables, so a COPY of a million rows
# costs one upsert per store, not a million. Each connection writes its own slot of 16.
POSTGRES = [
    """
    CREATE FUNCTION customer_counts_apply() RETURNS trigger AS $$
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
    """,
    "CREATE TRIGGER customer_counts_insert AFTER INSERT ON customers "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_apply()",
    "CREATE TRIGGER customer_counts_delete AFTER DELETE ON customers "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_apply()",
    "CREATE TRIGGER customer_counts_update AFTER UPDATE ON customers "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION customer_counts_apply()",
]

_SQLITE_BUMP = (
    "INSERT INTO customer_counts (store_id, slot, total) VALUES ({store}, 0, {delta}) "
    "ON CONFLICT (store_id, slot) DO UPDATE SET total = total + excluded.total;"
)
SQLITE = [
    "CREATE TRIGGER customer_counts_insert AFTER INSERT ON customers "
    "WHEN new.deleted_at IS NULL BEGIN "
    + _SQLITE_BUMP.format(store="new.store_id", delta=1)
    + " END",
    "CREATE TRIGGER customer_counts_delete AFTER DELETE ON customers "
    "WHEN old.deleted_at IS NULL BEGIN "
    + _SQLITE_BUMP.format(store="old.store_id", delta=-1)
    + " END",
    "CREATE TRIGGER customer_counts_update AFTER UPDATE OF deleted_at ON customers "
    "WHEN (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN "
    + _SQLITE_BUMP.format(
        store="new.store_id", delta="CASE WHEN new.deleted_at IS NULL THEN 1 ELSE -1 END"
    )
    + " END",
]


def upgrade() -> None:
    op.create_table(
        "customer_counts",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_customer_counts_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "slot", name=op.f("pk_customer_counts")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES if postgres else SQLITE:
        op.execute(statement)
    op.execute(
        "INSERT INTO customer_counts (store_id, slot, total) "
        "SELECT store_id, 0, count(*) FROM customers WHERE deleted_at IS NULL GROUP BY store_id"
    )


def downgrade() -> None:
    on_table = " ON customers" if _pg() else ""
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER customer_counts_{name}{on_table}")
    if _pg():
        op.execute("DROP FUNCTION customer_counts_apply()")
    op.drop_table("customer_counts")


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"
