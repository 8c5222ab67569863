"""Points of sale: a store's shops and tills, the sellers working at one, the customers
assigned to one. Purchases name the POS they were made at (``pos_id``)."""

import uuid

from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base
from clientbook.models.types import CreatedAt


class PointOfSale(Base):
    __tablename__ = "loyalty_points_of_sale"
    __table_args__ = (UniqueConstraint("store_id", "identifier"),)

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    identifier: Mapped[str] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]


class PosSeller(Base):
    """A seller (staff member of the store) tied to one POS."""

    __tablename__ = "loyalty_pos_sellers"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "user_id"],
            ["memberships.store_id", "memberships.user_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["store_id", "pos_id"],
            ["loyalty_points_of_sale.store_id", "loyalty_points_of_sale.id"],
            ondelete="CASCADE",
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    pos_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class PosCustomer(Base):
    """A customer assigned to one POS (their home shop)."""

    __tablename__ = "loyalty_pos_customers"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["store_id", "pos_id"],
            ["loyalty_points_of_sale.store_id", "loyalty_points_of_sale.id"],
            ondelete="CASCADE",
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    pos_id: Mapped[uuid.UUID] = mapped_column(Uuid)
