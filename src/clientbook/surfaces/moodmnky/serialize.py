"""MOOD MNKY's response shapes: camelCase, ISO 8601 UTC times ending in ``Z``, numbers
for money and points, ``""`` for an address text that is not set."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row

from clientbook.customers.fields import CustomerData
from clientbook.loyalty.summary import Figures
from clientbook.models import CustomerAddress, Purchase
from clientbook.profiles.service import Profile


def when(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def number(value: Decimal | None) -> int | float:
    """A JSON number: whole values without a fraction (``250``), others as written."""
    if value is None:
        return 0
    return int(value) if value == value.to_integral_value() else float(value)


def address(row: CustomerAddress | Row[Any], *times: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(row.id),
        "name": row.name or "",
        "firstName": row.first_name or "",
        "lastName": row.last_name or "",
        "company": row.company or "",
        "line1": row.line1 or row.street or "",
        "line2": row.line2 or "",
        "city": row.city or "",
        "state": row.province or "",
        "postalCode": row.postal_code or "",
        "country": row.country or "",
        "phone": row.phone or "",
        "isDefault": row.is_default,
        "type": row.type,
    }
    if "created" in times:
        body["createdAt"] = when(row.created_at)
    if "updated" in times:
        body["updatedAt"] = when(row.updated_at)
    return body


def preferences(profile: Profile) -> dict[str, Any]:
    data = profile.data
    return {
        "emailMarketing": data["email_marketing"],
        "smsMarketing": data["sms_marketing"],
        "preferredCurrency": data["preferred_currency"],
        "reminderFrequency": data["reminder_frequency"],
    }


def scent(profile: Profile, *, blends: bool, created: bool = True) -> dict[str, Any]:
    data = profile.data
    prefs = data["preferences"]
    body: dict[str, Any] = {
        "id": str(profile.id) if profile.id else None,
        "name": data["name"],
        "preferences": {
            "intensity": prefs["intensity"],
            "categories": prefs["categories"],
            "favoriteNotes": prefs["favorite_notes"],
            "dislikedNotes": prefs["disliked_notes"],
            "occasions": prefs["occasions"],
        },
    }
    if created:
        body["createdAt"] = when(profile.created_at)
    body["updatedAt"] = when(profile.updated_at)
    if blends:
        body["customBlends"] = [
            {
                "id": blend["id"],
                "name": blend["name"],
                "description": blend["description"],
                "notes": blend["notes"],
                "createdAt": when(blend["created_at"]),
            }
            for blend in data["custom_blends"]
        ]
    return body


def order_stats(figures: Figures) -> dict[str, Any]:
    return {
        "totalOrders": figures.orders,
        "totalSpent": number(figures.spent),
        "averageOrderValue": number(figures.average),
        "lastOrderDate": when(figures.last_order_at),
    }


def order(row: Purchase) -> dict[str, Any]:
    changed = max(filter(None, (row.created_at, row.delivered_at)))
    return {
        "id": str(row.id),
        "number": row.number,
        "status": row.status,
        "createdAt": when(row.purchased_at),
        "updatedAt": when(changed),
        "totalAmount": number(row.total),
        "currency": row.currency,
        "itemCount": row.item_count,
        "shippingStatus": row.shipping_status,
        "deliveredAt": when(row.delivered_at),
    }


def customer_fields(customer: CustomerData) -> dict[str, Any]:
    return {
        "id": str(customer.id),
        "email": customer.email,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "phoneNumber": customer.phone,
        "createdAt": when(customer.created_at),
        "updatedAt": when(customer.updated_at),
    }


def tier_name(name: str | None) -> str | None:
    """Tiers are named by the store (``Premium``); the document's are lower-case codes."""
    return name.lower() if name else None
