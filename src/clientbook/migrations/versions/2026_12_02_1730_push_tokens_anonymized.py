"""Customers' push tokens (Open Loyalty's Pushy tokens) and customers.anonymized_at

Revision ID: e5a9c3d71b42
Revises: e5a9c7d31f42
Create Date: 2026-12-02 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from clientbook.kit.db import UTCDateTime

revision: str = "e5a9c3d71b42"
down_revision: str | None = "e5a9c7d31f42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: on SQLite a batch copy would drop the customers' FTS triggers.
    op.add_column("customers", sa.Column("anonymized_at", UTCDateTime(), nullable=True))
    op.create_table(
        "customer_push_tokens",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("token", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name="fk_customer_push_tokens_store_id_customer_id_customers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "customer_id", "token", name="pk_customer_push_tokens"),
    )


def downgrade() -> None:
    op.drop_table("customer_push_tokens")
    op.drop_column("customers", "anonymized_at")
