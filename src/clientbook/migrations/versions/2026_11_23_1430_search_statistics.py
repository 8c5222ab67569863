"""Finer planner statistics for the customer search text

Revision ID: 5d2e8b1c9a47
Revises: 3c1f0a7e5b21
Create Date: 2026-11-23 14:30:00

PostgreSQL judges how many customers ``search_text LIKE '%owak%'`` matches from a sample
of the column. With the default sample (100) a 1 % match reads as 0.01 %, and a broad
search then collects every match through the trigram index and sorts them, instead of
walking the list order and stopping at a page (143 ms against 10 ms at a million
customers). A sample of 2,000 tells the two apart; it also makes the estimated totals of
broad searches close (customers.queries.count_customers).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d2e8b1c9a47"
down_revision: str | None = "3c1f0a7e5b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE customers ALTER COLUMN search_text SET STATISTICS 2000")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE customers ALTER COLUMN search_text SET STATISTICS -1")
