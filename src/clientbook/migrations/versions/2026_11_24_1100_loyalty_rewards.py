"""Loyalty rewards catalogue and redemptions (coupons); members by tier evaluation

Revision ID: c4e7a2b91d03
Revises: 6a1c3e5f7b90
Create Date: 2026-11-24 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from clientbook.kit.db import UTCDateTime

revision: str = "c4e7a2b91d03"
down_revision: str | None = "6a1c3e5f7b90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loyalty_rewards",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("valid_from", UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("per_customer_limit", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cost > 0", name=op.f("ck_loyalty_rewards_cost_positive")),
        sa.CheckConstraint(
            "per_customer_limit IS NULL OR per_customer_limit > 0",
            name=op.f("ck_loyalty_rewards_limit_positive"),
        ),
        sa.CheckConstraint(
            "stock IS NULL OR stock >= 0", name=op.f("ck_loyalty_rewards_stock_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "wallet_id"],
            ["loyalty_wallets.store_id", "loyalty_wallets.id"],
            name=op.f("fk_loyalty_rewards_store_id_wallet_id_loyalty_wallets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_loyalty_rewards_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_loyalty_rewards")),
    )
    op.create_table(
        "loyalty_redemptions",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("reward_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("cost", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("coupon_code", sa.String(length=32), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_loyalty_redemptions_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "entry_id"],
            ["loyalty_entries.store_id", "loyalty_entries.id"],
            name=op.f("fk_loyalty_redemptions_store_id_entry_id_loyalty_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "reward_id"],
            ["loyalty_rewards.store_id", "loyalty_rewards.id"],
            name=op.f("fk_loyalty_redemptions_store_id_reward_id_loyalty_rewards"),
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_loyalty_redemptions")),
        sa.UniqueConstraint(
            "store_id", "coupon_code", name=op.f("uq_loyalty_redemptions_store_id_coupon_code")
        ),
    )
    with op.batch_alter_table("loyalty_redemptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loyalty_redemptions_store_id_customer_id_reward_id",
            ["store_id", "customer_id", "reward_id"],
            unique=False,
        )

    with op.batch_alter_table("loyalty_members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loyalty_members_store_id_evaluated_at", ["store_id", "evaluated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_members", schema=None) as batch_op:
        batch_op.drop_index("ix_loyalty_members_store_id_evaluated_at")
    with op.batch_alter_table("loyalty_redemptions", schema=None) as batch_op:
        batch_op.drop_index("ix_loyalty_redemptions_store_id_customer_id_reward_id")
    op.drop_table("loyalty_redemptions")
    op.drop_table("loyalty_rewards")
