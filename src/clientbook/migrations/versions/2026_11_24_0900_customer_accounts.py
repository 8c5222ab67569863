"""Customer accounts: credentials, sessions, refresh tokens and one-time codes

Revision ID: 6a1c3e5f7b90
Revises: 5d2c8e41a7b3
Create Date: 2026-11-24 06:00:00

New tables only: a customer's credentials live beside the customer row (no rebuild of
``customers`` and its FTS triggers on SQLite).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from clientbook.kit.db import UTCDateTime

revision: str = "6a1c3e5f7b90"
down_revision: str | None = "5d2c8e41a7b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _customer_fk(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["store_id", "customer_id"],
        ["customers.store_id", "customers.id"],
        name=f"fk_{name}_store_id_customer_id_customers",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "customer_credentials",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("activated_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _customer_fk("customer_credentials"),
        sa.PrimaryKeyConstraint("store_id", "customer_id", name="pk_customer_credentials"),
    )
    op.create_table(
        "customer_sessions",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        _customer_fk("customer_sessions"),
        sa.PrimaryKeyConstraint("store_id", "id", name="pk_customer_sessions"),
    )
    op.create_index(
        "ix_customer_sessions_store_id_customer_id",
        "customer_sessions",
        ["store_id", "customer_id"],
    )
    op.create_table(
        "customer_refresh_tokens",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("token_hmac", sa.String(64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "session_id"],
            ["customer_sessions.store_id", "customer_sessions.id"],
            name="fk_customer_refresh_tokens_session",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name="pk_customer_refresh_tokens"),
        sa.UniqueConstraint("token_hmac", name="uq_customer_refresh_tokens_token_hmac"),
    )
    op.create_index(
        "ix_customer_refresh_tokens_store_id_session_id",
        "customer_refresh_tokens",
        ["store_id", "session_id"],
    )
    op.create_table(
        "customer_codes",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("code_hmac", sa.String(64), nullable=False),
        sa.Column("target", sa.String(254), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _customer_fk("customer_codes"),
        sa.PrimaryKeyConstraint("store_id", "id", name="pk_customer_codes"),
        sa.UniqueConstraint("code_hmac", name="uq_customer_codes_code_hmac"),
    )
    op.create_index(
        "ix_customer_codes_store_id_customer_id",
        "customer_codes",
        ["store_id", "customer_id", "purpose"],
    )


def downgrade() -> None:
    op.drop_table("customer_codes")
    op.drop_table("customer_refresh_tokens")
    op.drop_table("customer_sessions")
    op.drop_table("customer_credentials")
