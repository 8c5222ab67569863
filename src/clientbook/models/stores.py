import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base, UTCDateTime
from clientbook.models.types import UUIDPK, CreatedAt, UpdatedAt


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[UUIDPK]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    country: Mapped[str | None] = mapped_column(String(2))
    # BCP 47; the language of its messages when the caller names none (else English).
    language: Mapped[str | None] = mapped_column(String(35))
    # Retention (``lifecycle.retention``): soft-deleted customers are purged this many days
    # after their deletion, self-registrations never confirmed this many days after they
    # were made; None keeps them.
    retention_deleted_days: Mapped[int | None] = mapped_column(Integer)
    retention_unconfirmed_days: Mapped[int | None] = mapped_column(Integer)
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


class Invitation(Base):
    """An offer of a role in a store to an e-mail address, which its account accepts or
    declines; it is used once and expires. At most one is pending per store and address."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index(
            "uq_invitations_store_id_email_key_pending",
            "store_id",
            "email_key",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_invitations_email_key", "email_key"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[UUIDPK]
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[CreatedAt]
