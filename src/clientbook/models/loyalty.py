"""Loyalty: point wallets, their append-only ledger, lots and per-customer balances.

Points are ``Numeric(18, 2)``: Open Loyalty's status shows fractions (``161.9``).
"""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base, UTCDateTime
from clientbook.models.types import CreatedAt, JSONType

Points = Numeric(18, 2)
ZERO = Decimal("0.00")
HAS_KEY = text("idempotency_key IS NOT NULL")


class Wallet(Base):
    """A kind of points a store gives (``points``, ``tokens``), with its expiry and pending
    periods in days (None: never expires, usable at once)."""

    __tablename__ = "loyalty_wallets"
    __table_args__ = (
        UniqueConstraint("store_id", "code"),
        CheckConstraint("expiry_days IS NULL OR expiry_days > 0", name="expiry_days_positive"),
        CheckConstraint("pending_days IS NULL OR pending_days > 0", name="pending_days_positive"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    expiry_days: Mapped[int | None] = mapped_column(Integer)
    pending_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[CreatedAt]


class PointsBalance(Base):
    """A customer's figures in one wallet, kept in step with the ledger in the same
    transaction; every ledger write locks this row first."""

    __tablename__ = "loyalty_balances"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["store_id", "wallet_id"],
            ["loyalty_wallets.store_id", "loyalty_wallets.id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("locked >= 0", name="locked_not_negative"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    wallet_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    available: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    locked: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    earned: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    used: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    expired: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    # Points a return should have taken back but the balance no longer held; later
    # earnings pay it off first.
    owed: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    updated_at: Mapped[CreatedAt]


class PointsEntry(Base):
    """One append-only ledger entry: a signed ``amount`` and the balance after it.

    ``kind``: earn, spend, adjust (staff, with a reason), expire, unlock (amount 0: locked
    points became usable), reverse.
    """

    __tablename__ = "loyalty_entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["store_id", "wallet_id"],
            ["loyalty_wallets.store_id", "loyalty_wallets.id"],
            ondelete="CASCADE",
        ),
        Index(
            "uq_loyalty_entries_store_id_idempotency_key",
            "store_id",
            "idempotency_key",
            unique=True,
            postgresql_where=HAS_KEY,
            sqlite_where=HAS_KEY,
        ),
        Index("ix_loyalty_entries_store_id_customer_id_at", "store_id", "customer_id", "at"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    wallet_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Points)
    balance_after: Mapped[Decimal] = mapped_column(Points)
    source: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    unlock_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    at: Mapped[CreatedAt]


class PointsLot(Base):
    """What is left of one earning entry: ``status`` is locked (until ``unlock_at``),
    active, or expired. Spends take active lots by earliest ``expires_at``."""

    __tablename__ = "loyalty_lots"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "id"],
            ["loyalty_entries.store_id", "loyalty_entries.id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("remaining >= 0", name="remaining_not_negative"),
        Index(
            "ix_loyalty_lots_store_id_customer_id_wallet_id_status",
            "store_id",
            "customer_id",
            "wallet_id",
            "status",
            "expires_at",
        ),
        Index("ix_loyalty_lots_store_id_status_expires_at", "store_id", "status", "expires_at"),
        Index("ix_loyalty_lots_store_id_status_unlock_at", "store_id", "status", "unlock_at"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    wallet_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Points)
    remaining: Mapped[Decimal] = mapped_column(Points)
    unlock_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PointsAllocation(Base):
    """How much of one lot one spend used, so a reversal restores the right lots."""

    __tablename__ = "loyalty_allocations"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "entry_id"],
            ["loyalty_entries.store_id", "loyalty_entries.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["store_id", "lot_id"], ["loyalty_lots.store_id", "loyalty_lots.id"], ondelete="CASCADE"
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Points)


class Tier(Base):
    """A level: reached at ``condition_value`` (points earned, or purchase amount)."""

    __tablename__ = "loyalty_tiers"
    __table_args__ = (UniqueConstraint("store_id", "name"),)

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    reward_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    condition_value: Mapped[Decimal] = mapped_column(Points)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(String(1000))
    perks: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[CreatedAt]


class Programme(Base):
    """A store's tier rules. ``tier_mode``: points (earned in the ``points`` wallet within
    ``window_days``, or ever) or purchases (amount without delivery and exclusions).
    ``downgrade_mode``: automatic (follows every change), never, or periodic (a lower
    tier only when the tier is re-evaluated, every ``downgrade_days``)."""

    __tablename__ = "loyalty_programmes"

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    tier_mode: Mapped[str] = mapped_column(String(16), default="points")
    window_days: Mapped[int | None] = mapped_column(Integer)
    downgrade_mode: Mapped[str] = mapped_column(String(16), default="automatic")
    downgrade_days: Mapped[int | None] = mapped_column(Integer)


class Member(Base):
    """A customer's place in the programme: the tier, a manual floor, when it was last
    evaluated (periodic downgrades count from there)."""

    __tablename__ = "loyalty_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["store_id", "tier_id"], ["loyalty_tiers.store_id", "loyalty_tiers.id"]
        ),
        ForeignKeyConstraint(
            ["store_id", "manual_tier_id"], ["loyalty_tiers.store_id", "loyalty_tiers.id"]
        ),
        # The tick's periodic tier review takes the oldest evaluations first.
        Index("ix_loyalty_members_store_id_evaluated_at", "store_id", "evaluated_at"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tier_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    manual_tier_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


Money = Numeric(14, 2)


class EarningRule(Base):
    """Points per currency unit of a purchase's eligible amount (total without delivery
    and excluded amounts), into one wallet, from a minimum order; ``multipliers`` by tier
    id (``{"<tier id>": "2"}``)."""

    __tablename__ = "loyalty_earning_rules"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "wallet_id"],
            ["loyalty_wallets.store_id", "loyalty_wallets.id"],
            ondelete="CASCADE",
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    wallet_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    points_per_unit: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    minimum_order: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    multipliers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]


class Purchase(Base):
    """An order the store's back-end recorded; ``points_earned`` is what its completion
    gave (all rules together), ``returned_amount`` what came back."""

    __tablename__ = "loyalty_purchases"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("store_id", "number"),
        Index(
            "ix_loyalty_purchases_store_id_customer_id_purchased_at",
            "store_id",
            "customer_id",
            "purchased_at",
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    delivery_costs: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    excluded_amount: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    item_count: Mapped[int | None] = mapped_column(Integer)
    pos_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    shipping_status: Mapped[str | None] = mapped_column(String(32))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    points_earned: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    points_reversed: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    returned_amount: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    created_at: Mapped[CreatedAt]


class PurchaseStats(Base):
    """A customer's completed purchases, kept on every write so list filters and sorts
    are index reads: count, totals (returns taken off), average, last purchase."""

    __tablename__ = "loyalty_purchase_stats"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        Index("ix_loyalty_purchase_stats_store_id_total", "store_id", "total"),
        Index("ix_loyalty_purchase_stats_store_id_average", "store_id", "average"),
        Index("ix_loyalty_purchase_stats_store_id_count", "store_id", "count"),
        Index("ix_loyalty_purchase_stats_store_id_last_at", "store_id", "last_at"),
        Index(
            "ix_loyalty_purchase_stats_store_id_listed_at", "store_id", "listed_at", "customer_id"
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    total_without_delivery: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    eligible_total: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    average: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The customer's created_at, which never changes: the stats walked in list order
    # (customers.queries) for a list filtered on purchase figures.
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime)
