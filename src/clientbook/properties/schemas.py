"""Customer property bodies: a type (the key), a value, and optionally a language."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from clientbook.customers.schemas import LanguageTag
from clientbook.kit.schemas import RequestBody, ResponseBody

PropertyType = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
]
PropertyValue = Annotated[str, StringConstraints(max_length=255)]


class PropertyCreate(RequestBody):
    type: PropertyType
    value: PropertyValue
    language: LanguageTag | None = None


class PropertyUpdate(RequestBody):
    type: PropertyType | None = None
    value: PropertyValue | None = None
    language: LanguageTag | None = None


class PropertyOut(ResponseBody):
    id: uuid.UUID
    customer_id: uuid.UUID
    type: str
    language: str | None
    value: str
    created_at: datetime
    updated_at: datetime
