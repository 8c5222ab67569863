"""Customer data lifecycle: duplicates, merges, data exports, retention

Revision ID: d4c7a2e9f013
Revises: c4f7a2e9d153
Create Date: 2026-12-03 06:30:00

``customers.merged_into`` names the survivor of a merge; ``customers.card_key`` is the
loyalty card number as duplicates compare it (filled here for existing rows: letters and
digits only, upper-cased, leading zeros dropped, as ``customers.fields.card_key``).
``stores.retention_*_days`` are the retention settings (None: keep). On PostgreSQL a
trigram index on ``sort_name`` finds similar names among a million customers (GIN: a
GiST index read nearest first, ``ORDER BY sort_name <-> :name``, measured slower, 2-4 s
at a million); it is built CONCURRENTLY so the table stays writable meanwhile.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from clientbook.kit.db import UTCDateTime

revision: str = "d4c7a2e9f013"
down_revision: str | None = "c4f7a2e9d153"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SORT_NAME_TRGM = "ix_customers_sort_name_trgm"
# SQLite has no regexp_replace: the separators people write inside card numbers.
SQLITE_SEPARATORS = (" ", "-", ".", "/", "_", ":")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column("customers", sa.Column("card_key", sa.String(length=64), nullable=True))
    op.add_column("customers", sa.Column("merged_into", sa.Uuid(), nullable=True))
    op.add_column("stores", sa.Column("retention_deleted_days", sa.Integer(), nullable=True))
    op.add_column("stores", sa.Column("retention_unconfirmed_days", sa.Integer(), nullable=True))
    _fill_card_keys(postgres)
    op.create_index(
        "ix_customers_store_id_card_key",
        "customers",
        ["store_id", "card_key"],
        postgresql_where=sa.text("card_key IS NOT NULL"),
        sqlite_where=sa.text("card_key IS NOT NULL"),
    )
    op.create_index(
        "ix_customers_store_id_birth_date",
        "customers",
        ["store_id", "birth_date"],
        postgresql_where=sa.text("birth_date IS NOT NULL"),
        sqlite_where=sa.text("birth_date IS NOT NULL"),
    )
    _create_tables()
    if postgres:
        with op.get_context().autocommit_block():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {SORT_NAME_TRGM}")  # a half-built one
            op.execute(
                f"CREATE INDEX CONCURRENTLY {SORT_NAME_TRGM} ON customers "
                "USING gin (sort_name gin_trgm_ops)"
            )


def _fill_card_keys(postgres: bool) -> None:
    if postgres:
        cleaned = "upper(regexp_replace(loyalty_card_number, '[^0-9A-Za-z]', '', 'g'))"
    else:
        cleaned = "loyalty_card_number"
        for separator in SQLITE_SEPARATORS:
            cleaned = f"replace({cleaned}, '{separator}', '')"
        cleaned = f"upper({cleaned})"
    op.execute(
        f"UPDATE customers SET card_key = NULLIF(substr(ltrim({cleaned}, '0'), 1, 64), '') "  # noqa: S608 (constants only)
        "WHERE loyalty_card_number IS NOT NULL"
    )


def _create_tables() -> None:
    op.create_table(
        "duplicate_pairs",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("other_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("found_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("customer_id < other_id", name=op.f("ck_duplicate_pairs_ordered")),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_duplicate_pairs_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "other_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_duplicate_pairs_store_id_other_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "customer_id", "other_id", name=op.f("pk_duplicate_pairs")
        ),
    )
    op.create_index(
        "ix_duplicate_pairs_store_id_status_score",
        "duplicate_pairs",
        ["store_id", "status", "score"],
    )
    op.create_index(
        "ix_duplicate_pairs_store_id_other_id", "duplicate_pairs", ["store_id", "other_id"]
    )
    op.create_table(
        "duplicate_scans",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_duplicate_scans_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_duplicate_scans")),
    )
    op.create_index(
        "ix_duplicate_scans_status_created_at", "duplicate_scans", ["status", "created_at"]
    )
    op.create_table(
        "data_exports",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ready_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_data_exports_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_data_exports")),
    )
    op.create_index(
        "ix_data_exports_store_id_customer_id", "data_exports", ["store_id", "customer_id"]
    )
    op.create_index("ix_data_exports_status_created_at", "data_exports", ["status", "created_at"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {SORT_NAME_TRGM}")
    op.drop_table("data_exports")
    op.drop_table("duplicate_scans")
    op.drop_table("duplicate_pairs")
    op.drop_index("ix_customers_store_id_birth_date", table_name="customers")
    op.drop_index("ix_customers_store_id_card_key", table_name="customers")
    op.drop_column("stores", "retention_unconfirmed_days")
    op.drop_column("stores", "retention_deleted_days")
    op.drop_column("customers", "merged_into")
    op.drop_column("customers", "card_key")
