"""A write version for purchase figures

Revision ID: e5a1c9d7b302
Revises: c4f8e2b35d21
Create Date: 2026-12-02 17:20:00

Lists filtered on purchase figures (Open Loyalty's ``transactionsAmountFrom`` ...) were
counted afresh on every request: purchase stats change without a customer write, so the
store's write version could not date such a count. ``customer_counts.purchase_writes``,
bumped by a row trigger on ``loyalty_purchase_stats`` in the writing transaction, makes
``writes + purchase_writes`` a version that does (customers.totals).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5a1c9d7b302"
down_revision: str | None = "c4f8e2b35d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION purchase_writes_apply() RETURNS trigger AS $$
    BEGIN
      INSERT INTO customer_counts (store_id, slot, total, purchase_writes)
      VALUES (COALESCE(NEW.store_id, OLD.store_id), pg_backend_pid() % 16, 0, 1)
      ON CONFLICT (store_id, slot) DO UPDATE
        SET purchase_writes = customer_counts.purchase_writes + 1;
      RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER purchase_writes AFTER INSERT OR UPDATE OR DELETE "
    "ON loyalty_purchase_stats FOR EACH ROW EXECUTE FUNCTION purchase_writes_apply()",
]

_SQLITE_BUMP = (
    "INSERT INTO customer_counts (store_id, slot, total, purchase_writes) "
    "VALUES ({row}.store_id, 0, 0, 1) ON CONFLICT (store_id, slot) DO UPDATE "
    "SET purchase_writes = purchase_writes + 1;"
)
_SQLITE_EVENTS = {"insert": "new", "update": "new", "delete": "old"}


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.add_column(
        "customer_counts",
        sa.Column("purchase_writes", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
    )
    if _pg():
        for statement in POSTGRES:
            op.execute(statement)
        return
    for event, row in _SQLITE_EVENTS.items():
        op.execute(
            f"CREATE TRIGGER purchase_writes_{event} AFTER {event.upper()} "
            f"ON loyalty_purchase_stats BEGIN {_SQLITE_BUMP.format(row=row)} END"
        )


def downgrade() -> None:
    if _pg():
        op.execute("DROP TRIGGER purchase_writes ON loyalty_purchase_stats")
        op.execute("DROP FUNCTION purchase_writes_apply()")
    else:
        for event in _SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER purchase_writes_{event}")
    # Not a batch rebuild: the customers triggers name the table (SQLite drops the
    # column in place since 3.35).
    op.execute("ALTER TABLE customer_counts DROP COLUMN purchase_writes")
