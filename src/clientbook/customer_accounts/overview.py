"""A signed-in customer's own page (MOOD MNKY's profile): the record with its loyalty
figures, its addresses and its profiles, in three round trips of Core statements built
once (no ORM objects: this is read on every visit), outside any transaction and on one
pooled connection when run on the ``Database``."""

import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import Database, FixedQuery
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
    _built["record"] = FixedQuery(
        select(
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
    )
    _built["addresses"] = FixedQuery(
        select(*CustomerAddress.__table__.columns)
        .where(CustomerAddress.store_id == store, CustomerAddress.customer_id == customer)
        .order_by(CustomerAddress.created_at, CustomerAddress.id)
    )
    _built["profiles"] = FixedQuery(
        select(
            CustomerProfile.kind,
            CustomerProfile.id,
            CustomerProfile.data,
            CustomerProfile.created_at,
            CustomerProfile.updated_at,
        ).where(CustomerProfile.store_id == store, CustomerProfile.customer_id == customer)
    )
    return _built


async def _rows(
    session: AsyncSession, query: FixedQuery, params: dict[str, Any]
) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in await session.execute(query.statement, params)]


@dataclass(frozen=True)
class Overview:
    customer: Any  # the record's columns, read by attribute as on ``Customer``
    figures: Figures
    addresses: list[Any]  # the columns of ``CustomerAddress``, read by attribute
    profiles: dict[str, Any]  # kind → id, data, created_at, updated_at, read by attribute


async def overview(
    runner: AsyncSession | Database,
    scope: StoreScope,
    customer_id: uuid.UUID,
    wallets: tuple[str, str],
) -> Overview:
    built = _statements(scope)
    params = {"store_id": scope.store_id, "customer_id": customer_id}
    reads: list[tuple[FixedQuery, dict[str, Any]]] = [
        (built["record"], {**params, **wallet_params(wallets)}),
        (built["addresses"], params),
        (built["profiles"], params),
    ]
    if isinstance(runner, Database):
        records, addresses, profiles = await runner.fetch_each(reads)
    else:
        records, addresses, profiles = [await _rows(runner, *read) for read in reads]
    if not records:
        raise NotFound("Customer not found")
    return Overview(
        SimpleNamespace(**records[0]),
        figures_from(records[0], wallets),
        [SimpleNamespace(**row) for row in addresses],
        {row["kind"]: SimpleNamespace(**row) for row in profiles},
    )
