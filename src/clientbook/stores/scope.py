"""The store scope: the only way into store-owned data.

``resolve_store_scope`` (for requests), ``member_scope`` (for trusted tools like the CLI),
``operator_scope`` (the operator at the command line) and ``founding_scope`` (a new store
nobody belongs to yet) are the only functions that make a ``StoreScope``; every
store-owned query takes one, so a query cannot forget which store it serves.

A request is signed by a staff member's access token or by one of the store's API keys
(``Credentials``); both are checked by the same one statement.
"""

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Exists,
    Select,
    String,
    Uuid,
    and_,
    bindparam,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.tokens import AccessClaims
from clientbook.api_keys.keys import ApiKeyCredentials
from clientbook.kit.db import Database, FixedQuery, UTCDateTime, utcnow
from clientbook.kit.errors import Forbidden, NotFound, Unauthorized
from clientbook.models import ApiKey, AuthSession, Membership, Store, User

AnySelect = Select[*tuple[Any, ...]]
# Adds to the scope statement, given an expression for the store's id and one that is the
# store's id only when the caller has access to it (NULL otherwise): join on the latter.
Extension = Callable[[AnySelect, ColumnElement[Any], ColumnElement[Any]], AnySelect]
Credentials = AccessClaims | ApiKeyCredentials

# ``last_used_at`` is written at most this often per key, not on every request.
LAST_USE_PRECISION = timedelta(minutes=1)
KEY_REFUSED = "The API key is invalid, revoked or expired"


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    seller = "seller"

    @property
    def rank(self) -> int:
        return {"seller": 1, "admin": 2, "owner": 3}[self.value]


class StoreNotAccessible(NotFound):
    """The store does not exist or the caller is not an active member; the two look alike."""


@dataclass(frozen=True)
class StoreScope:
    store_id: uuid.UUID
    store_code: str
    country: str | None
    user_id: uuid.UUID | None  # None for an API key and for the operator's own scopes
    role: Role
    api_key_id: uuid.UUID | None = None  # the key that signed the request, if one did
    customer_id: uuid.UUID | None = None  # a customer acting on its own record (self_scope)

    def require(self, role: Role) -> None:
        if self.role.rank < role.rank:
            raise Forbidden(f"This needs the {role.value} role in the store")

    def require_grant(self, role: Role) -> None:
        """Only an owner gives (or offers) the owner role."""
        if role is Role.owner and self.role is not Role.owner:
            raise Forbidden("Only an owner can grant the owner role")


def _session_is_live(claims: AccessClaims) -> Exists:
    return _live_session(AuthSession.id == claims.session_id, AuthSession.user_id == claims.user_id)


def _live_session(*conditions: ColumnElement[bool]) -> Exists:
    return (
        select(AuthSession.id)
        .join(User, User.id == AuthSession.user_id)
        .where(*conditions, AuthSession.revoked_at.is_(None), User.is_active.is_(True))
        .exists()
    )


def store_matches(store_ref: str) -> object:
    """A store is named by its id or by its code."""
    try:
        return Store.id == uuid.UUID(store_ref)
    except ValueError:
        return Store.code == store_ref


def _key_is_live(credentials: ApiKeyCredentials) -> Exists:
    return (
        select(ApiKey.id)
        .where(ApiKey.token_hash == credentials.token_hash, _key_usable(utcnow()))
        .exists()
    )


def _key_usable(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    return and_(
        ApiKey.revoked_at.is_(None), or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now)
    )


async def ensure_live_session(session: AsyncSession, credentials: Credentials) -> None:
    """401 unless the access token's session, or the API key, is still live."""
    if isinstance(credentials, ApiKeyCredentials):
        if not (await session.execute(select(_key_is_live(credentials)))).scalar():
            raise Unauthorized(KEY_REFUSED)
        return
    if not (await session.execute(select(_session_is_live(credentials)))).scalar():
        raise Unauthorized("The session has ended; sign in again")


