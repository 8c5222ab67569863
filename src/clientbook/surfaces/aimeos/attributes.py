"""Aimeos request documents read into canonical fields, and canonical field errors named
back as Aimeos attributes.

A body is ``{"data": {"attributes": {...}}}`` (``data`` may be a list of such items when
adding related items). Attribute values are texts, numbers or null; ``""`` clears a
field. An attribute Clientbook does not know is refused (400 naming it), so nothing a
client sends is dropped unseen — except the read-only ones the document says are
ignored (``customer.id``, ``customer.status``, ``customer.groups``, an item's own id).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clientbook.kit.errors import BadRequest, ClientbookError, FieldError

MAX_ITEMS = 20

CUSTOMER = {
    "customer.salutation": "salutation",
    "customer.title": "title",
    "customer.firstname": "first_name",
    "customer.lastname": "last_name",
    "customer.telephone": "phone",
    "customer.telehone": "phone",
    "customer.email": "email",
    "customer.telefax": "fax",
    "customer.website": "website",
    "customer.languageid": "language",
    "customer.birthday": "birth_date",
    "customer.label": "display_name",
}
COMPANY = {"customer.company": "name", "customer.vatid": "tax_id"}
DEFAULT_ADDRESS = {
    "customer.address1": "line1",
    "customer.address2": "line2",
    "customer.address3": "line3",
    "customer.postal": "postal_code",
    "customer.city": "city",
    "customer.state": "province",
    "customer.countryid": "country",
    "customer.longitude": "longitude",
    "customer.latitude": "latitude",
}
CUSTOMER_IGNORED = frozenset({"customer.id", "customer.status", "customer.groups"})
ADDRESS_ITEM = {
    "customer.address.type": "type",
    "customer.address.company": "company",
    "customer.address.firstname": "first_name",
    "customer.address.lastname": "last_name",
    "customer.address.address1": "line1",
    "customer.address.address2": "line2",
    "customer.address.address3": "line3",
    "customer.address.postal": "postal_code",
    "customer.address.city": "city",
    "customer.address.state": "province",
    "customer.address.countryid": "country",
    "customer.address.telephone": "phone",
    "customer.address.longitude": "longitude",
    "customer.address.latitude": "latitude",
}
ADDRESS_IGNORED = frozenset({"customer.address.id", "customer.address.parentid"})
PROPERTY_ITEM = {
    "customer.property.type": "type",
    "customer.property.languageid": "language",
    "customer.property.value": "value",
}
PROPERTY_IGNORED = frozenset({"customer.property.id", "customer.property.parentid"})
NUMBERS = frozenset({"longitude", "latitude"})


def _refused(name: str, message: str) -> BadRequest:
    return BadRequest(f"{name}: {message}", errors=[FieldError(name, message)])


def items(body: Any, *, many: bool = False) -> list[dict[str, Any]]:
    """The attribute objects of a request document."""
    if not isinstance(body, dict) or "data" not in body:
        raise _refused("data", 'send a document {"data": {"attributes": {...}}}')
    data = body["data"]
    found = data if many and isinstance(data, list) else [data]
    if not found or len(found) > MAX_ITEMS:
        raise _refused("data", f"must hold 1 to {MAX_ITEMS} items")
    result = []
    for index, item in enumerate(found):
        where = f"data.{index}" if isinstance(data, list) else "data"
        if not isinstance(item, dict):
            raise _refused(where, "must be an object with attributes")
        attributes = item.get("attributes", {})
        if not isinstance(attributes, dict):
            raise _refused(f"{where}.attributes", "must be an object")
        result.append(attributes)
    return result


def _value(name: str, value: Any, canonical: str) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _refused(name, "must be a text or a number")
    if canonical in NUMBERS:
        try:
            return float(value)
        except ValueError:
            raise _refused(name, "must be a number") from None
    return str(value)


@dataclass
class CustomerInput:
    fields: dict[str, Any] = field(default_factory=dict)  # canonical customer fields
    company: dict[str, Any] = field(default_factory=dict)  # name, tax_id as given
    address: dict[str, Any] = field(default_factory=dict)  # the default address's fields
    password: str | None = None
    password_given: bool = False
    code: str | None = None
    telephone: str = "customer.telephone"  # the spelling the client used


def customer_input(attributes: dict[str, Any]) -> CustomerInput:
    found = CustomerInput()
    for name, value in attributes.items():
        if name in CUSTOMER_IGNORED:
            continue
        if name == "customer.password":
            if value is not None and not isinstance(value, str):
                raise _refused(name, "must be a text")
            found.password, found.password_given = value or None, True
        elif name == "customer.code":
            found.code = _value(name, value, "code")
        elif name in CUSTOMER:
            found.fields[CUSTOMER[name]] = _value(name, value, CUSTOMER[name])
            if name in ("customer.telephone", "customer.telehone"):
                found.telephone = name
        elif name in COMPANY:
            found.company[COMPANY[name]] = _value(name, value, COMPANY[name])
        elif name in DEFAULT_ADDRESS:
            canonical = DEFAULT_ADDRESS[name]
            found.address[canonical] = _value(name, value, canonical)
        else:
            raise _refused(name, "is not an attribute of customer")
    return found


def item_input(
    attributes: dict[str, Any], names: dict[str, str], ignored: frozenset[str], kind: str
) -> dict[str, Any]:
    found = {}
    for name, value in attributes.items():
        if name in ignored:
            continue
        if name not in names:
            raise _refused(name, f"is not an attribute of {kind}")
        found[names[name]] = _value(name, value, names[name])
    return found


def named(error: ClientbookError, rename: Callable[[str], str]) -> ClientbookError:
    """The same error with its fields named as the client named them."""
    if error.errors:
        error.errors = [FieldError(rename(e.field), e.message) for e in error.errors]
        error.detail = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
    return error


def _reverse(*maps: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for mapping in maps:
        for aimeos, canonical in mapping.items():
            found.setdefault(canonical, aimeos)
    return found


CUSTOMER_NAMES = {
    **_reverse(CUSTOMER, DEFAULT_ADDRESS),
    "company": "customer.company",
    "company.name": "customer.company",
    "company.tax_id": "customer.vatid",
    "password": "customer.password",
}
ADDRESS_NAMES = _reverse(ADDRESS_ITEM)
PROPERTY_NAMES = _reverse(PROPERTY_ITEM)


def customer_name(telephone: str) -> Callable[[str], str]:
    def rename(canonical: str) -> str:
        if canonical == "phone":
            return telephone
        return CUSTOMER_NAMES.get(canonical, canonical)

    return rename


def item_name(names: dict[str, str]) -> Callable[[str], str]:
    return lambda canonical: names.get(canonical, canonical)
