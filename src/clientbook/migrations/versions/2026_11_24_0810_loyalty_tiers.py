"""Loyalty tiers, each store's programme rules and each customer's place in them

Revision ID: 98c8f5c419cf
Revises: fbcf4cf938c9
Create Date: 2026-11-24 08:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from clientbook.kit.db import UTCDateTime

revision: str = "98c8f5c419cf"
down_revision: str | None = "fbcf4cf938c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loyalty_programmes",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("tier_mode", sa.String(length=16), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("downgrade_mode", sa.String(length=16), nullable=False),
        sa.Column("downgrade_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_loyalty_programmes_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_loyalty_programmes")),
    )
    op.create_table(
        "loyalty_tiers",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("reward_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("condition_value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column(
            "perks",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_loyalty_tiers_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_loyalty_tiers")),
        sa.UniqueConstraint("store_id", "name", name=op.f("uq_loyalty_tiers_store_id_name")),
    )
    op.create_table(
        "loyalty_members",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("tier_id", sa.Uuid(), nullable=True),
        sa.Column("manual_tier_id", sa.Uuid(), nullable=True),
        sa.Column("evaluated_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_loyalty_members_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "manual_tier_id"],
            ["loyalty_tiers.store_id", "loyalty_tiers.id"],
            name=op.f("fk_loyalty_members_store_id_manual_tier_id_loyalty_tiers"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "tier_id"],
            ["loyalty_tiers.store_id", "loyalty_tiers.id"],
            name=op.f("fk_loyalty_members_store_id_tier_id_loyalty_tiers"),
        ),
        sa.PrimaryKeyConstraint("store_id", "customer_id", name=op.f("pk_loyalty_members")),
    )


def downgrade() -> None:
    op.drop_table("loyalty_members")
    op.drop_table("loyalty_tiers")
    op.drop_table("loyalty_programmes")
