import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base, UTCDateTime
from clientbook.models.types import CreatedAt, JSONType, UpdatedAt

NOT_DELETED = text("deleted_at IS NULL")
HAS_EMAIL = text("deleted_at IS NULL AND email_key <> ''")
HAS_CARD = text("deleted_at IS NULL AND loyalty_card_number IS NOT NULL")
HAS_CARD_KEY = text("card_key IS NOT NULL")
HAS_BIRTH_DATE = text("birth_date IS NOT NULL")
IS_DEFAULT = text("is_default")


class Customer(Base):
    """A person or business in one store's customer book.

    The ``*_key``, ``phone_e164``, ``sort_name`` and ``search_text`` columns are derived by
    the service on every write so that uniqueness, search and sorting are index lookups.
    ``search_text`` is indexed by the migrations only: a pg_trgm GIN index on PostgreSQL and
    an FTS5 trigram table (``customers_fts``) on SQLite.
    """

    __tablename__ = "customers"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "default_price_list_id"], ["price_lists.store_id", "price_lists.id"]
        ),
        Index(
            "uq_customers_store_id_email_key",
            "store_id",
            "email_key",
            unique=True,
            postgresql_where=HAS_EMAIL,
            sqlite_where=HAS_EMAIL,
        ),
        Index(
            "uq_customers_store_id_loyalty_card_number",
            "store_id",
            "loyalty_card_number",
            unique=True,
            postgresql_where=HAS_CARD,
            sqlite_where=HAS_CARD,
        ),
        # Covering on PostgreSQL: a page of a search in list order is found in the index
        # alone (customers.queries.find_customers), without reading each row it passes.
        Index(
            "ix_customers_store_id_created_at_id",
            "store_id",
            "created_at",
            "id",
            postgresql_include=["deleted_at", "search_text"],
        ),
        Index("ix_customers_store_id_updated_at_id", "store_id", "updated_at", "id"),
        Index("ix_customers_store_id_sort_name_id", "store_id", "sort_name", "id"),
        Index("ix_customers_store_id_email_key_id", "store_id", "email_key", "id"),
        Index("ix_customers_store_id_phone_key", "store_id", "phone_key"),
        # Duplicate candidates (customers.duplicates): the same card written differently,
        # the same birth date.
        Index(
            "ix_customers_store_id_card_key",
            "store_id",
            "card_key",
            postgresql_where=HAS_CARD_KEY,
            sqlite_where=HAS_CARD_KEY,
        ),
        Index(
            "ix_customers_store_id_birth_date",
            "store_id",
            "birth_date",
            postgresql_where=HAS_BIRTH_DATE,
            sqlite_where=HAS_BIRTH_DATE,
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)

    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    display_name: Mapped[str | None] = mapped_column(String(200))
    salutation: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str | None] = mapped_column(String(64))
    phone_e164: Mapped[str | None] = mapped_column(String(16))
    # E.164 when the number could be read, else its digits as given: what the phone
    # filter and any unique-phone rule compare.
    phone_key: Mapped[str | None] = mapped_column(String(16))
    fax: Mapped[str | None] = mapped_column(String(64))
    birth_date: Mapped[date | None] = mapped_column(Date)
    # The instant a client sent for the birthday (J-Optic's dateOfBirth), answered as sent;
    # cleared when birth_date changes.
    birth_instant: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gender: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    website: Mapped[str | None] = mapped_column(String(255))
    preferred_currency: Mapped[str | None] = mapped_column(String(3))
    company_name: Mapped[str | None] = mapped_column(String(200))
    company_tax_id: Mapped[str | None] = mapped_column(String(64))
    loyalty_card_number: Mapped[str | None] = mapped_column(String(64))
    # The card number as compared for duplicates: letters and digits only, upper-cased,
    # leading zeros dropped ("0012-345 a" and "12345A" are one card).
    card_key: Mapped[str | None] = mapped_column(String(64))
    labels: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    consents: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSONType, default=dict)

    status: Mapped[str] = mapped_column(String(16), default="active")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    default_price_list_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    level_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    pos_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    seller_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    linked_store_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="SET NULL")
    )

    sort_name: Mapped[str] = mapped_column(String(254), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")

    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Personal data erased for good (``customers.anonymize``); such a customer is never
    # restored.
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the customer was merged into another (``lifecycle.merge``): the row stays,
    # soft-deleted, and a read of its id names the survivor.
    merged_into: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CustomerAddress(Base):
    __tablename__ = "customer_addresses"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            ondelete="CASCADE",
        ),
        Index("ix_customer_addresses_store_id_customer_id", "store_id", "customer_id"),
        # A customer has at most one default address, whatever its type.
        Index(
            "uq_customer_addresses_store_id_customer_id_default",
            "store_id",
            "customer_id",
            unique=True,
            postgresql_where=IS_DEFAULT,
            sqlite_where=IS_DEFAULT,
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    type: Mapped[str] = mapped_column(String(16), default="both")
    name: Mapped[str | None] = mapped_column(String(100))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    company: Mapped[str | None] = mapped_column(String(200))
    street: Mapped[str | None] = mapped_column(String(200))
    line1: Mapped[str | None] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    line3: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    province: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(64))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class CustomerEvent(Base):
    """Audit trail: who changed which fields of a customer, and when; never the values."""

    __tablename__ = "customer_events"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            ondelete="CASCADE",
        ),
        Index("ix_customer_events_store_id_customer_id_at", "store_id", "customer_id", "at"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_api_key_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(32))
    fields: Mapped[list[str]] = mapped_column(JSONType, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CustomerCount(Base):
    """How many customers (not deleted) a store has, kept by database triggers so that an
    exact total never needs a count over a million rows. PostgreSQL spreads each store's
    count over a few slots (one per connection, by backend pid) so concurrent writers do
    not queue on one row; the total is the slots' sum. ``active`` counts those with
    ``is_active``; ``writes`` grows with every statement that changes a customer, so its
    sum is the store's write version (customers.totals)."""

    __tablename__ = "customer_counts"

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    active: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    writes: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # Grows with every change to a purchase stats row (a trigger there): lists filtered
    # on purchase figures date their remembered counts by ``writes + purchase_writes``.
    purchase_writes: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
