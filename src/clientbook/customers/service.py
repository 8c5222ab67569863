"""Customer use cases. Each runs inside the request's transaction and never commits."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customers.fields import apply_changes, check_identifiable, derive
from clientbook.customers.schemas import CustomerCreate, CustomerUpdate
from clientbook.kit.db import utcnow
from clientbook.kit.errors import NotFound, PreconditionFailed
from clientbook.kit.integrity import UniqueRule, unique_violations
from clientbook.models import Customer
from clientbook.stores.scope import Role, StoreScope

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


async def create_customer(
    session: AsyncSession, scope: StoreScope, data: CustomerCreate
) -> Customer:
    customer = Customer(
        store_id=scope.store_id,
        id=uuid.uuid4(),
        email_key="",
        labels=[],
        consents={},
        preferences={},
        metadata_={},
        status="active",
        is_active=True,
    )
    changes = data.model_dump(exclude_unset=True, exclude={"is_active"}, mode="python")
    apply_changes(customer, changes, scope.country)
    if data.is_active is not None:
        customer.is_active = data.is_active
    check_identifiable(customer)
    derive(customer)
    session.add(customer)
    async with unique_violations(UNIQUES):
        await session.flush()
    await audit.record(session, scope, customer.id, "created", changes)
    return customer


async def get_customer(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, *, deleted: bool = False
) -> Customer:
    """A customer of this store; a soft-deleted one only when asked for."""
    customer = await session.get(Customer, (scope.store_id, customer_id))
    if customer is None or (customer.deleted_at is not None and not deleted):
        raise NotFound("Customer not found")
    return customer


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
) -> Customer:
    customer = await get_customer(session, scope, customer_id)
    check_version(customer, if_match)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, mode="python")
    changed = apply_changes(customer, changes, scope.country)
    if not changed:
        return customer
    check_identifiable(customer)
    derive(customer)
    async with unique_violations(UNIQUES):
        await session.flush()
    await audit.record(session, scope, customer.id, "updated", changed)
    return customer


async def delete_customer(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, *, if_match: int | None = None
) -> None:
    """Soft delete: the customer leaves lists and lookups but can be restored."""
    scope.require(Role.admin)
    customer = await get_customer(session, scope, customer_id)
    check_version(customer, if_match)
    customer.deleted_at = utcnow()
    await session.flush()
    await audit.record(session, scope, customer.id, "deleted", ["deleted_at"])


async def restore_customer(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> Customer:
    scope.require(Role.admin)
    customer = await get_customer(session, scope, customer_id, deleted=True)
    if customer.deleted_at is None:
        return customer
    customer.deleted_at = None
    async with unique_violations(UNIQUES):
        await session.flush()
    await audit.record(session, scope, customer.id, "restored", ["deleted_at"])
    return customer


async def set_active(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, *, active: bool
) -> Customer:
    """Activation also lifts a block and ends the 'new' state; deactivation keeps the status."""
    scope.require(Role.admin)
    customer = await get_customer(session, scope, customer_id)
    changed = {"is_active"} if customer.is_active != active else set()
    customer.is_active = active
    if active and customer.status != "active":
        customer.status = "active"
        changed.add("status")
    if changed:
        await session.flush()
    await audit.record(
        session, scope, customer.id, "activated" if active else "deactivated", changed
    )
    return customer
