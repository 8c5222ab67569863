"""Customer → canonical JSON.

``customer_document`` reads an ORM ``Customer`` or a row of ``queries.CUSTOMER_COLUMNS``
alike and builds the dict ``FastJSON`` writes; ``CustomerOut`` describes the same shape
for the OpenAPI document, and a test holds the two together.
"""

from typing import Any

from clientbook.customers.fields import CustomerData, display_name


def customer_document(c: CustomerData) -> dict[str, Any]:
    company = None
    if c.company_name or c.company_tax_id:
        company = {"name": c.company_name, "tax_id": c.company_tax_id}
    return {
        "id": c.id,
        "store_id": c.store_id,
        "name": display_name(c),
        "first_name": c.first_name,
        "last_name": c.last_name,
        "display_name": c.display_name,
        "salutation": c.salutation,
        "title": c.title,
        "email": c.email,
        "phone": c.phone_e164 or c.phone,  # a number the store could not read: as given
        "fax": c.fax,
        "birth_date": c.birth_date,
        "gender": c.gender,
        "language": c.language,
        "website": c.website,
        "preferred_currency": c.preferred_currency,
        "company": company,
        "loyalty_card_number": c.loyalty_card_number,
        "labels": c.labels or [],
        "consents": {name: _consent(given) for name, given in (c.consents or {}).items()},
        "preferences": c.preferences or {},
        "metadata": c.metadata_ or {},
        "status": "deleted" if c.deleted_at else c.status,
        "is_active": c.is_active,
        "default_price_list_id": c.default_price_list_id,
        "level_id": c.level_id,
        "pos_id": c.pos_id,
        "seller_id": c.seller_id,
        "user_id": c.user_id,
        "linked_store_id": c.linked_store_id,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "deleted_at": c.deleted_at,
        "version": c.version,
    }


def _consent(given: dict[str, Any]) -> dict[str, Any]:
    """Consent times are kept as ISO text with ``+00:00``; the API writes UTC as ``Z``."""
    return {
        "granted": given["granted"],
        "granted_at": _utc_z(given.get("granted_at")),
        "updated_at": _utc_z(given["updated_at"]),
    }


def _utc_z(moment: str | None) -> str | None:
    if moment is None or not moment.endswith("+00:00"):
        return moment
    return moment[: -len("+00:00")] + "Z"


def etag(customer: CustomerData) -> str:
    return f'"{customer.version}"'
