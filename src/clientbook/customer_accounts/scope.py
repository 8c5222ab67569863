"""The scopes a customer-facing request works in; the only functions that make them.

``PublicStore`` is a store named in the path, before anyone is known (sign-in,
activation, refresh); ``CustomerScope`` is a signed-in customer of that store. Every
customer-account query takes one of them (or a staff ``StoreScope``), as the store-scope
lint checks, so none can forget which store, or which customer, it serves.
"""

import uuid
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, Select, Uuid, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customer_accounts.tokens import CustomerClaims
from clientbook.kit.db import Database, FixedQuery
from clientbook.kit.errors import NotFound, Unauthorized
from clientbook.models import Customer, CustomerCredential, CustomerSession, Store
from clientbook.stores.scope import StoreScope, self_scope, store_matches


@dataclass(frozen=True)
class PublicStore:
    id: uuid.UUID
    country: str | None
    code: str = ""


@dataclass(frozen=True)
class CustomerScope:
    store: PublicStore
    customer_id: uuid.UUID
    session_id: uuid.UUID


async def find_public_store(session: AsyncSession, store_ref: str) -> PublicStore:
    condition = cast(ColumnElement[bool], store_matches(store_ref))
    row = (
        await session.execute(select(Store.id, Store.country, Store.code).where(condition))
    ).one_or_none()
    if row is None:
        raise NotFound("Store not found")
    return PublicStore(row.id, row.country, row.code)


def public_store_of(scope: StoreScope) -> PublicStore:
    """Staff acting on a customer's account reach what the customer's own requests do."""
    return PublicStore(scope.store_id, scope.country, scope.store_code)


def scope_of_customer(store: PublicStore, customer_id: uuid.UUID | None) -> StoreScope:
    """The customer services' scope for a customer's own use case (see ``self_scope``)."""
    return self_scope(store.id, store.code, store.country, customer_id)


def live_session_query(store: PublicStore, session_id: uuid.UUID) -> Select[uuid.UUID]:
    """A session is live while it is not revoked and its customer is active, not deleted,
    and activated: deactivating or deleting a customer ends every token at once."""
    return (
        select(CustomerSession.customer_id)
        .join(
            Customer,
            (Customer.store_id == CustomerSession.store_id)
            & (Customer.id == CustomerSession.customer_id),
        )
        .join(
            CustomerCredential,
            (CustomerCredential.store_id == CustomerSession.store_id)
            & (CustomerCredential.customer_id == CustomerSession.customer_id),
        )
        .where(
            CustomerSession.store_id == store.id,
            CustomerSession.id == session_id,
            CustomerSession.revoked_at.is_(None),
            Customer.deleted_at.is_(None),
            Customer.is_active.is_(True),
            CustomerCredential.activated_at.is_not(None),
        )
    )


async def session_is_live(session: AsyncSession, store: PublicStore, session_id: uuid.UUID) -> bool:
    return (await session.execute(live_session_query(store, session_id))).first() is not None


async def scope_of_new_session(
    session: AsyncSession, store: PublicStore, session_id: uuid.UUID
) -> CustomerScope:
    """The scope of a session this request just opened (a sign-in)."""
    auth = await session.get_one(CustomerSession, (store.id, session_id))
    return CustomerScope(store, auth.customer_id, session_id)


async def resolve_customer_scope(
    session: AsyncSession, store: PublicStore, claims: CustomerClaims
) -> CustomerScope:
    """A live session of a customer of this store; another store's token finds nothing."""
    if claims.store_id != store.id:
        raise NotFound("Store not found")
    if not await session_is_live(session, store, claims.session_id):
        raise Unauthorized("The session has ended; sign in again")
    return CustomerScope(store, claims.customer_id, claims.session_id)


_TOKEN_SESSION = FixedQuery(
    live_session_query(
        PublicStore(bindparam("store_id", type_=Uuid), None),  # type: ignore[arg-type]
        bindparam("session_id", type_=Uuid),  # type: ignore[arg-type]
    )
    .add_columns(Store.country, Store.code)
    .join(Store, Store.id == CustomerSession.store_id)
)


async def resolve_token_scope(
    runner: AsyncSession | Database, claims: CustomerClaims
) -> CustomerScope:
    """The store a customer token names and its live session, in one query (built once):
    for the surfaces whose paths name no store (MOOD MNKY's ``/api/customers``). A store
    or session that is gone is a 401, like an expired token. Given the ``Database``, it
    reads outside any transaction (for requests that only read)."""
    params = {"store_id": claims.store_id, "session_id": claims.session_id}
    if isinstance(runner, Database):
        rows = await runner.fetch_all(_TOKEN_SESSION, params)
    else:
        rows = [
            dict(row._mapping) for row in await runner.execute(_TOKEN_SESSION.statement, params)
        ]
    row = rows[0] if rows else None
    if row is None or row["customer_id"] != claims.customer_id:
        raise Unauthorized("The session has ended; sign in again")
    store = PublicStore(claims.store_id, row["country"], row["code"])
    return CustomerScope(store, claims.customer_id, claims.session_id)
