"""Customer sessions can be cookie sessions: the cookie's HMAC and an expiry

Revision ID: c4f8e2b35d21
Revises: b3e7d1a24c10
Create Date: 2026-11-24 10:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from clientbook.kit.db import UTCDateTime

revision: str = "c4f8e2b35d21"
down_revision: str | None = "b3e7d1a24c10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer_sessions") as batch:
        batch.add_column(sa.Column("cookie_hmac", sa.String(64), nullable=True))
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
        batch.create_unique_constraint("uq_customer_sessions_cookie_hmac", ["cookie_hmac"])


def downgrade() -> None:
    with op.batch_alter_table("customer_sessions") as batch:
        batch.drop_constraint("uq_customer_sessions_cookie_hmac", type_="unique")
        batch.drop_column("expires_at")
        batch.drop_column("cookie_hmac")
