"""Points of sale: a store's shops and tills and the sellers working at one. Customers
(``customers.pos_id``) and purchases (``pos_id``) name the POS they belong to."""

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
