import uuid

from sqlalchemy import Boolean, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base
from clientbook.models.types import UUIDPK, CreatedAt, UpdatedAt


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[UUIDPK]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Membership(Base):
    """A staff user's role in one store; an inactive membership grants nothing."""

    __tablename__ = "memberships"

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    def __repr__(self) -> str:
        return f"Membership(store={self.store_id}, user={self.user_id}, role={self.role})"
