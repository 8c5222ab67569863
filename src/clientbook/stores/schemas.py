import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field, StringConstraints

from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.kit.validators import CountryCode, CurrencyCode, Text, TimezoneName
from clientbook.stores.scope import Role


def _not_a_uuid(code: str) -> str:
    """A store is named by its id or its code, so a code must not read as an id."""
    try:
        uuid.UUID(code)
    except ValueError:
        return code
    raise ValueError("must not look like a store id (a UUID)")


# Path words of the Open Loyalty surface (``/api/admin/login_check``, ``/api/token/refresh``,
# ``/api/{storeCode}/customer``): a store with one of these codes would make a path ambiguous.
RESERVED_CODES = frozenset({"admin", "seller", "customer", "customers", "token", "pos"})


def _not_reserved(code: str) -> str:
    if code.lower() in RESERVED_CODES:
        raise ValueError(f"{code!r} is reserved (a path word of the Open Loyalty API)")
    return code


StoreCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"),
    AfterValidator(_not_a_uuid),
    AfterValidator(_not_reserved),
]
StoreName = Annotated[Text, Field(min_length=1, max_length=200)]


class StoreCreate(RequestBody):
    code: StoreCode
    name: StoreName
    currency: CurrencyCode = "EUR"
    timezone: TimezoneName = "UTC"
    country: CountryCode | None = None


RetentionDays = Annotated[int, Field(ge=1, le=36_500)]


class StoreUpdate(RequestBody):
    name: StoreName | None = None
    currency: CurrencyCode | None = None
    timezone: TimezoneName | None = None
    country: CountryCode | None = None
    retention_deleted_days: RetentionDays | None = Field(
        None, description="Purge (erase) soft-deleted customers this many days after; null: keep"
    )
    retention_unconfirmed_days: RetentionDays | None = Field(
        None, description="Purge self-registrations never confirmed after this many days"
    )


class StoreOut(ResponseBody):
    id: uuid.UUID
    code: str
    name: str
    currency: str
    timezone: str
    country: str | None
    retention_deleted_days: int | None = None
    retention_unconfirmed_days: int | None = None
    created_at: datetime
    updated_at: datetime


class MyStoreOut(StoreOut):
    role: Role


class InvitationCreate(RequestBody):
    email: EmailStr
    role: Role


class MemberUpdate(RequestBody):
    role: Role | None = None
    is_active: bool | None = None


class MemberOut(ResponseBody):
    user_id: uuid.UUID
    email: str
    name: str | None
    role: Role
    is_active: bool
    created_at: datetime
    updated_at: datetime


class InvitationOut(ResponseBody):
    """The same shape whether or not the e-mail has an account: the answer tells nothing."""

    id: uuid.UUID
    email: str
    role: Role
    status: str = Field(description="pending, accepted, declined, revoked or expired")
    invited_by: uuid.UUID | None
    expires_at: datetime
    responded_at: datetime | None
    created_at: datetime


class MyInvitationOut(ResponseBody):
    id: uuid.UUID
    store: StoreOut
    role: Role
    expires_at: datetime
    created_at: datetime
