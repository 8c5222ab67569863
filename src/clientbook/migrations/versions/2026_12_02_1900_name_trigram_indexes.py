"""Indexes for field matches: name trigrams, address city and post code (PostgreSQL)

Revision ID: b3e8d1f4a672
Revises: a7d4e2c9f180
Create Date: 2026-12-02 19:00:00

A name match (Open Loyalty's ``firstName=...&strict=0``, the canonical ``first_name``
filter) narrowed by the trigram index on the whole ``search_text`` and then checked
``lower(first_name) LIKE``: a fragment common in last names or e-mails left thousands of
candidates to recheck (57 ms at a million customers for a first name nobody has). An
index per name field finds exactly the customers whose name holds the fragment.

The counter's search (Open Loyalty's POS search) matches an address's whole city or post
code, ignoring case; with no index, a value nobody has walked every customer. Built
CONCURRENTLY, so the tables stay writable while they are made.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b3e8d1f4a672"
down_revision: str | None = "a7d4e2c9f180"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("first_name", "last_name")
ADDRESS_FIELDS = ("city", "postal_code")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        for field in FIELDS:
            name = f"ix_customers_lower_{field}_trgm"
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")  # a half-built one
            op.execute(
                f"CREATE INDEX CONCURRENTLY {name} ON customers "
                f"USING gin (lower({field}) gin_trgm_ops)"
            )
        for field in ADDRESS_FIELDS:
            name = f"ix_customer_addresses_store_id_lower_{field}"
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            op.execute(
                f"CREATE INDEX CONCURRENTLY {name} ON customer_addresses (store_id, lower({field}))"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        for field in FIELDS:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS ix_customers_lower_{field}_trgm")
        for field in ADDRESS_FIELDS:
            name = f"ix_customer_addresses_store_id_lower_{field}"
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
