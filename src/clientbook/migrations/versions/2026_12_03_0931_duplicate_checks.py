"""Duplicate checks: customers written since their candidates were last looked for

``duplicate_checks`` holds one row per customer created or changed (a name, birth date,
phone, card or e-mail) until the background check has looked up its candidates, the
similar names included, and stored the pairs. A new table: nothing existing changes.

Revision ID: f1c3d5e7a902
Revises: 7c1e4b9d2a60
Create Date: 2026-12-03 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from clientbook.kit.db import UTCDateTime

revision: str = "f1c3d5e7a902"
down_revision: str | None = "7c1e4b9d2a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duplicate_checks",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("queued_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_duplicate_checks_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "customer_id", name=op.f("pk_duplicate_checks")),
    )
    op.create_index("ix_duplicate_checks_queued_at", "duplicate_checks", ["queued_at"])


def downgrade() -> None:
    op.drop_index("ix_duplicate_checks_queued_at", table_name="duplicate_checks")
    op.drop_table("duplicate_checks")
