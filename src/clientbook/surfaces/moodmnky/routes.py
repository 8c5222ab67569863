"""MOOD MNKY's customer endpoints over the Clientbook services. The signed-in customer
is the only one any of them reaches: no path, query or body names a customer or store."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from math import ceil
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.addresses import service as addresses
from clientbook.addresses.schemas import AddressCreate, AddressUpdate
from clientbook.customer_accounts import contact, profile
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.overview import overview
from clientbook.customer_accounts.schemas import ContactChange, SelfUpdate
from clientbook.customers.fields import same_number
from clientbook.customers.service import get_customer
from clientbook.deps import DatabaseDep, SessionDep, SettingsDep
from clientbook.kit.contact import email_key
from clientbook.kit.db import Database, utcnow
from clientbook.kit.errors import NotFound, ValidationFailed
from clientbook.kit.responses import FastJSON
from clientbook.kit.schemas import in_utc
from clientbook.loyalty import history, referrals, rewards, status_reads, summary
from clientbook.models import Customer
from clientbook.profiles import service as profiles
from clientbook.profiles.kinds import PREFERENCES, SCENT
from clientbook.surfaces.moodmnky import serialize
from clientbook.surfaces.moodmnky.access import ReadingShopperDep, Shopper, ShopperDep
from clientbook.surfaces.moodmnky.errors import use_fields
from clientbook.surfaces.moodmnky.schemas import AddressIn, ProfilePatch, snake_keys

router = APIRouter(prefix="/api/customers", tags=["MOOD MNKY"])

TRANSACTIONS = 50  # the loyalty page's latest ledger entries
PROFILE_FIELDS = {
    "first_name": "firstName",
    "last_name": "lastName",
    "phone": "phoneNumber",
    "email": "email",
    "email_marketing": "preferences.emailMarketing",
    "sms_marketing": "preferences.smsMarketing",
    "preferred_currency": "preferences.preferredCurrency",
    "reminder_frequency": "preferences.reminderFrequency",
}
Patch = Annotated[dict[str, Any], Body()]
AddressId = Annotated[str, Path(max_length=64)]


# --- profile -------------------------------------------------------------------------


async def _profile(runner: AsyncSession | Database, shopper: Shopper) -> dict[str, Any]:
    """Read outside any transaction when given the ``Database`` (a GET), or in the
    session of the request that changed it (a PATCH)."""
    scope, customer_id = shopper.scope, shopper.customer_id
    found = await overview(runner, scope, customer_id, ("points", "tokens"))
    customer, figures = found.customer, found.figures
    code = figures.referral_code
    if code is None:  # an older customer's code is made on its first read
        code = await _first_referral_code(runner, shopper)
    return {
        **serialize.customer_fields(customer),
        "addresses": [serialize.address(row) for row in found.addresses],
        "preferences": serialize.preferences(
            profiles.profile_of(customer, PREFERENCES, found.profiles.get("preferences"))
        ),
        "scentProfile": serialize.scent(
            profiles.profile_of(customer, SCENT, found.profiles.get("scent")), blends=False
        ),
        "orderStats": serialize.order_stats(figures),
        "membershipTier": serialize.tier_name(figures.tier),
        "tokens": serialize.number(figures.balances.get("tokens")),
        "loyaltyPoints": serialize.number(figures.balances.get("points")),
        "referralCode": code,
    }


async def _first_referral_code(runner: AsyncSession | Database, shopper: Shopper) -> str:
    scope, customer_id = shopper.scope, shopper.customer_id
    if isinstance(runner, AsyncSession):
        return await referrals.code_of(
            runner, scope, await get_customer(runner, scope, customer_id)
        )
    async with runner.transaction() as session:
        return await referrals.code_of(
            session, scope, await get_customer(session, scope, customer_id)
        )


@router.get("/profile")
async def get_profile(database: DatabaseDep, shopper: ReadingShopperDep) -> FastJSON:
    """The signed-in customer's profile, with addresses, preferences and loyalty figures."""
    return FastJSON(await _profile(database, shopper))


