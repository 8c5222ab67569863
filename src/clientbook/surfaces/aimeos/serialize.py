"""Clientbook records as Aimeos items. A customer's ``customer.address1`` ... fields are
its default address; its other addresses are the ``customer/address`` items."""

import uuid
from typing import Any

from clientbook.models import Customer, CustomerAddress, CustomerGroup, CustomerProperty
from clientbook.surfaces.common import derived_id

TELEPHONE = "customer.telephone"
MISSPELT_TELEPHONE = "customer.telehone"  # the document's own spelling in POST and PATCH

EMPTY_CUSTOMER: dict[str, Any] = {
    "customer.id": None,
    "customer.salutation": "",
    "customer.company": "",
    "customer.vatid": "",
    "customer.title": "",
    "customer.firstname": "",
    "customer.lastname": "",
    "customer.address1": "",
    "customer.address2": "",
    "customer.address3": "",
    "customer.postal": "",
    "customer.city": "",
    "customer.state": "",
    "customer.languageid": "",
    "customer.countryid": "",
    "customer.telephone": "",
    "customer.email": "",
    "customer.telefax": "",
    "customer.website": "",
    "customer.longitude": None,
    "customer.latitude": None,
    "customer.label": "",
    "customer.code": "",
    "customer.birthday": None,
    "customer.status": 1,
    "customer.groups": [],
}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def website(value: str | None) -> str:
    """As given: the URL type adds a ``/`` to a bare host (``https://example.com/``)."""
    if value and value.endswith("/") and value.count("/") == 3:
        return value[:-1]
    return _text(value)


def label(customer: Customer) -> str:
    """The display name, else one made from the names, else the e-mail."""
    if customer.display_name:
        return customer.display_name
    names = " ".join(n for n in (customer.first_name, customer.last_name) if n)
    return names or _text(customer.email)


def customer_attributes(
    customer: Customer,
    address: CustomerAddress | None,
    group_ids: list[str],
    *,
    telephone: str = TELEPHONE,
) -> dict[str, Any]:
    a = address
    found = {
        "customer.id": str(customer.id),
        "customer.salutation": _text(customer.salutation),
        "customer.company": _text(customer.company_name),
        "customer.vatid": _text(customer.company_tax_id),
        "customer.title": _text(customer.title),
        "customer.firstname": _text(customer.first_name),
        "customer.lastname": _text(customer.last_name),
        "customer.address1": _text(a and (a.line1 or a.street)),
        "customer.address2": _text(a and a.line2),
        "customer.address3": _text(a and a.line3),
        "customer.postal": _text(a and a.postal_code),
        "customer.city": _text(a and a.city),
        "customer.state": _text(a and a.province),
        "customer.languageid": _text(customer.language),
        "customer.countryid": _text(a and a.country),
        telephone: _text(customer.phone),
        "customer.email": _text(customer.email),
        "customer.telefax": _text(customer.fax),
        "customer.website": website(customer.website),
        "customer.longitude": a.longitude if a else None,
        "customer.latitude": a.latitude if a else None,
        "customer.label": label(customer),
        "customer.code": _text(customer.email),
        "customer.birthday": customer.birth_date.isoformat() if customer.birth_date else None,
        "customer.status": 1 if customer.is_active else 0,
        "customer.groups": group_ids,
    }
    return found


def address_attributes(address: CustomerAddress) -> dict[str, Any]:
    return {
        "customer.address.id": str(address.id),
        "customer.address.parentid": str(address.customer_id),
        "customer.address.type": address.type,
        "customer.address.company": _text(address.company),
        "customer.address.firstname": _text(address.first_name),
        "customer.address.lastname": _text(address.last_name),
        "customer.address.address1": _text(address.line1 or address.street),
        "customer.address.address2": _text(address.line2),
        "customer.address.address3": _text(address.line3),
        "customer.address.postal": _text(address.postal_code),
        "customer.address.city": _text(address.city),
        "customer.address.state": _text(address.province),
        "customer.address.countryid": _text(address.country),
        "customer.address.telephone": _text(address.phone),
        "customer.address.longitude": address.longitude,
        "customer.address.latitude": address.latitude,
    }


def property_attributes(found: CustomerProperty) -> dict[str, Any]:
    return {
        "customer.property.id": str(found.id),
        "customer.property.parentid": str(found.customer_id),
        "customer.property.type": found.type,
        "customer.property.languageid": found.language,
        "customer.property.value": found.value,
    }


def list_id(customer_id: uuid.UUID, group_id: uuid.UUID) -> str:
    """The id of the customer's list entry for a group (Aimeos ``customer.lists.id``):
    stable, and derived, as Clientbook keeps membership as a pair."""
    return str(derived_id(f"aimeos-group-list:{group_id}", customer_id))


def group_list_attributes(customer_id: uuid.UUID, group_id: uuid.UUID) -> dict[str, Any]:
    return {
        "customer.lists.id": list_id(customer_id, group_id),
        "customer.lists.domain": "customer/group",
        "customer.lists.refid": str(group_id),
        "customer.lists.datestart": None,
        "customer.lists.dateend": None,
        "customer.lists.config": [],
        "customer.lists.position": 0,
        "customer.lists.status": 1,
        "customer.lists.type": "default",
    }


def group_item(group: CustomerGroup) -> dict[str, Any]:
    return {
        "id": str(group.id),
        "type": "customer/group",
        "attributes": {
            "customer.group.id": str(group.id),
            "customer.group.code": group.code,
            "customer.group.label": group.name,
        },
    }
