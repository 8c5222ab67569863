import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AliasChoices, Field

from clientbook.kit.schemas import Instant, RequestBody, ResponseBody
from clientbook.kit.validators import Text


class KeyRole(StrEnum):
    """An API key acts as an admin or a seller; never as an owner."""

    admin = "admin"
    seller = "seller"


KeyName = Annotated[Text, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class ApiKeyCreate(RequestBody):
    name: KeyName
    role: KeyRole
    expires_at: Instant | None = None


class ApiKeyOut(ResponseBody):
    id: uuid.UUID
    name: str
    role: KeyRole
    prefix: str = Field(validation_alias=AliasChoices("token_prefix", "prefix"))
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret: shown this once, store it now")
