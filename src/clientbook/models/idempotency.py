import uuid
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from clientbook.kit.db import Base
from clientbook.models.types import CreatedAt, JSONType


class IdempotencyRecord(Base):
    """The response given to a request carrying an ``Idempotency-Key``, replayed on retry."""

    __tablename__ = "idempotency_keys"

    store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSONType)
    headers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[CreatedAt]
