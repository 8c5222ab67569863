import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.kit.validators import OptionalText2000, Text

GroupCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
]
GroupName = Annotated[Text, Field(min_length=1, max_length=200)]
Description = OptionalText2000


class GroupCreate(RequestBody):
    name: GroupName
    code: GroupCode | None = Field(default=None, description="Defaults to one made from the name")
    description: Description = None


class GroupUpdate(RequestBody):
    name: GroupName | None = None
    code: GroupCode | None = None
    description: Description = None


class GroupOut(ResponseBody):
    id: uuid.UUID
    code: str
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class GroupMembersAdd(RequestBody):
    customer_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
