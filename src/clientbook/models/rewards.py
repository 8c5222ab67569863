"""Loyalty rewards: the store's catalogue and the coupons customers redeemed points for."""

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
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base, UTCDateTime
from clientbook.models.loyalty import Points
from clientbook.models.types import CreatedAt


class Reward(Base):
    """What points buy: ``cost`` in one wallet, within ``valid_from``/``valid_until``;
    ``stock`` (None: unlimited) is what is left, ``per_customer_limit`` how many one
    customer may redeem."""

    __tablename__ = "loyalty_rewards"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "wallet_id"],
            ["loyalty_wallets.store_id", "loyalty_wallets.id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("cost > 0", name="cost_positive"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint(
            "per_customer_limit IS NULL OR per_customer_limit > 0", name="limit_positive"
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(2000))
    wallet_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    cost: Mapped[Decimal] = mapped_column(Points)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stock: Mapped[int | None] = mapped_column(Integer)
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]


class Redemption(Base):
    """One reward a customer bought with points: the ledger entry that paid for it and
    the coupon code it issued (unique in the store), used once."""

    __tablename__ = "loyalty_redemptions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["store_id", "reward_id"], ["loyalty_rewards.store_id", "loyalty_rewards.id"]
        ),
        ForeignKeyConstraint(
            ["store_id", "entry_id"], ["loyalty_entries.store_id", "loyalty_entries.id"]
        ),
        UniqueConstraint("store_id", "coupon_code"),
        Index(
            "ix_loyalty_redemptions_store_id_customer_id_reward_id",
            "store_id",
            "customer_id",
            "reward_id",
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reward_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    cost: Mapped[Decimal] = mapped_column(Points)
    coupon_code: Mapped[str] = mapped_column(String(32))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[CreatedAt]