class ScopedQuery:
    """A statement that checks the caller's access to a store and reads more in the same
    round trip: the session is live, and the caller is an active member of the store.

    The statement is built once; each request only binds its values. ``extend`` gets the
    scope statement, an expression for the store's id and one for the *granted* store's
    id, and may add columns and joins: what it joins must join on the granted id, which
    is NULL unless the caller may enter the store, so it cannot reach another store's rows.

    There is one statement per kind of credentials: a member's access token (its session
    is live and the user an active member) and an API key (live, of this store).
    """

    def __init__(self, extend: Extension = lambda statement, _store, _granted: statement) -> None:
        self._user = self._build(self._user_base, extend)
        self._key = self._build(self._key_base, extend)
        store_id = bindparam("scope_store_id", type_=Uuid)
        checked = select(Store.id.label("scope_store_id")).where(Store.id == store_id)
        self._checked = FixedQuery(extend(checked, store_id, Store.id.expression))

    @staticmethod
    def _build(
        base: Callable[[ColumnElement[bool]], tuple[AnySelect, ColumnElement[Any]]],
        extend: Extension,
    ) -> tuple[FixedQuery, FixedQuery]:
        store_id = bindparam("scope_store_id", type_=Uuid)
        by_id, granted = base(Store.id == store_id)
        store_code = bindparam("scope_store_code", type_=String)
        by_code, granted_by_code = base(Store.code == store_code)
        id_of_code = select(Store.id).where(Store.code == store_code).scalar_subquery()
        return (
            FixedQuery(extend(by_id, store_id, granted)),
            FixedQuery(extend(by_code, id_of_code, granted_by_code)),
        )

    @staticmethod
    def _key_base(store_is: ColumnElement[bool]) -> tuple[AnySelect, ColumnElement[Any]]:
        usable = _key_usable(bindparam("scope_now", type_=UTCDateTime))
        key = and_(
            ApiKey.store_id == Store.id,
            ApiKey.token_hash == bindparam("scope_key_hash", type_=String),
            usable,
        )
        statement: AnySelect = (
            select(
                Store.id.label("scope_store_id"),
                Store.code.label("scope_store_code"),
                Store.country.label("scope_country"),
                ApiKey.role.label("scope_role"),
                literal(True).label("scope_live"),
                ApiKey.id.label("scope_key_id"),
                ApiKey.last_used_at.label("scope_key_used"),
            )
            .outerjoin(ApiKey, key)
            .where(store_is)
        )
        return statement, ApiKey.store_id.expression

    @staticmethod
    def _user_base(store_is: ColumnElement[bool]) -> tuple[AnySelect, ColumnElement[Any]]:
        user_id = bindparam("scope_user_id", type_=Uuid)
        live = _live_session(
            AuthSession.id == bindparam("scope_session_id", type_=Uuid),
            AuthSession.user_id == user_id,
        )
        membership = and_(
            Membership.store_id == Store.id,
            Membership.user_id == user_id,
            Membership.is_active.is_(True),
        )
        statement: AnySelect = (
            select(
                Store.id.label("scope_store_id"),
                Store.code.label("scope_store_code"),
                Store.country.label("scope_country"),
                Membership.role.label("scope_role"),
                live.label("scope_live"),
            )
            .outerjoin(Membership, membership)
            .where(store_is)
        )
        return statement, Membership.store_id.expression

    async def run(
        self, session: AsyncSession, credentials: Credentials, store_ref: str, **params: Any
    ) -> tuple[StoreScope, Mapping[str, Any]]:
        """The caller's scope in the store, and the row with the added columns."""
        query, values = self._bind(credentials, store_ref, params)
        # Straight to the connection: a Core statement needs none of the ORM's result handling.
        connection = await session.connection()
        row = (await connection.execute(query.statement, values)).one_or_none()
        found = None if row is None else dict(row._mapping)
        scope = self._scope_of(credentials, found)
        if scope is None:
            await ensure_live_session(session, credentials)
            raise StoreNotAccessible("Store not found")
        if found is not None and _last_use_is_stale(found):
            await session.execute(_record_use(scope))
        return scope, cast(Mapping[str, Any], found)

    async def read(
        self, database: Database, credentials: Credentials, store_ref: str, **params: Any
    ) -> tuple[StoreScope, list[dict[str, Any]]]:
        """For a request that only reads: one query, on no session at all. Every row
        carries the scope's columns and what ``extend`` added."""
        query, values = self._bind(credentials, store_ref, params)
        rows = await database.fetch_all(query, values)
        scope = self._scope_of(credentials, rows[0] if rows else None)
        if scope is None:
            async with database.reading() as session:
                await ensure_live_session(session, credentials)
            raise StoreNotAccessible("Store not found")
        if _last_use_is_stale(rows[0]):
            async with database.reading() as session:
                await session.execute(_record_use(scope))
        return scope, rows

    async def within(
        self, runner: Database | AsyncSession, scope: StoreScope, **params: Any
    ) -> list[dict[str, Any]]:
        """For a caller whose access is already checked: the statement on the scope's
        store, outside any transaction (a ``Database``) or in the caller's session."""
        (rows,) = await within_each(runner, scope, [(self, params)])
        return rows

    def _bind(
        self, credentials: Credentials, store_ref: str, params: dict[str, Any]
    ) -> tuple[FixedQuery, dict[str, Any]]:
        values: dict[str, Any]
        if isinstance(credentials, ApiKeyCredentials):
            values = {"scope_key_hash": credentials.token_hash, "scope_now": utcnow()}
            by_id, by_code = self._key
        else:
            values = {
                "scope_user_id": credentials.user_id,
                "scope_session_id": credentials.session_id,
            }
            by_id, by_code = self._user
        try:
            values["scope_store_id"] = uuid.UUID(store_ref)
            query = by_id
        except ValueError:
            values["scope_store_code"] = store_ref
            query = by_code
        return query, {**values, **params}

    @staticmethod
    def _scope_of(credentials: Credentials, row: Mapping[str, Any] | None) -> StoreScope | None:
        """The scope the row grants; None when it grants none (the caller is then told
        whether the credentials themselves are dead: 401, or only not good here: 404)."""
        if row is None:
            return None
        if not row["scope_live"]:
            raise Unauthorized("The session has ended; sign in again")
        role = cast(str | None, row["scope_role"])
        if role is None:  # the outer join found no active membership or live key
            return None
        user_id = credentials.user_id if isinstance(credentials, AccessClaims) else None
        return StoreScope(
            row["scope_store_id"],
            row["scope_store_code"],
            row["scope_country"],
            user_id,
            Role(role),
            row.get("scope_key_id"),
        )


