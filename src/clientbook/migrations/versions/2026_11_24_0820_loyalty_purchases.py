"""Loyalty purchases, earning rules and per-customer purchase stats

Revision ID: 5d2c8e41a7b3
Revises: 98c8f5c419cf
Create Date: 2026-11-24 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from clientbook.kit.db import UTCDateTime

revision: str = "5d2c8e41a7b3"
down_revision: str | None = "98c8f5c419cf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loyalty_earning_rules",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("points_per_unit", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("minimum_order", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column(
            "multipliers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "wallet_id"],
            ["loyalty_wallets.store_id", "loyalty_wallets.id"],
            name=op.f("fk_loyalty_earning_rules_store_id_wallet_id_loyalty_wallets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_loyalty_earning_rules_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_loyalty_earning_rules")),
    )
    op.create_table(
        "loyalty_purchase_stats",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("total_without_delivery", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("eligible_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("average", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("last_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_loyalty_purchase_stats_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "customer_id", name=op.f("pk_loyalty_purchase_stats")),
    )
    with op.batch_alter_table("loyalty_purchase_stats", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loyalty_purchase_stats_store_id_average", ["store_id", "average"], unique=False
        )
        batch_op.create_index(
            "ix_loyalty_purchase_stats_store_id_count", ["store_id", "count"], unique=False
        )
        batch_op.create_index(
            "ix_loyalty_purchase_stats_store_id_last_at", ["store_id", "last_at"], unique=False
        )
        batch_op.create_index(
            "ix_loyalty_purchase_stats_store_id_total", ["store_id", "total"], unique=False
        )

    op.create_table(
        "loyalty_purchases",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("purchased_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("delivery_costs", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("excluded_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=True),
        sa.Column("pos_id", sa.Uuid(), nullable=True),
        sa.Column("shipping_status", sa.String(length=32), nullable=True),
        sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("points_earned", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("points_reversed", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("returned_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_loyalty_purchases_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_loyalty_purchases")),
        sa.UniqueConstraint(
            "store_id", "number", name=op.f("uq_loyalty_purchases_store_id_number")
        ),
    )
    with op.batch_alter_table("loyalty_purchases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loyalty_purchases_store_id_customer_id_purchased_at",
            ["store_id", "customer_id", "purchased_at"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("loyalty_purchase_stats")
    op.drop_table("loyalty_purchases")
    op.drop_table("loyalty_earning_rules")
