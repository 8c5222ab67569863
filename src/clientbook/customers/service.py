"""Customer use cases. Each runs inside the request's transaction and never commits."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customer_accounts.scope import public_store_of
from clientbook.customer_accounts.service import revoke_customer_sessions
from clientbook.customers.fields import (
    CANONICAL,
    PhoneRules,
    apply_changes,
    check_identifiable,
    derive,
    given_fields,
)
from clientbook.customers.schemas import CustomerCreate, CustomerUpdate
from clientbook.duplicates.found import note_written
from clientbook.kit.db import utcnow
from clientbook.kit.errors import (
    Conflict,
    FieldError,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from clientbook.kit.integrity import UniqueRule, unique_violations
from clientbook.kit.locks import hold_value_lock
from clientbook.models import Customer
from clientbook.pricing.service import active_price_list
from clientbook.stores.scope import Role, StoreScope
from clientbook.webhooks.events import EventType, emit

UNIQUES = [
    UniqueRule(
        "uq_customers_store_id_email_key",
        "customers",
        ("store_id", "email_key"),
        "email",
        "a customer with this e-mail already exists",
    ),
    UniqueRule(
        "uq_customers_store_id_loyalty_card_number",
        "customers",
        ("store_id", "loyalty_card_number"),
        "loyalty_card_number",
        "a customer with this loyalty card number already exists",
    ),
]


class PriceListUnavailable(ValidationFailed):
    """The price list does not exist in this store or is not active."""


async def _check_price_list(
    session: AsyncSession, scope: StoreScope, changes: dict[str, Any]
) -> None:
    """A customer's default price list must be an active price list of the same store."""
    price_list_id = changes.get("default_price_list_id")
    if price_list_id is not None and await active_price_list(session, scope, price_list_id) is None:
        message = "no active price list with this id in the store"
        raise PriceListUnavailable(message, errors=[FieldError("default_price_list_id", message)])


async def create_customer(
    session: AsyncSession,
    scope: StoreScope,
    data: CustomerCreate,
    *,
    user_id: uuid.UUID | None = None,
    linked_store_id: uuid.UUID | None = None,
    birth_instant: datetime | None = None,
    created_at: datetime | None = None,
    phones: PhoneRules = CANONICAL,
) -> Customer:
    """Add a customer. ``user_id`` and ``linked_store_id`` link it to a staff account or to
    the store it stands for; only Clientbook itself sets them (see docs/decisions.md).
    ``birth_instant`` is the instant a surface was sent for ``birth_date`` (J-Optic);
    ``created_at`` a creation time a surface carries over (Open Loyalty's ``createdAt``)."""
    now = utcnow()
    customer = Customer(
        store_id=scope.store_id,
        id=uuid.uuid4(),
        created_at=created_at or now,
        updated_at=now,
        email_key="",
        labels=[],
        consents={},
        preferences={},
        metadata_={},
        status="active",
        is_active=True,
        user_id=user_id,
        linked_store_id=linked_store_id,
    )
    changes = given_fields(data, exclude=frozenset({"is_active", "referral_code"}))
    await _check_price_list(session, scope, changes)
    apply_changes(customer, changes, scope.country, phones)
    if data.is_active is not None:
        customer.is_active = data.is_active
    if customer.birth_date is not None:
        customer.birth_instant = birth_instant
    check_identifiable(customer)
    derive(customer)
    if phones.unique:
        await _require_unique_phone(session, scope, customer)
    session.add(customer)
    async with unique_violations(UNIQUES):
        await session.flush()
    given = set(changes) | ({"is_active"} if data.is_active is not None else set())
    await note_written(session, scope, customer, given)
    await audit.record(session, scope, customer.id, "created", given)
    await emit(session, scope, EventType.customer_created, customer.id, {"fields": sorted(given)})
    return customer


async def _require_unique_phone(
    session: AsyncSession, scope: StoreScope, customer: Customer
) -> None:
    """No other live customer of the store has this number (compared by ``phone_key``).
    Checked under a lock on the number rather than indexed: phone numbers are unique only
    where a surface says so, and two racing registrations must not both pass the check."""
    if not customer.phone_key:
        return
    await hold_value_lock(session, "phone", scope.store_id, customer.phone_key)
    taken = await session.scalar(
        select(Customer.id)
        .where(
            Customer.store_id == scope.store_id,
            Customer.phone_key == customer.phone_key,
            Customer.deleted_at.is_(None),
            Customer.id != customer.id,
        )
        .limit(1)
    )
    if taken is not None:
        message = "a customer with this phone number already exists"
        raise Conflict(message, errors=[FieldError("phone", message)])


async def get_customer(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    *,
    deleted: bool = False,
    for_update: bool = False,
    for_share: bool = False,
) -> Customer:
    """A customer of this store; a soft-deleted one only when asked for.

    ``for_update`` locks the row until the transaction ends (PostgreSQL; SQLite writers run
    one at a time anyway), so concurrent changes queue and each sees the one before it:
    an ``If-Match`` check is then exact and a change without one is never refused.
    ``for_share`` (``FOR KEY SHARE``) only keeps the customer from being merged or deleted
    meanwhile: writes about the customer (points) hold it, and a merge waits for them.
    """
    lock: Any = True if for_update else {"read": True, "key_share": True} if for_share else None
    customer = await session.get(Customer, (scope.store_id, customer_id), with_for_update=lock)
    if customer is None or (customer.deleted_at is not None and not deleted):
        raise NotFound("Customer not found")
    return customer


