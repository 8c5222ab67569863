"""Sign-in attempts counted atomically, and store invitations

Revision ID: 3c0e5a9b7d21
Revises: 4b7d2e9f0a13
Create Date: 2026-11-24 03:00:00

``login_failures`` (a row per failure, counted then inserted: concurrent guesses all read
the same count) becomes ``login_attempts``: one row per account or address, counted with
one upsert. Counts in the old table are dropped; the worst case is a fresh window.

``invitations``: adding an account to a store is an offer its owner accepts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from clientbook.kit.db import UTCDateTime

revision: str = "3c0e5a9b7d21"
down_revision: str | None = "4b7d2e9f0a13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_attempts")),
    )
    op.drop_index("ix_login_failures_email_key_at", table_name="login_failures")
    op.drop_index("ix_login_failures_ip_at", table_name="login_failures")
    op.drop_table("login_failures")

    op.create_table(
        "invitations",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("responded_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_invitations_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_invitations")),
    )
    op.create_index("ix_invitations_email_key", "invitations", ["email_key"])
    op.create_index(
        "uq_invitations_store_id_email_key_pending",
        "invitations",
        ["store_id", "email_key"],
        unique=True,
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("uq_invitations_store_id_email_key_pending", table_name="invitations")
    op.drop_index("ix_invitations_email_key", table_name="invitations")
    op.drop_table("invitations")
    op.create_table(
        "login_failures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_email_key_at", "login_failures", ["email_key", "at"])
    op.create_index("ix_login_failures_ip_at", "login_failures", ["ip", "at"])
    op.drop_table("login_attempts")
