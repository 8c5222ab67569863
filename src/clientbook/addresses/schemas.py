import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.kit.validators import (
    CountryCode,
    OptionalText20,
    OptionalText64,
    OptionalText100,
    OptionalText200,
)

AddressType = Literal["billing", "shipping", "both"]

Line = OptionalText200
Short = OptionalText100
PostalCode = OptionalText20
PhoneText = OptionalText64


class AddressFields(RequestBody):
    name: Short = None
    first_name: Short = None
    last_name: Short = None
    company: Line = None
    street: Line = None
    line1: Line = None
    line2: Line = None
    line3: Line = None
    postal_code: PostalCode = None
    city: Short = None
    province: Short = None
    country: CountryCode | None = None
    phone: PhoneText = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None


class AddressCreate(AddressFields):
    type: AddressType = "both"
    is_default: bool = False


class AddressUpdate(AddressFields):
    type: AddressType | None = None
    is_default: bool | None = None


class AddressOut(ResponseBody):
    id: uuid.UUID
    customer_id: uuid.UUID
    type: AddressType
    name: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    street: str | None
    line1: str | None
    line2: str | None
    line3: str | None
    postal_code: str | None
    city: str | None
    province: str | None
    country: str | None
    phone: str | None
    latitude: float | None
    longitude: float | None
    is_default: bool
    created_at: datetime
    updated_at: datetime
