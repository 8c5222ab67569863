"""Loyalty referrals (codes, referrals, the store's rule) and points of sale

Referral codes are not backfilled: an existing customer gets one the first time it is
read (a code nobody has seen cannot be given to a friend), so this migration writes no
rows however large the customer book.

Revision ID: d8b3f6a20c15
Revises: c4e7a2b91d03
Create Date: 2026-11-24 11:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from clientbook.kit.db import UTCDateTime

revision: str = "d8b3f6a20c15"
down_revision: str | None = "c4e7a2b91d03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loyalty_points_of_sale",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("identifier", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_loyalty_points_of_sale_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_loyalty_points_of_sale")),
        sa.UniqueConstraint(
            "store_id", "identifier", name=op.f("uq_loyalty_points_of_sale_store_id_identifier")
        ),
    )
    op.create_table(
        "loyalty_pos_sellers",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("pos_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "pos_id"],
            ["loyalty_points_of_sale.store_id", "loyalty_points_of_sale.id"],
            name=op.f("fk_loyalty_pos_sellers_store_id_pos_id_loyalty_points_of_sale"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "user_id"],
            ["memberships.store_id", "memberships.user_id"],
            name=op.f("fk_loyalty_pos_sellers_store_id_user_id_memberships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "user_id", name=op.f("pk_loyalty_pos_sellers")),
    )
    op.create_table(
        "loyalty_referral_rules",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("referrer_points", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("referred_points", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "wallet_id"],
            ["loyalty_wallets.store_id", "loyalty_wallets.id"],
            name=op.f("fk_loyalty_referral_rules_store_id_wallet_id_loyalty_wallets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_loyalty_referral_rules_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_loyalty_referral_rules")),
    )
    op.create_table(
        "loyalty_referral_codes",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_loyalty_referral_codes_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "customer_id", name=op.f("pk_loyalty_referral_codes")),
        sa.UniqueConstraint(
            "store_id", "code", name=op.f("uq_loyalty_referral_codes_store_id_code")
        ),
    )
    op.create_table(
        "loyalty_referrals",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referrer_id", sa.Uuid(), nullable=False),
        sa.Column("referred_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("referrer_points", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("referred_points", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "referred_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_loyalty_referrals_store_id_referred_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "referrer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_loyalty_referrals_store_id_referrer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_loyalty_referrals")),
        sa.UniqueConstraint(
            "store_id", "referred_id", name=op.f("uq_loyalty_referrals_store_id_referred_id")
        ),
    )
    with op.batch_alter_table("loyalty_referrals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loyalty_referrals_store_id_referrer_id", ["store_id", "referrer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("loyalty_referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_loyalty_referrals_store_id_referrer_id")
    op.drop_table("loyalty_referrals")
    op.drop_table("loyalty_referral_codes")
    op.drop_table("loyalty_referral_rules")
    op.drop_table("loyalty_pos_sellers")
    op.drop_table("loyalty_points_of_sale")
