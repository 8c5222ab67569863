import uuid
from datetime import datetime
from typing import Any

from clientbook.kit.schemas import ResponseBody


class ProfileKindOut(ResponseBody):
    kind: str
    # The JSON Schema a stored document of this kind satisfies.
    json_schema: dict[str, Any]
    # Fields kept on the customer record (its consents and preferred currency).
    customer_fields: list[str]


class ConsentTimes(ResponseBody):
    granted: bool
    granted_at: datetime | None
    withdrawn_at: datetime | None


class ProfileOut(ResponseBody):
    """A customer's profile of one kind; ``id`` and the times are null until first written."""

    kind: str
    customer_id: uuid.UUID
    id: uuid.UUID | None
    data: dict[str, Any]
    consents: dict[str, ConsentTimes]
    created_at: datetime | None
    updated_at: datetime | None
