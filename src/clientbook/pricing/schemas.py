import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.kit.validators import CurrencyCode, Text

PriceListName = Annotated[Text, Field(min_length=1, max_length=200)]


class PriceListCreate(RequestBody):
    name: PriceListName
    currency: CurrencyCode | None = Field(default=None, description="Defaults to the store's")
    is_active: bool = True


class PriceListUpdate(RequestBody):
    name: PriceListName | None = None
    currency: CurrencyCode | None = None
    is_active: bool | None = None


class PriceListOut(ResponseBody):
    id: uuid.UUID
    name: str
    currency: str
    is_active: bool
    created_at: datetime
    updated_at: datetime
