"""A customer's data lifecycle: duplicate pairs and the scans that find them, and the
archives of one person's data (``clientbook.lifecycle``)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base, UTCDateTime
from clientbook.models.types import CreatedAt, JSONType


class DuplicatePair(Base):
    """Two customers of a store that may be one person: ``customer_id`` is the lower id,
    so a pair is stored once. ``status``: open, or dismissed ("not a duplicate", which
    later scans keep)."""

    __tablename__ = "duplicate_pairs"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["store_id", "other_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        CheckConstraint("customer_id < other_id", name="ordered"),
        Index("ix_duplicate_pairs_store_id_status_score", "store_id", "status", "score"),
        Index("ix_duplicate_pairs_store_id_other_id", "store_id", "other_id"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    other_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    found_at: Mapped[CreatedAt]
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class DuplicateCheck(Base):
    """A customer written since its candidates were last looked for: the background
    check (``duplicates.checks``) takes the row, looks every kind of candidate up, the
    similar names included, stores the pairs and removes the row."""

    __tablename__ = "duplicate_checks"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        Index("ix_duplicate_checks_queued_at", "queued_at"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DuplicateScan(Base):
    """A scan of a whole store for duplicates, run step by step by the job runner:
    ``done`` of ``steps`` steps, ``pairs`` pairs found so far."""

    __tablename__ = "duplicate_scans"
    __table_args__ = (Index("ix_duplicate_scans_status_created_at", "status", "created_at"),)

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    steps: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[CreatedAt]
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DataExport(Base):
    """One customer's data as a ZIP in storage (``storage_key``), built at once or by the
    job runner (``status``: pending, ready, failed) and downloaded by a signed link until
    ``expires_at``; erasing the customer removes it."""

    __tablename__ = "data_exports"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"], ["customers.store_id", "customers.id"], ondelete="CASCADE"
        ),
        Index("ix_data_exports_store_id_customer_id", "store_id", "customer_id"),
        Index("ix_data_exports_status_created_at", "status", "created_at"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    storage_key: Mapped[str | None] = mapped_column(String(512))
    size: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[CreatedAt]
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
