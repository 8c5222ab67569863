import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base, UTCDateTime, utcnow
from clientbook.models.types import UUIDPK, CreatedAt, JSONType, UpdatedAt


class WebhookEndpoint(Base):
    """A store's receiver of events: the event types it wants, and the secret its
    deliveries are signed with (kept, because signing needs it; never shown again).

    ``failing_since``: the first failure since the last success; an endpoint failing for
    long enough is made inactive (``disabled_at``, ``disabled_reason``)."""

    __tablename__ = "webhook_endpoints"

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[UUIDPK]
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSONType)
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class WebhookDelivery(Base):
    """One event for one endpoint: written in the transaction of the change that causes
    it, delivered by the webhook sender. ``event_id`` is the ``webhook-id`` header, the
    same on every attempt and replay.

    ``status``: pending (waiting for ``next_attempt_at``, and for the customer's earlier
    deliveries to this endpoint), sending (claimed by ``claim_id`` until
    ``lease_until``), delivered, failed (gave up)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "endpoint_id"],
            ["webhook_endpoints.store_id", "webhook_endpoints.id"],
            ondelete="CASCADE",
        ),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index(
            "ix_webhook_deliveries_customer_order",
            "store_id",
            "endpoint_id",
            "customer_id",
            "created_at",
        ),
        Index(
            "ix_webhook_deliveries_store_id_endpoint_id_created_at",
            "store_id",
            "endpoint_id",
            "created_at",
        ),
        Index(
            "uq_webhook_deliveries_store_id_endpoint_id_event_id",
            "store_id",
            "endpoint_id",
            "event_id",
            unique=True,
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[UUIDPK]
    endpoint_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookAttempt(Base):
    """The delivery log: one row per try (when, the receiver's status code or the
    transport error, how long it took)."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "delivery_id"],
            ["webhook_deliveries.store_id", "webhook_deliveries.id"],
            ondelete="CASCADE",
        ),
        Index("ix_webhook_attempts_store_id_delivery_id_at", "store_id", "delivery_id", "at"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[UUIDPK]
    delivery_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
