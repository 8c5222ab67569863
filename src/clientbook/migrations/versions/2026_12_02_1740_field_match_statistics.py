"""Planner statistics for the lower-cased fields a field match reads

Revision ID: a7d4e2c9f180
Revises: e5a9c3d17b42
Create Date: 2026-12-02 17:40:00

A field match (Open Loyalty's ``firstName=...&strict=0``, the canonical ``first_name``
filter) narrows by the trigram-indexed ``search_text`` and then checks
``lower(<field>) LIKE``. Without statistics on that expression PostgreSQL guessed that a
hundred customers matched a pattern that matched none, walked the whole list in
``created_at`` order to fill a page, and took 36 s at a million customers. Expression
statistics (PostgreSQL 14+) let it see the pattern is rare and probe the trigram index.
SQLite has no such planner input: nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7d4e2c9f180"
down_revision: str | None = "e5a9c3d17b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("first_name", "last_name", "email", "loyalty_card_number")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for field in FIELDS:
        op.execute(
            f"CREATE STATISTICS IF NOT EXISTS st_customers_lower_{field} "
            f"ON (lower({field})) FROM customers"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for field in FIELDS:
        op.execute(f"DROP STATISTICS IF EXISTS st_customers_lower_{field}")
