"""Customer property use cases: typed key/value pairs (Aimeos ``customer/property``).
A customer holds at most ``MAX_PROPERTIES`` of them, so a client cannot grow a record
without bound."""

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customers.service import get_customer
from clientbook.kit.errors import Conflict, NotFound, ValidationFailed
from clientbook.models import CustomerProperty
from clientbook.properties.schemas import PropertyCreate, PropertyUpdate
from clientbook.stores.scope import StoreScope

MAX_PROPERTIES = 100
NOT_NULL = ("type", "value")


async def list_properties(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> list[CustomerProperty]:
    await get_customer(session, scope, customer_id)
    rows = await session.scalars(
        select(CustomerProperty)
        .where(
            CustomerProperty.store_id == scope.store_id,
            CustomerProperty.customer_id == customer_id,
        )
        .order_by(CustomerProperty.created_at, CustomerProperty.id)
    )
    return list(rows)


async def get_property(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, property_id: uuid.UUID
) -> CustomerProperty:
    await get_customer(session, scope, customer_id)
    found = await session.get(CustomerProperty, (scope.store_id, property_id))
    if found is None or found.customer_id != customer_id:
        raise NotFound("Property not found")
    return found


async def add_property(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, data: PropertyCreate
) -> CustomerProperty:
    # Locked: two concurrent additions must not both pass the count.
    await get_customer(session, scope, customer_id, for_update=True)
    count = await session.scalar(
        select(func.count())
        .select_from(CustomerProperty)
        .where(
            CustomerProperty.store_id == scope.store_id,
            CustomerProperty.customer_id == customer_id,
        )
    )
    if (count or 0) >= MAX_PROPERTIES:
        raise Conflict(f"A customer has at most {MAX_PROPERTIES} properties")
    added = CustomerProperty(store_id=scope.store_id, customer_id=customer_id, **data.model_dump())
    session.add(added)
    await session.flush()
    await audit.record(session, scope, customer_id, "property_added", ["properties"])
    return added


async def update_property(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    property_id: uuid.UUID,
    data: PropertyUpdate,
) -> CustomerProperty:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for field in NOT_NULL:
        if field in changes and changes[field] is None:
            raise ValidationFailed.field(field, "must not be null")
    found = await get_property(session, scope, customer_id, property_id)
    changed = {field for field, value in changes.items() if getattr(found, field) != value}
    if not changed:
        return found
    for field in changed:
        setattr(found, field, changes[field])
    await session.flush()
    await audit.record(session, scope, customer_id, "property_updated", ["properties"])
    return found


async def delete_property(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, property_id: uuid.UUID
) -> None:
    found = await get_property(session, scope, customer_id, property_id)
    await session.delete(found)
    await session.flush()
    await audit.record(session, scope, customer_id, "property_deleted", ["properties"])
