"""Loyalty: point wallets, the append-only ledger, lots, allocations and balances

Revision ID: fbcf4cf938c9
Revises: 7a1c3e5b9d02
Create Date: 2026-11-24 08:00:00

Every existing store gets the default ``points`` wallet (no expiry, no pending period),
as a new store does.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from clientbook.kit.db import UTCDateTime

revision: str = "fbcf4cf938c9"
down_revision: str | None = "7a1c3e5b9d02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

wallets = sa.table(
    "loyalty_wallets",
    sa.column("store_id", sa.Uuid()),
    sa.column("id", sa.Uuid()),
    sa.column("code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("created_at", UTCDateTime()),
)


def upgrade() -> None:
    op.create_table(
        "loyalty_wallets",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("expiry_days", sa.Integer(), nullable=True),
        sa.Column("pending_days", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "expiry_days IS NULL OR expiry_days > 0",
            name=op.f("ck_loyalty_wallets_expiry_days_positive"),
        ),
        sa.CheckConstraint(
            "pending_days IS NULL OR pending_days > 0",
            name=op.f("ck_loyalty_wallets_pending_days_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_loyalty_wallets_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_loyalty_wallets")),
        sa.UniqueConstraint("store_id", "code", name=op.f("uq_loyalty_wallets_store_id_code")),
    )
    op.create_table(
        "loyalty_balances",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("available", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("locked", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("earned", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("used", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("expired", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("owed", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "available >= 0", name=op.f("ck_loyalty_balances_available_not_negative")
        ),
        sa.CheckConstraint("locked >= 0", name=op.f("ck_loyalty_balances_locked_not_negative")),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_loyalty_balances_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "wallet_id"],
            ["loyalty_wallets.store_id", "loyalty_wallets.id"],
            name=op.f("fk_loyalty_balances_store_id_wallet_id_loyalty_wallets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "customer_id", "wallet_id", name=op.f("pk_loyalty_balances")
        ),
    )
    op.create_table(
        "loyalty_entries",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("balance_after", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("unlock_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_loyalty_entries_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "wallet_id"],
            ["loyalty_wallets.store_id", "loyalty_wallets.id"],
            name=op.f("fk_loyalty_entries_store_id_wallet_id_loyalty_wallets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_loyalty_entries")),
    )
    with op.batch_alter_table("loyalty_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loyalty_entries_store_id_customer_id_at",
            ["store_id", "customer_id", "at"],
            unique=False,
        )
        batch_op.create_index(
            "uq_loyalty_entries_store_id_idempotency_key",
            ["store_id", "idempotency_key"],
            unique=True,
            postgresql_where=sa.text("idempotency_key IS NOT NULL"),
            sqlite_where=sa.text("idempotency_key IS NOT NULL"),
        )

    op.create_table(
        "loyalty_lots",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("remaining", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("unlock_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("earned_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("remaining >= 0", name=op.f("ck_loyalty_lots_remaining_not_negative")),
        sa.ForeignKeyConstraint(
            ["store_id", "id"],
            ["loyalty_entries.store_id", "loyalty_entries.id"],
            name=op.f("fk_loyalty_lots_store_id_id_loyalty_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_loyalty_lots")),
    )
    with op.batch_alter_table("loyalty_lots", schema=None) as batch_op:
        batch_op.create_index(
            "ix_loyalty_lots_store_id_status_expires_at",
            ["store_id", "status", "expires_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_loyalty_lots_store_id_status_unlock_at",
            ["store_id", "status", "unlock_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_loyalty_lots_store_id_customer_id_wallet_id_status",
            ["store_id", "customer_id", "wallet_id", "status", "expires_at"],
            unique=False,
        )

    op.create_table(
        "loyalty_allocations",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("lot_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "entry_id"],
            ["loyalty_entries.store_id", "loyalty_entries.id"],
            name=op.f("fk_loyalty_allocations_store_id_entry_id_loyalty_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "lot_id"],
            ["loyalty_lots.store_id", "loyalty_lots.id"],
            name=op.f("fk_loyalty_allocations_store_id_lot_id_loyalty_lots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "entry_id", "lot_id", name=op.f("pk_loyalty_allocations")
        ),
    )
    stores = (
        op.get_bind()
        .execute(sa.select(sa.table("stores", sa.column("id", sa.Uuid())).c.id))
        .scalars()
        .all()
    )
    now = datetime.now(UTC)
    rows = [
        {
            "store_id": store_id,
            "id": uuid.uuid4(),
            "code": "points",
            "name": "Points",
            "created_at": now,
        }
        for store_id in stores
    ]
    if rows:
        op.bulk_insert(wallets, rows)


def downgrade() -> None:
    op.drop_table("loyalty_allocations")
    with op.batch_alter_table("loyalty_lots", schema=None) as batch_op:
        batch_op.drop_index("ix_loyalty_lots_store_id_customer_id_wallet_id_status")
        batch_op.drop_index("ix_loyalty_lots_store_id_status_unlock_at")
        batch_op.drop_index("ix_loyalty_lots_store_id_status_expires_at")

    op.drop_table("loyalty_lots")
    with op.batch_alter_table("loyalty_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_loyalty_entries_store_id_idempotency_key",
            postgresql_where=sa.text("idempotency_key IS NOT NULL"),
            sqlite_where=sa.text("idempotency_key IS NOT NULL"),
        )
        batch_op.drop_index("ix_loyalty_entries_store_id_customer_id_at")

    op.drop_table("loyalty_entries")
    op.drop_table("loyalty_balances")
    op.drop_table("loyalty_wallets")
