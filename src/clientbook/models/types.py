"""Column types and defaults used across models."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import JSON, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import mapped_column

from clientbook.kit.db import UTCDateTime, utcnow

JSONType = JSON().with_variant(JSONB(), "postgresql")

UUIDPK = Annotated[uuid.UUID, mapped_column(Uuid, primary_key=True, default=uuid.uuid4)]
CreatedAt = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]
UpdatedAt = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)]
JSONDict = dict[str, Any]
