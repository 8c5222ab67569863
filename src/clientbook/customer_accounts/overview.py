"""A signed-in customer's own page (MOOD MNKY's profile): the record with its loyalty
figures, its addresses and its profiles, in three round trips of Core statements built
once (no ORM objects: this is read on every visit)."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.errors import NotFound
from clientbook.loyalty.summary import Figures, figure_columns, figures_from, wallet_params
from clientbook.models import Customer, CustomerAddress, CustomerProfile
from clientbook.stores.scope import StoreScope

_built: dict[str, Any] = {}


def _statements(scope: StoreScope) -> dict[str, Any]:
    """The three statements, built on first use and kept (their shape never changes).
    Each is run with ``store_id`` bound to the store of the scope it is run for."""
    if _built:
        return _built
    store, customer = bindparam("store_id", type_=Uuid), bindparam("customer_id", type_=Uuid)
    _built["record"] = select(
        Customer.id,
        Customer.email,
        Customer.first_name,
        Customer.last_name,
        Customer.phone,
        Customer.consents,
        Customer.preferred_currency,
        Customer.created_at,
        Customer.updated_at,
        *figure_columns(scope),
    ).where(Customer.store_id == store, Customer.id == customer, Customer.deleted_at.is_(None))
    _built["addresses"] = (
        select(*CustomerAddress.__table__.columns)
        .where(CustomerAddress.store_id == store, CustomerAddress.customer_id == customer)
        .order_by(CustomerAddress.created_at, CustomerAddress.id)
    )
    _built["profiles"] = select(
        CustomerProfile.kind,
        CustomerProfile.id,
        CustomerProfile.data,
        CustomerProfile.created_at,
        CustomerProfile.updated_at,
    ).where(CustomerProfile.store_id == store, CustomerProfile.customer_id == customer)
    return _built


@dataclass(frozen=True)
class Overview:
    customer: Any  # a row of the record's columns (attributes as on ``Customer``)
    figures: Figures
    addresses: list[Any]  # rows with the columns of ``CustomerAddress``
    profiles: dict[str, Any]  # kind → row with id, data, created_at, updated_at


async def overview(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, wallets: tuple[str, str]
) -> Overview:
    built = _statements(scope)
    params = {"store_id": scope.store_id, "customer_id": customer_id}
    figures_params = {**params, **wallet_params(wallets)}
    record = (await session.execute(built["record"], figures_params)).one_or_none()
    if record is None:
        raise NotFound("Customer not found")
    addresses = list(await session.execute(built["addresses"], params))
    profiles = {row.kind: row for row in await session.execute(built["profiles"], params)}
    return Overview(record, figures_from(record, wallets), addresses, profiles)
