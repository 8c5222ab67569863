"""Reading and partially updating a customer's typed profiles.

A partial update is merged into the stored document (objects merge key by key, lists and
other values are replaced whole, ``null`` resets a field to its default), and the result
is validated by the kind's schema as a whole before anything is stored.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customers.fields import CustomerData
from clientbook.customers.schemas import CustomerUpdate
from clientbook.customers.service import get_customer, update_customer
from clientbook.kit.db import utcnow
from clientbook.kit.errors import FieldError, NotFound, ValidationFailed, field_errors
from clientbook.kit.integrity import insert_new
from clientbook.models import CustomerProfile
from clientbook.profiles.kinds import KINDS, Kind
from clientbook.stores.scope import StoreScope

MARKETING = ("email_marketing", "sms_marketing")


@dataclass(frozen=True)
class Profile:
    """A profile as the APIs answer it; never stored yet: ``id`` and the times are None."""

    kind: str
    customer_id: uuid.UUID
    id: uuid.UUID | None
    data: dict[str, Any]
    created_at: datetime | None
    updated_at: datetime | None
    # preferences only: when each marketing consent was given or withdrawn
    consents: dict[str, dict[str, Any]] = field(default_factory=dict)


def kind_named(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise NotFound(f"No profile kind {name!r}")
    return kind


async def stored_profiles(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, kinds: Iterable[str]
) -> dict[str, CustomerProfile]:
    """The customer's stored profiles of these kinds, in one query."""
    rows = await session.scalars(
        select(CustomerProfile).where(
            CustomerProfile.store_id == scope.store_id,
            CustomerProfile.customer_id == customer_id,
            CustomerProfile.kind.in_(list(kinds)),
        )
    )
    return {row.kind: row for row in rows}


def profile_of(
    customer: CustomerData, kind: Kind, row: CustomerProfile | Row[Any] | None
) -> Profile:
    """The profile of a loaded customer from its stored row (None: never written)."""
    data = kind.schema.model_validate(row.data if row else {}).model_dump(mode="json")
    consents: dict[str, dict[str, Any]] = {}
    if kind.on_customer:
        given = customer.consents or {}
        for name in MARKETING:
            consent = given.get(name) or {}
            granted = bool(consent.get("granted"))
            data[name] = granted
            changed = consent.get("updated_at")
            consents[name] = {
                "granted": granted,
                "granted_at": consent.get("granted_at") if granted else None,
                "withdrawn_at": changed if consent and not granted else None,
            }
        data["preferred_currency"] = customer.preferred_currency
    return Profile(
        kind.name,
        customer.id,
        row.id if row else None,
        data,
        row.created_at if row else None,
        row.updated_at if row else None,
        consents,
    )


async def get_profile(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, kind_name: str
) -> Profile:
    kind = kind_named(kind_name)
    customer = await get_customer(session, scope, customer_id)
    rows = await stored_profiles(session, scope, customer_id, [kind.name])
    return profile_of(customer, kind, rows.get(kind.name))


async def update_profile(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    kind_name: str,
    patch: dict[str, Any],
) -> Profile:
    """Merge ``patch`` into the profile (made on first write) and store it if valid."""
    kind = kind_named(kind_name)
    customer = await get_customer(session, scope, customer_id)
    row = await _locked_row(session, scope, customer_id, kind)
    current = profile_of(customer, kind, row).data
    merged = merge(current, patch)
    try:
        document = kind.schema.model_validate(merged)
    except ValidationError as exc:
        found = field_errors(exc.errors())
        summary = "; ".join(f"{e.field}: {e.message}" for e in found)
        raise ValidationFailed(summary, errors=found) from None
    data = document.model_dump(mode="json")
    if kind.name == "scent":
        _settle_blends(data, row.data.get("custom_blends") or [])
    on_customer = {name: data.pop(name) for name in kind.on_customer}
    given = {name: on_customer[name] for name in kind.on_customer if name in patch}
    if given:
        await _write_customer_fields(session, scope, customer_id, given)
    if data != row.data:
        row.data = data
        row.updated_at = utcnow()
        await session.flush()
        await audit.record(
            session, scope, customer_id, "profile_updated", [f"profiles.{kind.name}"]
        )
    return profile_of(customer, kind, row)


def merge(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` over ``current``: objects merge, anything else replaces, ``null`` removes
    the key (so the schema's default applies)."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _settle_blends(data: dict[str, Any], stored: list[dict[str, Any]]) -> None:
    """A new blend gets an id and its creation time; a known one keeps its creation time;
    an id this customer's profile does not have is refused (it is nobody's to reuse)."""
    known = {blend["id"]: blend for blend in stored if blend.get("id")}
    now = utcnow().isoformat()
    seen: set[str] = set()
    for index, blend in enumerate(data.get("custom_blends") or []):
        if blend.get("id") is None:
            blend["id"] = str(uuid.uuid4())
            blend["created_at"] = now
        elif blend["id"] in known and blend["id"] not in seen:
            blend["created_at"] = known[blend["id"]].get("created_at") or now
        else:
            message = "no such blend in this profile" if blend["id"] not in known else "given twice"
            raise ValidationFailed(
                f"custom_blends.{index}.id: {message}",
                errors=[FieldError(f"custom_blends.{index}.id", message)],
            )
        seen.add(blend["id"])


async def _locked_row(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, kind: Kind
) -> CustomerProfile:
    """The profile row, made empty if missing (two first writes make one), locked."""
    now = utcnow()
    values = {
        "store_id": scope.store_id,
        "customer_id": customer_id,
        "kind": kind.name,
        "id": uuid.uuid4(),
        "data": {},
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    await insert_new(session, CustomerProfile, [values], CustomerProfile.id)
    row = await session.get(
        CustomerProfile,
        (scope.store_id, customer_id, kind.name),
        with_for_update=True,
        populate_existing=True,
    )
    assert row is not None  # just made, or already there; the customer row holds it
    return row


async def _write_customer_fields(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, given: dict[str, Any]
) -> None:
    consents = {name: given[name] for name in MARKETING if name in given}
    update: dict[str, Any] = {}
    if consents:
        update["consents"] = {name: bool(value) for name, value in consents.items()}
    if "preferred_currency" in given:
        update["preferred_currency"] = given["preferred_currency"]
    await update_customer(session, scope, customer_id, CustomerUpdate.model_validate(update))