async def customer_by_reference(session: AsyncSession, scope: StoreScope, ref: str) -> Customer:
    """A live customer named by its id or by its loyalty card number (Open Loyalty's
    ``{customer}``): an id is tried first, then the card."""
    try:
        return await get_customer(session, scope, uuid.UUID(ref))
    except ValueError:
        pass
    except NotFound:
        pass
    found = (
        await session.execute(
            select(Customer).where(
                Customer.store_id == scope.store_id,
                Customer.loyalty_card_number == ref,
                Customer.deleted_at.is_(None),
            )
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("Customer not found")
    return found


def check_version(customer: Customer, if_match: int | None) -> None:
    if if_match is not None and if_match != customer.version:
        raise PreconditionFailed(
            f"The customer is at version {customer.version}, not {if_match}; fetch it again"
        )


async def update_customer(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    data: CustomerUpdate,
    *,
    if_match: int | None = None,
    phones: PhoneRules = CANONICAL,
) -> Customer:
    customer = await get_customer(session, scope, customer_id, for_update=True)
    check_version(customer, if_match)
    changes = given_fields(data)
    await _check_price_list(session, scope, changes)
    changed = apply_changes(customer, changes, scope.country, phones)
    if not changed:
        return customer
    if "status" in changed:
        scope.require(Role.admin)  # blocking and unblocking are activation by another name
    check_identifiable(customer)
    derive(customer)
    if phones.unique and "phone" in changed:
        await _require_unique_phone(session, scope, customer)
    async with unique_violations(UNIQUES):
        await session.flush()
    await note_written(session, scope, customer, changed)
    await audit.record(session, scope, customer.id, "updated", changed)
    await _emit_update(session, scope, customer.id, changed)
    return customer


async def _emit_update(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, changed: Iterable[str]
) -> None:
    """``customer.updated`` names the changed fields; a consent change is also its own
    event, so a mailing tool can subscribe to that alone."""
    fields = sorted(changed)
    await emit(session, scope, EventType.customer_updated, customer_id, {"fields": fields})
    if "consents" in fields:
        await emit(session, scope, EventType.consent_changed, customer_id)


async def delete_customer(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, *, if_match: int | None = None
) -> None:
    """Soft delete: the customer leaves lists and lookups but can be restored."""
    scope.require(Role.admin)
    customer = await get_customer(session, scope, customer_id, for_update=True)
    check_version(customer, if_match)
    customer.deleted_at = utcnow()
    await session.flush()
    await revoke_customer_sessions(session, public_store_of(scope), customer.id)
    await audit.record(session, scope, customer.id, "deleted", ["deleted_at"])
    await emit(session, scope, EventType.customer_deleted, customer.id)


async def delete_customers(
    session: AsyncSession, scope: StoreScope, customer_ids: Sequence[uuid.UUID]
) -> int:
    """Soft-delete many customers of this store; others' ids are ignored. Returns how many."""
    scope.require(Role.admin)
    rows = await session.scalars(
        select(Customer)
        .where(
            Customer.store_id == scope.store_id,
            Customer.id.in_(list(dict.fromkeys(customer_ids))),
            Customer.deleted_at.is_(None),
        )
        .with_for_update()
    )
    now, deleted = utcnow(), list(rows)
    for customer in deleted:
        customer.deleted_at = now
        await audit.record(session, scope, customer.id, "deleted", ["deleted_at"])
        await emit(session, scope, EventType.customer_deleted, customer.id)
    await session.flush()
    await revoke_customer_sessions(session, public_store_of(scope), *(c.id for c in deleted))
    return len(deleted)


async def restore_customer(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> Customer:
    scope.require(Role.admin)
    customer = await get_customer(session, scope, customer_id, deleted=True, for_update=True)
    if customer.deleted_at is None:
        return customer
    if customer.anonymized_at is not None:
        raise Conflict("An anonymized customer cannot be restored")
    customer.deleted_at = None
    async with unique_violations(UNIQUES):
        await session.flush()
    await audit.record(session, scope, customer.id, "restored", ["deleted_at"])
    await emit(session, scope, EventType.customer_restored, customer.id)
    return customer


async def set_active(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, *, active: bool
) -> Customer:
    """Activation also lifts a block and ends the 'new' state; deactivation keeps the status.
    Sellers may do both, as Open Loyalty's seller app does at the counter; lifting a
    block stays an admin's, as blocking is."""
    scope.require(Role.seller)
    customer = await get_customer(session, scope, customer_id, for_update=True)
    if active and customer.status == "blocked":
        scope.require(Role.admin)
    changed = {"is_active"} if customer.is_active != active else set()
    customer.is_active = active
    if active and customer.status != "active":
        customer.status = "active"
        changed.add("status")
    if changed:
        await session.flush()
    if not active:
        await revoke_customer_sessions(session, public_store_of(scope), customer.id)
    await audit.record(
        session, scope, customer.id, "activated" if active else "deactivated", changed
    )
    if changed:
        await _emit_update(session, scope, customer.id, changed)
    return customer
