"""Customer events name an API key or the customer itself as the actor

Revision ID: b3e7d1a24c10
Revises: d8b3f6a20c15
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3e7d1a24c10"
down_revision: str | None = "d8b3f6a20c15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No foreign keys: the trail outlives a revoked key and names it still.
    with op.batch_alter_table("customer_events") as batch:
        batch.add_column(sa.Column("actor_api_key_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("actor_customer_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_events") as batch:
        batch.drop_column("actor_customer_id")
        batch.drop_column("actor_api_key_id")
