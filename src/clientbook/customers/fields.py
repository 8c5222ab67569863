"""Applying canonical field values to a customer, and the columns derived from them."""

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row

from clientbook.kit.contact import Phone, email_key, parse_phone, phone_as_given, phone_digits
from clientbook.kit.db import utcnow
from clientbook.kit.errors import FieldError, ValidationFailed
from clientbook.models import Customer

# A customer to read: an ORM ``Customer`` or a row of ``queries.CUSTOMER_COLUMNS``.
CustomerData = Customer | Row[Any] | SimpleNamespace

IDENTIFYING = ("first_name", "last_name", "display_name", "email", "phone")
NOT_NULL = ("status",)
CLEARED_TO_EMPTY = {"labels": list, "preferences": dict, "metadata": dict}


@dataclass(frozen=True)
class PhoneRules:
    """How a surface's phone numbers are read. The canonical API refuses a local number
    its store's country cannot read; Open Loyalty keeps one as given (its examples send
    ``000000005000``) and wants phone numbers unique in the store."""

    local_as_given: bool = False
    unique: bool = False
    valid_only: bool = False  # a number assigned in its plan, not merely possible


CANONICAL = PhoneRules()


def given_fields(data: BaseModel, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields the client sent, each with its full value.

    ``model_dump(exclude_unset=True)`` would also drop defaults inside nested objects (a
    label sent without ``value``), so only the top level is filtered here.
    """
    full = data.model_dump(mode="python")
    return {name: full[name] for name in data.model_fields_set if name not in exclude}


def apply_changes(
    customer: Customer,
    changes: dict[str, Any],
    region: str | None,
    phones: PhoneRules = CANONICAL,
) -> set[str]:
    """Write the given canonical fields; return the names of the fields that changed."""
    changed: set[str] = set()
    for field, value in changes.items():
        if value is None and field in NOT_NULL:
            raise ValidationFailed.field(field, "must not be null")
        if value is None and field in CLEARED_TO_EMPTY:
            value = CLEARED_TO_EMPTY[field]()
        if _apply_one(customer, field, value, region, phones):
            changed.add(field)
    return changed


def _apply_one(
    customer: Customer, field: str, value: Any, region: str | None, phones: PhoneRules
) -> bool:
    match field:
        case "email":
            return _set(customer, email=value, email_key=email_key(value) if value else "")
        case "phone":
            phone = _phone(field, value, region, phones)
            return _set(
                customer,
                phone=phone and phone.given,
                phone_e164=phone and phone.e164,
                phone_key=phone and phone.key,
            )
        case "birth_date":
            if value == customer.birth_date:
                return False
            return _set(customer, birth_date=value, birth_instant=None)
        case "fax":
            fax = _phone(field, value, region)
            return _set(customer, fax=fax and fax.given)
        case "company":
            company = value or {}
            return _set(
                customer, company_name=company.get("name"), company_tax_id=company.get("tax_id")
            )
        case "consents":
            return _set(customer, consents=_merge_consents(customer.consents or {}, value or {}))
        case "metadata":
            return _set(customer, metadata_=value)
        case "website":
            return _set(customer, website=None if value is None else str(value))
        case "status":
            active = {"active": True, "blocked": False}.get(value, customer.is_active)
            return _set(customer, status=value, is_active=active)
        case _:
            return _set(customer, **{field: value})


def _set(customer: Customer, **values: Any) -> bool:
    changed = False
    for attribute, value in values.items():
        if getattr(customer, attribute, None) != value:
            setattr(customer, attribute, value)
            changed = True
    return changed


def same_number(customer: Customer, value: str, region: str | None) -> bool:
    """``value`` is the number the customer has, however it is written."""
    try:
        phone = parse_phone(value, region)
    except ValueError:
        return False
    return customer.phone is not None and (customer.phone_e164, customer.phone_key) == (
        phone.e164,
        phone.key,
    )


def _phone(
    field: str, value: str | None, region: str | None, phones: PhoneRules = CANONICAL
) -> Phone | None:
    if value is None:
        return None
    try:
        return parse_phone(value, region, valid_only=phones.valid_only)
    except ValueError as exc:
        if phones.local_as_given and region is not None and not value.strip().startswith("+"):
            try:  # a local number the store's country cannot read: kept as written
                return phone_as_given(value)
            except ValueError:
                pass
        raise ValidationFailed.field(field, str(exc)) from exc


def _merge_consents(current: dict[str, Any], given: dict[Any, bool]) -> dict[str, Any]:
    """Each consent keeps whether it is granted, since when, and when it last changed."""
    merged = dict(current)
    now = utcnow().isoformat()
    for name, granted in given.items():
        key = str(getattr(name, "value", name))
        previous = merged.get(key)
        if previous is not None and previous.get("granted") == granted:
            continue
        merged[key] = {
            "granted": granted,
            "granted_at": now if granted else None,
            "updated_at": now,
        }
    return merged


def check_identifiable(customer: Customer) -> None:
    if not any(getattr(customer, field) for field in IDENTIFYING):
        message = "give at least one of first_name, last_name, display_name, email or phone"
        raise ValidationFailed(message, errors=[FieldError("body", message)])


def display_name(customer: CustomerData) -> str:
    """First and last name; else the display name; else the e-mail; else empty."""
    full = " ".join(part for part in (customer.first_name, customer.last_name) if part)
    return full or customer.display_name or customer.email or ""


def card_key(number: str | None) -> str | None:
    """A loyalty card number as duplicates are compared: letters and digits only,
    upper-cased, leading zeros dropped; None when nothing is left."""
    if not number:
        return None
    kept = "".join(c for c in number if c.isascii() and c.isalnum()).upper().lstrip("0")
    return kept[:64] or None


def derive(customer: Customer) -> None:
    """Refresh the columns that exist for sorting, searching and finding duplicates."""
    customer.sort_name = display_name(customer).lower()[:254]
    customer.card_key = card_key(customer.loyalty_card_number)
    parts = [
        customer.first_name,
        customer.last_name,
        customer.display_name,
        customer.email,
        customer.company_name,
        customer.loyalty_card_number,
        phone_digits(customer.phone_e164 or ""),
        phone_digits(customer.phone or ""),
    ]
    customer.search_text = " ".join(part.lower() for part in parts if part)
