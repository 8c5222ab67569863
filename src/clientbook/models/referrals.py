"""Referrals: each customer's code, who brought whom, and the store's referral rule."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base, UTCDateTime
from clientbook.models.loyalty import ZERO, Points
from clientbook.models.types import CreatedAt


class ReferralCode(Base):
    """A customer's code to give friends, unique in the store (``LAYLA4821``). Made when
    the customer is created or, for older customers, the first time it is read."""

    __tablename__ = "loyalty_referral_codes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("store_id", "code"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[CreatedAt]


class Referral(Base):
    """The referred customer came with the referrer's code: pending until the referred
    customer's first completed purchase, then completed (and the rule credited)."""

    __tablename__ = "loyalty_referrals"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "referrer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["store_id", "referred_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("store_id", "referred_id"),
        Index("ix_loyalty_referrals_store_id_referrer_id", "store_id", "referrer_id"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    referrer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    referred_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    referrer_points: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    referred_points: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[CreatedAt]


class ReferralRule(Base):
    """What a completed referral gives, in one wallet: points to the referrer, and
    optionally to the referred customer."""

    __tablename__ = "loyalty_referral_rules"
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
    wallet_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    referrer_points: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    referred_points: Mapped[Decimal] = mapped_column(Points, default=ZERO)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