def _last_use_is_stale(row: Mapping[str, Any]) -> bool:
    if row.get("scope_key_id") is None:
        return False
    used = cast(datetime | None, row["scope_key_used"])
    return used is None or _aware(used) <= utcnow() - LAST_USE_PRECISION


def _aware(moment: datetime) -> datetime:
    # The raw asyncpg path returns timestamptz aware; SQLite's path goes through UTCDateTime.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _record_use(scope: StoreScope) -> Any:
    """Stamp the key's last use; the condition keeps concurrent requests to one write."""
    now = utcnow()
    return (
        update(ApiKey)
        .where(
            ApiKey.store_id == scope.store_id,
            ApiKey.id == scope.api_key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - LAST_USE_PRECISION),
        )
        .values(last_used_at=now)
    )


_SCOPE = ScopedQuery()


async def resolve_store_scope(
    session: AsyncSession, credentials: Credentials, store_ref: str
) -> StoreScope:
    """Check the token's session and the caller's membership (or the API key) in one query."""
    scope, _ = await _SCOPE.run(session, credentials, store_ref)
    return scope


async def member_scope(
    session: AsyncSession, store_id: uuid.UUID, user_id: uuid.UUID
) -> StoreScope:
    """The scope of an active member, for tools that act without a request (CLI, imports)."""
    row = (
        await session.execute(
            select(Store.code, Store.country, Membership.role)
            .join(Membership, Membership.store_id == Store.id)
            .where(
                Store.id == store_id,
                Membership.user_id == user_id,
                Membership.is_active.is_(True),
            )
        )
    ).one_or_none()
    if row is None:
        raise StoreNotAccessible("Store not found")
    code, country, role = row
    return StoreScope(store_id, code, country, user_id, Role(role))


async def operator_scope(session: AsyncSession, store_ref: str) -> StoreScope:
    """The scope of the operator at the command line, who acts as an owner of any store
    and is recorded as no one (as ``founding_scope``)."""
    found = select(Store.id, Store.code, Store.country)
    try:
        found = found.where(Store.id == uuid.UUID(store_ref))
    except ValueError:
        found = found.where(Store.code == store_ref)
    row = (await session.execute(found)).one_or_none()
    if row is None:
        raise StoreNotAccessible(f"no store {store_ref}")
    store_id, code, country = row
    return StoreScope(store_id, code, country, None, Role.owner)


def founding_scope(store: Store) -> StoreScope:
    """The scope Clientbook acts in while it sets up a store that has no member yet
    (``clientbook create-store`` without ``--owner``); its changes are recorded with no
    actor."""
    return StoreScope(store.id, store.code, store.country, None, Role.owner)


def self_scope(
    store_id: uuid.UUID, store_code: str, country: str | None, customer_id: uuid.UUID | None
) -> StoreScope:
    """The scope a customer's own use cases (registration, editing itself) run the
    customer services in; recorded with the customer as the actor. Only those use cases
    make it, each limiting itself to that customer and to the fields it may change; no
    request's credentials ever become one. Registration, before the customer exists,
    runs with no customer (recorded with no actor)."""
    return StoreScope(store_id, store_code, country, None, Role.seller, None, customer_id)


def customer_self_scope(store_id: uuid.UUID, store_code: str, country: str | None) -> StoreScope:
    """A signed-in customer reading its own record through a surface (Open Loyalty's
    customer endpoints), after its customer token was checked. The caller must check that
    every record read is the customer's own; the scope acts as no user, and a seller's
    rank lets it change nothing the services guard by role."""
    return self_scope(store_id, store_code, country, None)


def job_scope(store: Store) -> StoreScope:
    """The scope Clientbook's own scheduled jobs (the loyalty tick) act in for one store;
    their changes are recorded with no actor."""
    return StoreScope(store.id, store.code, store.country, None, Role.owner)


async def within_each(
    runner: Database | AsyncSession,
    scope: StoreScope,
    reads: Sequence[tuple[ScopedQuery, dict[str, Any]]],
) -> list[list[dict[str, Any]]]:
    """Several ``ScopedQuery.within`` reads, one after the other: outside any transaction
    on one connection taken from the pool once (a ``Database``), or in the caller's
    session."""
    bound = [
        (query._checked, {"scope_store_id": scope.store_id, **params}) for query, params in reads
    ]
    if isinstance(runner, Database):
        return await runner.fetch_each(bound)
    answers = []
    for query, values in bound:
        rows = await runner.execute(query.statement, values)
        answers.append([dict(row._mapping) for row in rows])
    return answers
