"""Typed customer profiles (scent, preferences) and one default address per customer

Addresses had one default per type; a customer now has at most one default address,
held by a partial unique index. Customers with several defaults keep the one changed
last (ties: the largest id) before the index is built.

Revision ID: e5a9c7d31f42
Revises: e5a1c9d7b302
Create Date: 2026-12-02 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from clientbook.kit.db import UTCDateTime

revision: str = "e5a9c7d31f42"
down_revision: str | None = "e5a1c9d7b302"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_profiles",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_customer_profiles_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "customer_id", "kind", name=op.f("pk_customer_profiles")
        ),
    )
    # Keep one default per customer: the latest changed (then the largest id).
    op.execute(
        """
        UPDATE customer_addresses SET is_default = false
        WHERE is_default AND EXISTS (
            SELECT 1 FROM customer_addresses AS other
            WHERE other.store_id = customer_addresses.store_id
              AND other.customer_id = customer_addresses.customer_id
              AND other.is_default
              AND (other.updated_at > customer_addresses.updated_at
                   OR (other.updated_at = customer_addresses.updated_at
                       AND other.id > customer_addresses.id))
        )
        """
    )
    op.create_index(
        "uq_customer_addresses_store_id_customer_id_default",
        "customer_addresses",
        ["store_id", "customer_id"],
        unique=True,
        postgresql_where=sa.text("is_default"),
        sqlite_where=sa.text("is_default"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_customer_addresses_store_id_customer_id_default", table_name="customer_addresses"
    )
    op.drop_table("customer_profiles")
