"""Store domains and browser origins, customer properties (Aimeos' ``/jsonapi``)

``store_domains``: the host names that pick a store (a domain is one store's: unique);
``store_origins``: the browser origins answered with CORS on those domains;
``customer_properties``: typed key/value pairs of a customer, with a language.
Three new tables: nothing existing changes.

Revision ID: c4f7a2e9d153
Revises: b3e8d1f4a672
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from clientbook.kit.db import UTCDateTime

revision: str = "c4f7a2e9d153"
down_revision: str | None = "b3e8d1f4a672"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "store_domains",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_store_domains_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "domain", name=op.f("pk_store_domains")),
    )
    op.create_index("uq_store_domains_domain", "store_domains", ["domain"], unique=True)
    op.create_table(
        "store_origins",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_store_origins_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "origin", name=op.f("pk_store_origins")),
    )
    op.create_table(
        "customer_properties",
        sa.Column("store_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_customer_properties_store_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_customer_properties")),
    )
    op.create_index(
        "ix_customer_properties_store_id_customer_id",
        "customer_properties",
        ["store_id", "customer_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_customer_properties_store_id_customer_id", table_name="customer_properties")
    op.drop_table("customer_properties")
    op.drop_table("store_origins")
    op.drop_index("uq_store_domains_domain", table_name="store_domains")
    op.drop_table("store_domains")