@router.patch("/profile")
async def update_profile(
    request: Request,
    body: ProfilePatch,
    session: SessionDep,
    settings: SettingsDep,
    shopper: ShopperDep,
) -> FastJSON:
    """Change names and preferences at once; a new ``email`` or ``phoneNumber`` is sent a
    confirmation first and shows under ``pendingChanges`` until it is confirmed."""
    use_fields(request, PROFILE_FIELDS)
    given = body.model_fields_set
    names = {
        field: getattr(body, name)
        for name, field in (("firstName", "first_name"), ("lastName", "last_name"))
        if name in given
    }
    if names:
        await profile.update_self(
            session, shopper.customer, SelfUpdate.model_validate(names), if_match=None
        )
    if body.preferences is not None:
        patch = snake_keys(body.preferences.model_dump(exclude_unset=True))
        await profiles.update_profile(
            session, shopper.scope, shopper.customer_id, "preferences", patch
        )
    customer = await get_customer(session, shopper.scope, shopper.customer_id)
    pending = await _contact_changes(session, settings, shopper, customer, body)
    answer = await _profile(session, shopper)
    if pending:
        answer["pendingChanges"] = pending
    return FastJSON(answer)


async def _contact_changes(
    session: AsyncSession,
    settings: SettingsDep,
    shopper: Shopper,
    customer: Customer,
    body: ProfilePatch,
) -> dict[str, str]:
    """Start the confirmed change of a new e-mail or phone; the same one is no change."""
    config = AccountConfig.of(settings)
    pending: dict[str, str] = {}
    if body.email is not None and email_key(body.email) != customer.email_key:
        await contact.request_change(
            session, config, shopper.customer, ContactChange(email=body.email)
        )
        pending["email"] = body.email
    phone = body.phoneNumber
    if phone is not None and not same_number(customer, phone, shopper.scope.country):
        await contact.request_change(session, config, shopper.customer, ContactChange(phone=phone))
        pending["phoneNumber"] = phone
    return pending


# --- addresses -----------------------------------------------------------------------


def _address_id(value: str) -> uuid.UUID:
    """An id that is no address id finds nothing, as any other address's id does."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("Address not found") from None


@router.get("/addresses")
async def list_addresses(session: SessionDep, shopper: ShopperDep) -> FastJSON:
    """The signed-in customer's saved addresses, oldest first."""
    rows = await addresses.list_addresses(session, shopper.scope, shopper.customer_id)
    return FastJSON({"addresses": [serialize.address(row) for row in rows]})


@router.post("/addresses", status_code=201)
async def add_address(body: AddressIn, session: SessionDep, shopper: ShopperDep) -> FastJSON:
    """Add an address; a new default takes the mark from the old one."""
    fields = body.canonical()
    fields.setdefault("type", "both")
    if fields.get("type") is None:
        raise ValidationFailed.field("type", "must not be null")
    fields["is_default"] = bool(fields.get("is_default"))
    row = await addresses.add_address(
        session, shopper.scope, shopper.customer_id, AddressCreate.model_validate(fields)
    )
    return FastJSON(serialize.address(row, "created"), status_code=201)


@router.patch("/addresses/{addressId}")
async def update_address(
    addressId: AddressId,  # noqa: N803 (the document's name)
    body: AddressIn,
    session: SessionDep,
    shopper: ShopperDep,
) -> FastJSON:
    """Change some fields of an address; ``null`` clears one."""
    row = await addresses.update_address(
        session,
        shopper.scope,
        shopper.customer_id,
        _address_id(addressId),
        AddressUpdate.model_validate(body.canonical()),
    )
    return FastJSON(serialize.address(row, "updated"))


@router.delete("/addresses/{addressId}")
async def delete_address(
    addressId: AddressId,  # noqa: N803 (the document's name)
    session: SessionDep,
    shopper: ShopperDep,
) -> FastJSON:
    """Remove an address."""
    address_id = _address_id(addressId)
    await addresses.delete_address(session, shopper.scope, shopper.customer_id, address_id)
    return FastJSON(
        {"success": True, "message": "Address successfully deleted", "id": str(address_id)}
    )


# --- orders --------------------------------------------------------------------------


