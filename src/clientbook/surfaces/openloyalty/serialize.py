"""Customers and their figures as Open Loyalty writes them. Like its serializer, a field
without a value is left out rather than written as null."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from clientbook.customers.fields import CustomerData
from clientbook.loyalty.standing import Standing
from clientbook.loyalty.status import WalletStatus
from clientbook.models import CustomerAddress, PurchaseStats, Tier
from clientbook.models.loyalty import ZERO
from clientbook.surfaces.openloyalty.dates import ol_birth_date, ol_datetime

AVAILABLE_TYPES = ["new", "active", "blocked", "deleted"]
AVAILABLE_STATES = ["no-card", "card-sent", "with-card"]


@dataclass(frozen=True)
class Context:
    """What every customer of a response shares: the store's currency and time zone."""

    currency: str
    tz: ZoneInfo


def number(value: Decimal | int | None) -> int | float:
    """``3`` for a whole amount, ``1.5`` otherwise, as Open Loyalty's JSON has them."""
    if value is None:
        return 0
    if isinstance(value, int) or value == value.to_integral_value():
        return int(value)
    return float(value)


def percent(tier: Tier | None) -> str | None:
    return None if tier is None else f"{tier.reward_percent:.2f}%"


def _present(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not None}


def address(found: CustomerAddress | None) -> dict[str, Any]:
    if found is None:
        return {}
    return _present(
        {
            "street": found.street,
            "address1": found.line1,
            "address2": found.line2,
            "province": found.province,
            "city": found.city,
            "postal": found.postal_code,
            "country": found.country,
        }
    )


def _agreed(customer: CustomerData, name: str) -> bool:
    given = (customer.consents or {}).get(name)
    return bool(given and given.get("granted"))


def list_item(
    customer: CustomerData,
    stats: PurchaseStats | None,
    place: CustomerAddress | None,
    tier: Tier | None,
    ctx: Context,
) -> dict[str, Any]:
    """A customer of ``GET /api/{storeCode}/customer``."""
    company = None
    if customer.company_name or customer.company_tax_id:
        company = _present({"name": customer.company_name, "nip": customer.company_tax_id})
    return _present(
        {
            "customerId": str(customer.id),
            "active": customer.is_active,
            "firstName": customer.first_name,
            "lastName": customer.last_name,
            "gender": customer.gender,
            "email": customer.email,
            "phone": customer.phone,
            "birthDate": ol_birth_date(customer.birth_date, customer.birth_instant, ctx.tz),
            "address": address(place),
            "company": company,
            "loyaltyCardNumber": customer.loyalty_card_number,
            "createdAt": ol_datetime(customer.created_at, ctx.tz),
            "levelId": str(tier.id) if tier is not None else None,
            "agreement1": _agreed(customer, "agreement1"),
            "agreement2": _agreed(customer, "agreement2"),
            "agreement3": _agreed(customer, "agreement3"),
            "updatedAt": ol_datetime(customer.updated_at, ctx.tz),
            "campaignPurchases": [],
            **_transactions(stats, ctx),
            "currency": ctx.currency,
            "levelPercent": percent(tier),
        }
    )


def _transactions(stats: PurchaseStats | None, ctx: Context) -> dict[str, Any]:
    if stats is None:  # no purchases yet: every figure is 0
        return {
            "transactionsCount": 0,
            "transactionsAmount": 0,
            "transactionsAmountWithoutDeliveryCosts": 0,
            "amountExcludedForLevel": 0,
            "averageTransactionAmount": 0,
        }
    return {
        "transactionsCount": stats.count,
        "transactionsAmount": number(stats.total),
        "transactionsAmountWithoutDeliveryCosts": number(stats.total_without_delivery),
        "amountExcludedForLevel": number(stats.total_without_delivery - stats.eligible_total),
        "averageTransactionAmount": number(stats.average),
        "lastTransactionDate": ol_datetime(stats.last_at, ctx.tz),
    }


def details(
    customer: CustomerData,
    stats: PurchaseStats | None,
    place: CustomerAddress | None,
    tier: Tier | None,
    ctx: Context,
) -> dict[str, Any]:
    """``GET /api/{storeCode}/customer/{customer}``: the list's fields and the rest."""
    document = list_item(customer, stats, place, tier, ctx)
    level_id = document.get("levelId")
    extra = {
        "id": level_id,
        "status": {
            "availableTypes": AVAILABLE_TYPES,
            "availableStates": AVAILABLE_STATES,
            "type": "deleted" if customer.deleted_at else customer.status,
            "state": "with-card" if customer.loyalty_card_number else "no-card",
        },
        "labels": [{"key": x["key"], "value": x.get("value", "")} for x in customer.labels or []],
        "level": None
        if tier is None
        else {
            "levelId": {"id": str(tier.id), "levelId": str(tier.id)},
            "name": tier.name,
            "translations": {"en": {"name": tier.name}},
        },
        "version": customer.version,
        "segments": [],
    }
    return {**document, **_present(extra)}


def status(
    customer: CustomerData,
    wallets: list[WalletStatus],
    place: Standing,
    stats: PurchaseStats | None,
    ctx: Context,
) -> dict[str, Any]:
    """``.../customer/{customer}/status``: the points wallet's figures and the level."""
    points = next((w for w in wallets if w.wallet == "points"), None) or WalletStatus(
        "points", "Points"
    )
    figures = _transactions(stats, ctx)
    by_purchases = place.mode == "purchases"
    count = figures["transactionsCount"]
    return _present(
        {
            "firstName": customer.first_name,
            "lastName": customer.last_name,
            "customerId": str(customer.id),
            "points": number(points.active),
            "totalEarnedPoints": number(points.earned),
            "usedPoints": number(points.used),
            "expiredPoints": number(points.expired),
            "lockedPoints": number(points.locked),
            "level": percent(place.tier),
            "levelName": place.tier.name if place.tier else None,
            "levelConditionValue": number(place.tier.condition_value) if place.tier else None,
            "nextLevel": percent(place.next_tier),
            "nextLevelName": place.next_tier.name if place.next_tier else None,
            "nextLevelConditionValue": number(place.next_tier.condition_value)
            if place.next_tier
            else None,
            "transactionsAmountToNextLevelWithoutDeliveryCosts": number(place.needed)
            if by_purchases and place.needed is not None
            else None,
            "transactionsAmountWithoutDeliveryCosts": figures[
                "transactionsAmountWithoutDeliveryCosts"
            ],
            "averageTransactionsAmount": f"{(stats.average if stats else ZERO):.2f}",
            "transactionsCount": count,
            "transactionsAmount": figures["transactionsAmount"],
            "pointsToNextLevel": number(place.needed)
            if not by_purchases and place.needed is not None
            else None,
            "currency": ctx.currency,
            "levelWillExpireInDays": place.days_until_review,
            "pointsRequiredToRetainLevel": number(place.required_to_keep)
            if place.required_to_keep is not None
            else None,
            "pointsExpiringNextMonth": number(points.expiring_next_month),
        }
    )
