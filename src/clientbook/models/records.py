"""Records kept about a customer: uploaded files and optical prescriptions."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKeyConstraint, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base
from clientbook.models.types import CreatedAt, JSONType


class CustomerFile(Base):
    """A file attached to a customer (a prescription scan, an ID card, an avatar, ...)."""

    __tablename__ = "customer_files"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            ondelete="CASCADE",
        ),
        Index("ix_customer_files_store_id_customer_id", "store_id", "customer_id"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(512))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[CreatedAt]


class Prescription(Base):
    """An optical prescription; a customer's newest one is current, older ones are history."""

    __tablename__ = "prescriptions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            ondelete="CASCADE",
        ),
        Index(
            "ix_prescriptions_store_id_customer_id_issued_on",
            "store_id",
            "customer_id",
            "issued_on",
        ),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    issued_on: Mapped[date] = mapped_column(Date)
    measurements: Mapped[dict[str, Any]] = mapped_column(JSONType)
    prescriber: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[CreatedAt]
