"""MOOD MNKY's request bodies, in the document's field names, with the canonical rules."""

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from clientbook.addresses.schemas import AddressType, Line, PhoneText, PostalCode, Short
from clientbook.customers.schemas import Email
from clientbook.kit.validators import CountryCode, CurrencyCode, OptionalText100
from clientbook.profiles.kinds import Frequency

ReadOnly = Annotated[str | None, Field(max_length=64)]


class Body(BaseModel):
    """Unknown fields are refused (a typo is an error); read-only fields a client sends
    back unchanged (``id``, ``createdAt``, ``updatedAt``) are ignored."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class AddressIn(Body):
    id: ReadOnly = None
    createdAt: ReadOnly = None  # noqa: N815 (the document's field names)
    updatedAt: ReadOnly = None  # noqa: N815 (the document's field names)
    name: Short = None
    firstName: Short = None  # noqa: N815 (the document's field names)
    lastName: Short = None  # noqa: N815 (the document's field names)
    company: Line = None
    line1: Line = None
    line2: Line = None
    city: Short = None
    state: Short = None
    postalCode: PostalCode = None  # noqa: N815 (the document's field names)
    country: CountryCode | None = None
    phone: PhoneText = None
    isDefault: bool | None = None  # noqa: N815 (the document's field names)
    type: AddressType | None = None

    def canonical(self) -> dict[str, Any]:
        """The fields the client sent, by their canonical names."""
        return {
            ADDRESS_FIELDS[name]: getattr(self, name)
            for name in self.model_fields_set
            if name in ADDRESS_FIELDS
        }


ADDRESS_FIELDS = {
    "name": "name",
    "firstName": "first_name",
    "lastName": "last_name",
    "company": "company",
    "line1": "line1",
    "line2": "line2",
    "city": "city",
    "state": "province",
    "postalCode": "postal_code",
    "country": "country",
    "phone": "phone",
    "isDefault": "is_default",
    "type": "type",
}


class PreferencesIn(Body):
    emailMarketing: bool | None = None  # noqa: N815 (the document's field names)
    smsMarketing: bool | None = None  # noqa: N815 (the document's field names)
    preferredCurrency: CurrencyCode | None = None  # noqa: N815 (the document's field names)
    reminderFrequency: Frequency | None = None  # noqa: N815 (the document's field names)


class ProfilePatch(Body):
    """The profile's writable fields. ``email`` and ``phoneNumber`` are confirmed at the
    new address before they count (see docs/mood-mnky.md)."""

    id: ReadOnly = None
    firstName: OptionalText100 = None  # noqa: N815 (the document's field names)
    lastName: OptionalText100 = None  # noqa: N815 (the document's field names)
    email: Email | None = None
    phoneNumber: Annotated[str, Field(max_length=64)] | None = None  # noqa: N815 (the document's field names)
    preferences: PreferencesIn | None = None


def snake_keys(value: Any) -> Any:
    """A JSON document with every object key in snake_case (``favoriteNotes`` →
    ``favorite_notes``), for the canonical profile schemas."""
    if isinstance(value, dict):
        return {_snake(str(key)): snake_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snake_keys(item) for item in value]
    return value


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