def _moment(field: str, value: str | None, *, end: bool) -> datetime | None:
    """An ISO date (the whole day: ``toDate`` includes it) or date-time (UTC if no zone)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
            step = timedelta(days=1)
        else:
            parsed = datetime.fromisoformat(value)
            moment = in_utc(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
            step = timedelta(microseconds=1)
    except ValueError:
        raise ValidationFailed.field(field, "is not an ISO 8601 date or date-time") from None
    if not end:
        return moment
    try:
        return moment + step
    except OverflowError:  # the end of 9999-12-31: no bound at all
        return None


@router.get("/orders")
async def list_orders(
    session: SessionDep,
    shopper: ShopperDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    status: Annotated[str | None, Query(max_length=16)] = None,
    fromDate: Annotated[str | None, Query(max_length=40)] = None,  # noqa: N803
    toDate: Annotated[str | None, Query(max_length=40)] = None,  # noqa: N803
) -> FastJSON:
    """The signed-in customer's orders, newest first, a page at a time."""
    given = history.PurchaseFilter(
        status or None,
        _moment("fromDate", fromDate, end=False),
        _moment("toDate", toDate, end=True),
    )
    rows, total = await history.customer_purchases(
        session, shopper.scope, shopper.customer_id, given, offset=(page - 1) * limit, limit=limit
    )
    return FastJSON(
        {
            "orders": [serialize.order(row) for row in rows],
            "pagination": {
                "total": total,
                "pages": ceil(total / limit),
                "page": page,
                "limit": limit,
            },
        }
    )


# --- scent profile -------------------------------------------------------------------


@router.get("/scent-profile")
async def get_scent_profile(session: SessionDep, shopper: ShopperDep) -> FastJSON:
    """The signed-in customer's scent profile with its custom blends."""
    found = await profiles.get_profile(session, shopper.scope, shopper.customer_id, "scent")
    return FastJSON(serialize.scent(found, blends=True))


@router.patch("/scent-profile")
async def update_scent_profile(patch: Patch, session: SessionDep, shopper: ShopperDep) -> FastJSON:
    """Change some of the scent profile: objects merge, lists are replaced whole."""
    changed = await profiles.update_profile(
        session, shopper.scope, shopper.customer_id, "scent", snake_keys(patch)
    )
    return FastJSON(serialize.scent(changed, blends="customBlends" in patch, created=False))


# --- loyalty -------------------------------------------------------------------------


def _description(source: str | None, reason: str | None) -> str:
    if reason:
        return reason
    kind, _, number = (source or "").partition(":")
    if kind == "purchase":
        return f"Order #{number}"
    if kind == "return":
        return f"Return of order #{number}"
    return {"referral": "Referral reward", "schedule": "Points unlocked"}.get(kind, kind)


@router.get("/loyalty")
async def get_loyalty(session: SessionDep, shopper: ShopperDep) -> FastJSON:
    """Tier, balances, the next tier, latest transactions, rewards and referrals."""
    scope, customer_id = shopper.scope, shopper.customer_id
    now = utcnow()
    place = (await status_reads.status_in_session(session, scope, customer_id)).standing
    balances = await summary.balances(session, scope, customer_id)
    entries = await history.customer_entries(session, scope, customer_id, limit=TRANSACTIONS)
    offered = await rewards.list_rewards(session, scope, active=True)
    code, brought, _ = await referrals.referrals_of(session, scope, customer_id)
    rule = await referrals.get_rule(session, scope)
    next_tier = place.next_tier
    return FastJSON(
        {
            "membershipTier": serialize.tier_name(place.tier.name if place.tier else None),
            "tokens": serialize.number(balances.get("tokens")),
            "loyaltyPoints": serialize.number(balances.get("points")),
            "nextTier": {
                "name": serialize.tier_name(next_tier.name),
                "threshold": serialize.number(next_tier.condition_value),
                "pointsNeeded": serialize.number(place.needed),
            }
            if next_tier
            else None,
            "transactions": [
                {
                    "id": str(entry.id),
                    "type": "earn" if entry.amount > 0 else "redeem",
                    "amount": serialize.number(abs(entry.amount)),
                    "description": _description(entry.source, entry.reason),
                    "date": serialize.when(entry.at),
                    "wallet": wallet,
                }
                for entry, wallet in entries
            ],
            "availableRewards": [
                {
                    "id": str(reward.id),
                    "name": reward.name,
                    "description": reward.description,
                    "cost": serialize.number(reward.cost),
                    "expiresAt": serialize.when(reward.valid_until),
                }
                for reward in offered
                if _on_offer(reward, now)
            ],
            "referralCode": code,
            "referralReward": serialize.number(rule.referrer_points if rule.active else None),
            "referrals": [
                {
                    "id": str(referral.id),
                    "status": referral.status,
                    "date": serialize.when(referral.completed_at or referral.created_at),
                    "reward": serialize.number(referral.referrer_points),
                }
                for referral in brought
            ],
        }
    )


def _on_offer(reward: Any, now: datetime) -> bool:
    starts, ends = reward.valid_from, reward.valid_until
    in_stock = reward.stock is None or reward.stock > 0
    return in_stock and (starts is None or starts <= now) and (ends is None or ends > now)
