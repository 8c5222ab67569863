import uuid

from sqlalchemy import Boolean, ForeignKey, ForeignKeyConstraint, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base
from clientbook.models.types import CreatedAt, UpdatedAt


class PriceList(Base):
    """A store's price list; a customer may have one as its default."""

    __tablename__ = "price_lists"

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class CustomerGroup(Base):
    """A named set of a store's customers (VIP, wholesale, staff, ...)."""

    __tablename__ = "customer_groups"
    __table_args__ = (Index("uq_customer_groups_store_id_code", "store_id", "code", unique=True),)

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class GroupMember(Base):
    __tablename__ = "customer_group_members"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "group_id"],
            ["customer_groups.store_id", "customer_groups.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            ondelete="CASCADE",
        ),
        Index("ix_customer_group_members_store_id_customer_id", "store_id", "customer_id"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    group_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    created_at: Mapped[CreatedAt]
