"""Canonical customer bodies (snake_case JSON)."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, AnyHttpUrl, Field, StringConstraints

from clientbook.kit.contact import clean_email
from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.kit.validators import (
    CurrencyCode,
    OptionalText64,
    OptionalText100,
    OptionalText200,
    PastDate,
)

Name = OptionalText100
LongName = OptionalText200
Short = OptionalText64


class Gender(StrEnum):
    male = "male"
    female = "female"
    not_disclosed = "not_disclosed"


class Status(StrEnum):
    new = "new"
    active = "active"
    blocked = "blocked"
    deleted = "deleted"


class Consent(StrEnum):
    """Open Loyalty's three agreements and the marketing opt-ins shops ask for."""

    agreement1 = "agreement1"
    agreement2 = "agreement2"
    agreement3 = "agreement3"
    email_marketing = "email_marketing"
    sms_marketing = "sms_marketing"


Salutation = Literal["mr", "mrs", "miss", "ms", "company"]
WritableStatus = Literal["new", "active", "blocked"]
LanguageTag = Annotated[
    str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=16)
]
Email = Annotated[str, StringConstraints(max_length=320), AfterValidator(clean_email)]
PhoneText = Annotated[str, StringConstraints(max_length=64)]
MetaKey = Annotated[str, StringConstraints(min_length=1, max_length=40)]
MetaValue = Annotated[str, StringConstraints(max_length=500)]
PreferenceValue = Annotated[str, StringConstraints(max_length=200)] | bool | int


class Company(RequestBody):
    name: LongName = None
    tax_id: Short = None


class Label(RequestBody):
    key: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    value: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] = ""


class CustomerFields(RequestBody):
    """Fields a client may write; in a PATCH, ``null`` clears a field."""

    first_name: Name = None
    last_name: Name = None
    display_name: LongName = None
    salutation: Salutation | None = None
    title: Short = None
    email: Email | None = None
    phone: PhoneText | None = None
    fax: PhoneText | None = None
    birth_date: PastDate | None = None
    gender: Gender | None = None
    language: LanguageTag | None = None
    website: Annotated[AnyHttpUrl, Field(max_length=255)] | None = None
    preferred_currency: CurrencyCode | None = None
    company: Company | None = None
    loyalty_card_number: Short = None
    labels: list[Label] | None = Field(default=None, max_length=50)
    consents: dict[Consent, bool] | None = None
    preferences: dict[MetaKey, PreferenceValue] | None = Field(default=None, max_length=50)
    metadata: dict[MetaKey, MetaValue] | None = Field(default=None, max_length=50)
    status: WritableStatus | None = None
    default_price_list_id: uuid.UUID | None = None


class CustomerCreate(CustomerFields):
    is_active: bool | None = None


class CustomerCreateBody(CustomerCreate):
    """The canonical create: a customer's fields, and who referred it (not a field of the
    customer, so not in imports and exports)."""

    referral_code: str | None = Field(
        None, min_length=1, max_length=40, description="The code of the customer who referred"
    )


class CustomerUpdate(CustomerFields):
    pass


class CompanyOut(ResponseBody):
    name: str | None
    tax_id: str | None


class LabelOut(ResponseBody):
    key: str
    value: str


class ConsentOut(ResponseBody):
    granted: bool
    granted_at: datetime | None
    updated_at: datetime


class CustomerOut(ResponseBody):
    id: uuid.UUID
    store_id: uuid.UUID
    name: str
    first_name: str | None
    last_name: str | None
    display_name: str | None
    salutation: str | None
    title: str | None
    email: str | None
    phone: str | None
    fax: str | None
    birth_date: date | None
    gender: Gender | None
    language: str | None
    website: str | None
    preferred_currency: str | None
    company: CompanyOut | None
    loyalty_card_number: str | None
    labels: list[LabelOut]
    consents: dict[str, ConsentOut]
    preferences: dict[str, str | bool | int]
    metadata: dict[str, str]
    status: Status
    is_active: bool
    default_price_list_id: uuid.UUID | None
    level_id: uuid.UUID | None
    pos_id: uuid.UUID | None
    seller_id: uuid.UUID | None
    user_id: uuid.UUID | None
    linked_store_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    version: int


class EventOut(ResponseBody):
    id: uuid.UUID
    customer_id: uuid.UUID
    action: str
    fields: list[str]
    actor_user_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None = Field(description="The API key that made the change")
    actor_customer_id: uuid.UUID | None = Field(description="The customer, changing itself")
    at: datetime


SortField = Literal[
    "name",
    "email",
    "created_at",
    "updated_at",
    "is_active",
    "transactions_amount",
    "transactions_count",
    "average_transaction_amount",
    "last_transaction_date",
]
SortOrder = Literal["asc", "desc"]
