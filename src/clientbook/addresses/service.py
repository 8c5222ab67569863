"""Address use cases. A customer has at most one default address (a partial unique
index holds it); a new default takes the mark from the old one."""

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.addresses.schemas import AddressCreate, AddressUpdate
from clientbook.audit import service as audit
from clientbook.customers.service import get_customer
from clientbook.duplicates.found import queue_check
from clientbook.kit.contact import parse_phone
from clientbook.kit.errors import NotFound, ValidationFailed
from clientbook.kit.integrity import UniqueRule, unique_violations
from clientbook.models import Customer, CustomerAddress
from clientbook.stores.scope import StoreScope

NOT_NULL = ("type", "is_default")
ONE_DEFAULT = [
    UniqueRule(
        "uq_customer_addresses_store_id_customer_id_default",
        "customer_addresses",
        ("store_id", "customer_id"),
        "is_default",
        "another address became the default at the same time; try again",
    )
]


async def list_addresses(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> list[CustomerAddress]:
    await get_customer(session, scope, customer_id)
    rows = await session.scalars(
        select(CustomerAddress)
        .where(
            CustomerAddress.store_id == scope.store_id,
            CustomerAddress.customer_id == customer_id,
        )
        .order_by(CustomerAddress.created_at, CustomerAddress.id)
    )
    return list(rows)


async def get_address(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, address_id: uuid.UUID
) -> CustomerAddress:
    await get_customer(session, scope, customer_id)
    address = await session.get(CustomerAddress, (scope.store_id, address_id))
    if address is None or address.customer_id != customer_id:
        raise NotFound("Address not found")
    return address


async def add_address(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, data: AddressCreate
) -> CustomerAddress:
    await get_customer(session, scope, customer_id)
    values = data.model_dump()
    _check_phone(values["phone"], values["country"] or scope.country)
    address = CustomerAddress(store_id=scope.store_id, customer_id=customer_id, **values)
    if address.is_default:
        await _lock_customer(session, scope, customer_id)
        await _clear_default(session, scope, customer_id)
    session.add(address)
    async with unique_violations(ONE_DEFAULT):
        await session.flush()
    if address.postal_code:  # similar names at this post code are candidates now
        await queue_check(session, scope, customer_id)
    await audit.record(session, scope, customer_id, "address_added", ["addresses"])
    return address


async def update_address(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    address_id: uuid.UUID,
    data: AddressUpdate,
) -> CustomerAddress:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    for field in NOT_NULL:
        if field in changes and changes[field] is None:
            raise ValidationFailed.field(field, "must not be null")
    if changes.get("is_default"):
        # Lock before anything is written: a row written first and the lock awaited after
        # would deadlock with a request that holds the lock and clears that row's default.
        await _lock_customer(session, scope, customer_id)
    address = await get_address(session, scope, customer_id, address_id)
    if changes.get("phone") is not None:
        _check_phone(changes["phone"], changes.get("country", address.country) or scope.country)
    changed = {field for field, value in changes.items() if getattr(address, field) != value}
    if not changed:
        return address
    if "is_default" in changed and changes["is_default"]:
        # Before this row is written: the unique index allows one default at any moment.
        await _clear_default(session, scope, customer_id, keep=address.id)
    for field in changed:
        setattr(address, field, changes[field])
    async with unique_violations(ONE_DEFAULT):
        await session.flush()
    if "postal_code" in changed:
        await queue_check(session, scope, customer_id)
    await audit.record(session, scope, customer_id, "address_updated", ["addresses"])
    return address


async def delete_address(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, address_id: uuid.UUID
) -> None:
    address = await get_address(session, scope, customer_id, address_id)
    await session.delete(address)
    await session.flush()
    await audit.record(session, scope, customer_id, "address_deleted", ["addresses"])


def _check_phone(phone: str | None, region: str | None) -> None:
    """A number without ``+`` is read in the address's country, else the store's."""
    if phone is None:
        return
    try:
        parse_phone(phone, region)
    except ValueError as exc:
        raise ValidationFailed.field("phone", str(exc)) from exc


async def _lock_customer(session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID) -> None:
    """Serialize changes of a customer's default addresses: two requests that each set a
    default would otherwise both clear the old one and both insert theirs (PostgreSQL;
    SQLite runs one writer at a time anyway)."""
    await session.execute(
        select(Customer.id)
        .where(Customer.store_id == scope.store_id, Customer.id == customer_id)
        .with_for_update(key_share=True)
    )


async def _clear_default(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    keep: uuid.UUID | None = None,
) -> None:
    statement = update(CustomerAddress).where(
        CustomerAddress.store_id == scope.store_id,
        CustomerAddress.customer_id == customer_id,
        CustomerAddress.is_default.is_(True),
    )
    if keep is not None:
        statement = statement.where(CustomerAddress.id != keep)
    await session.execute(
        statement.values(is_default=False), execution_options={"synchronize_session": "fetch"}
    )


async def default_addresses(
    session: AsyncSession, scope: StoreScope, customer_ids: list[uuid.UUID]
) -> dict[uuid.UUID, CustomerAddress]:
    """Each customer's default address (the first one, if none is marked default)."""
    if not customer_ids:
        return {}
    rows = await session.scalars(
        select(CustomerAddress)
        .where(
            CustomerAddress.store_id == scope.store_id,
            CustomerAddress.customer_id.in_(customer_ids),
        )
        .order_by(CustomerAddress.created_at, CustomerAddress.id)
    )
    found: dict[uuid.UUID, CustomerAddress] = {}
    for address in rows:
        current = found.get(address.customer_id)
        if current is None or (address.is_default and not current.is_default):
            found[address.customer_id] = address
    return found


async def marked_default(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> CustomerAddress | None:
    """The address the customer marked default, if any (no fallback to another)."""
    found = await session.scalars(
        select(CustomerAddress).where(
            CustomerAddress.store_id == scope.store_id,
            CustomerAddress.customer_id == customer_id,
            CustomerAddress.is_default.is_(True),
        )
    )
    return found.first()
