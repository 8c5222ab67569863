"""A customer's own sign-in: credentials, sessions, refresh tokens and one-time codes.

Secrets (refresh tokens, link tokens, SMS codes) are stored only as an HMAC, in a unique
column, so a leaked table gives no usable token and a lookup is one index probe.
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base, UTCDateTime
from clientbook.models.types import CreatedAt, UpdatedAt


def _customer_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
    )


class CustomerCredential(Base):
    """A customer who can sign in; pending until ``activated_at`` is set."""

    __tablename__ = "customer_credentials"
    __table_args__ = (_customer_fk(),)

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class CustomerSession(Base):
    """One sign-in of a customer; its access tokens and refresh chain live and die with it."""

    __tablename__ = "customer_sessions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            ondelete="CASCADE",
        ),
        Index("ix_customer_sessions_store_id_customer_id", "store_id", "customer_id"),
        UniqueConstraint("store_id", "cookie_hmac"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[CreatedAt]
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A browser's cookie session: the HMAC of its cookie, and when it ends.
    cookie_hmac: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerRefreshToken(Base):
    """Used once; presenting a used one (after a short grace) revokes its session."""

    __tablename__ = "customer_refresh_tokens"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "session_id"],
            ["customer_sessions.store_id", "customer_sessions.id"],
            ondelete="CASCADE",
            name="fk_customer_refresh_tokens_session",  # the convention's is over 63 characters
        ),
        Index("ix_customer_refresh_tokens_store_id_session_id", "store_id", "session_id"),
        UniqueConstraint("store_id", "token_hmac"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    token_hmac: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[CreatedAt]


class CustomerCode(Base):
    """A one-time link token or SMS code for one purpose (activation, reset, change).

    ``attempts`` counts wrong guesses against this code: past the limit it is dead even
    though the right value was never tried.
    """

    __tablename__ = "customer_codes"
    __table_args__ = (
        _customer_fk(),
        Index("ix_customer_codes_store_id_customer_id", "store_id", "customer_id", "purpose"),
        UniqueConstraint("store_id", "code_hmac"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    purpose: Mapped[str] = mapped_column(String(16))
    code_hmac: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(254))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[CreatedAt]


class CustomerPushToken(Base):
    """A device of the customer that takes push messages (Open Loyalty's Pushy tokens)."""

    __tablename__ = "customer_push_tokens"
    __table_args__ = (_customer_fk(),)

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    token: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[CreatedAt]
