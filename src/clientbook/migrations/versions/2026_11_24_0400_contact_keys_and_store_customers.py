"""Phone keys, birthday instants, Unicode e-mail keys, and a customer for every store

Revision ID: 4e7b2a9c0d15
Revises: 3c0e5a9b7d21
Create Date: 2026-11-24 04:00:00

- ``customers.phone_key``: the E.164 form, else the digits of a number kept as given (a
  local number in a store without a country); the phone filter and unique-phone rules
  compare it. Every existing number has its E.164 form, which becomes its key.
- ``customers.birth_instant``: the instant a J-Optic client sent as ``dateOfBirth``.
- ``email_key`` is now NFC and the domain's IDNA form (``kit.contact.email_key``); the keys
  of addresses with non-ASCII characters (the only ones that change) are recomputed. Where
  two live customers of a store (or two accounts) would now share a key, the later one
  keeps its old key: the duplicate stays visible for the store to merge, and the unique
  index holds.
- Stores made without an owner (``clientbook create-store`` without ``--owner``) get
  their own customer, as every new store does.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from clientbook.kit.contact import email_key
from clientbook.kit.db import UTCDateTime

revision: str = "4e7b2a9c0d15"
down_revision: str | None = "3c0e5a9b7d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
customers = sa.table(
    "customers",
    sa.column("store_id", sa.Uuid()),
    sa.column("id", sa.Uuid()),
    sa.column("display_name", sa.String()),
    sa.column("email", sa.String()),
    sa.column("email_key", sa.String()),
    sa.column("phone_e164", sa.String()),
    sa.column("phone_key", sa.String()),
    sa.column("labels", JSON),
    sa.column("consents", JSON),
    sa.column("preferences", JSON),
    sa.column("metadata", JSON),
    sa.column("status", sa.String()),
    sa.column("is_active", sa.Boolean()),
    sa.column("linked_store_id", sa.Uuid()),
    sa.column("sort_name", sa.String()),
    sa.column("search_text", sa.Text()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("deleted_at", UTCDateTime()),
    sa.column("version", sa.Integer()),
)
users = sa.table(
    "users", sa.column("id", sa.Uuid()), sa.column("email", sa.String()), sa.column("email_key")
)
stores = sa.table("stores", sa.column("id", sa.Uuid()), sa.column("name", sa.String()))
events = sa.table(
    "customer_events",
    sa.column("store_id", sa.Uuid()),
    sa.column("id", sa.Uuid()),
    sa.column("customer_id", sa.Uuid()),
    sa.column("actor_user_id", sa.Uuid()),
    sa.column("action", sa.String()),
    sa.column("fields", JSON),
    sa.column("at", UTCDateTime()),
)


def upgrade() -> None:
    op.add_column("customers", sa.Column("phone_key", sa.String(length=16), nullable=True))
    op.add_column("customers", sa.Column("birth_instant", UTCDateTime(), nullable=True))
    op.execute(customers.update().values(phone_key=customers.c.phone_e164))
    op.drop_index("ix_customers_store_id_phone_e164", table_name="customers")
    op.create_index("ix_customers_store_id_phone_key", "customers", ["store_id", "phone_key"])
    _rekey_customer_emails()
    _rekey_user_emails()
    _add_store_customers()


def downgrade() -> None:
    op.drop_index("ix_customers_store_id_phone_key", table_name="customers")
    op.create_index("ix_customers_store_id_phone_e164", "customers", ["store_id", "phone_e164"])
    op.drop_column("customers", "birth_instant")
    op.drop_column("customers", "phone_key")


def _non_ascii(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    if op.get_bind().dialect.name == "postgresql":
        return sa.func.octet_length(column) != sa.func.char_length(column)
    return sa.func.length(sa.cast(column, sa.LargeBinary)) != sa.func.length(column)


def _rekey_customer_emails() -> None:
    bind = op.get_bind()
    live = customers.c.deleted_at.is_(None)
    rows = bind.execute(
        sa.select(customers.c.store_id, customers.c.id, customers.c.email, customers.c.email_key)
        .where(customers.c.email.is_not(None), _non_ascii(customers.c.email))
        .order_by(customers.c.created_at, customers.c.id)
    ).all()
    for store_id, customer_id, email, old_key in rows:
        new_key = email_key(email)
        if new_key == old_key:
            continue
        taken = bind.scalar(
            sa.select(customers.c.id).where(
                customers.c.store_id == store_id, customers.c.email_key == new_key, live
            )
        )
        if taken is not None:
            continue
        bind.execute(
            customers.update()
            .where(customers.c.store_id == store_id, customers.c.id == customer_id)
            .values(email_key=new_key)
        )


def _rekey_user_emails() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(users.c.id, users.c.email, users.c.email_key)
        .where(_non_ascii(users.c.email))
        .order_by(users.c.id)
    ).all()
    for user_id, email, old_key in rows:
        new_key = email_key(email)
        if new_key == old_key:
            continue
        if bind.scalar(sa.select(users.c.id).where(users.c.email_key == new_key)) is None:
            bind.execute(users.update().where(users.c.id == user_id).values(email_key=new_key))


def _add_store_customers() -> None:
    bind = op.get_bind()
    has_one = (
        sa.select(customers.c.id)
        .where(customers.c.store_id == stores.c.id, customers.c.linked_store_id == stores.c.id)
        .exists()
    )
    now = datetime.now(UTC)
    for store_id, name in bind.execute(sa.select(stores.c.id, stores.c.name).where(~has_one)):
        customer_id = uuid.uuid4()
        bind.execute(
            customers.insert().values(
                store_id=store_id,
                id=customer_id,
                display_name=name[:200],
                email_key="",
                labels=[],
                consents={},
                preferences={},
                metadata={},
                status="active",
                is_active=True,
                linked_store_id=store_id,
                sort_name=name.lower()[:254],
                search_text=name.lower(),
                created_at=now,
                updated_at=now,
                version=1,
            )
        )
        bind.execute(
            events.insert().values(
                store_id=store_id,
                id=uuid.uuid4(),
                customer_id=customer_id,
                action="created",
                fields=["display_name"],
                at=now,
            )
        )
