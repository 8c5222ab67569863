"""The store scope: the only way into store-owned data.

``resolve_store_scope`` (for requests), ``member_scope`` (for trusted tools like the CLI)
and ``founding_scope`` (a new store nobody belongs to yet) are the only functions that
make a ``StoreScope``; every store-owned query
takes one, so a query cannot forget which store it serves.
"""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, Exists, Select, String, Uuid, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.tokens import AccessClaims
from clientbook.kit.db import Database, FixedQuery
from clientbook.kit.errors import Forbidden, NotFound, Unauthorized
from clientbook.models import AuthSession, Membership, Store, User

AnySelect = Select[*tuple[Any, ...]]
# Adds to the scope statement, given an expression for the store's id.
Extension = Callable[[AnySelect, ColumnElement[Any]], AnySelect]


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
    user_id: uuid.UUID | None  # None only while Clientbook sets up a store (founding_scope)
    role: Role

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


async def ensure_live_session(session: AsyncSession, claims: AccessClaims) -> None:
    if not (await session.execute(select(_session_is_live(claims)))).scalar():
        raise Unauthorized("The session has ended; sign in again")


class ScopedQuery:
    """A statement that checks the caller's access to a store and reads more in the same
    round trip: the session is live, and the caller is an active member of the store.

    The statement is built once; each request only binds its values. ``extend`` gets the
    scope statement and an expression for the store's id, and may add columns and joins:
    what it joins must join on ``Membership.store_id``, which is NULL unless the caller
    is a member, so it cannot reach another store's rows.
    """

    def __init__(self, extend: Extension = lambda statement, _store_id: statement) -> None:
        store_id = bindparam("scope_store_id", type_=Uuid)
        by_id = self._base(Store.id == store_id)
        self._by_id = FixedQuery(extend(by_id, store_id))
        store_code = bindparam("scope_store_code", type_=String)
        by_code = self._base(Store.code == store_code)
        id_of_code = select(Store.id).where(Store.code == store_code).scalar_subquery()
        self._by_code = FixedQuery(extend(by_code, id_of_code))

    @staticmethod
    def _base(store_is: ColumnElement[bool]) -> AnySelect:
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
        return (
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

    async def run(
        self, session: AsyncSession, claims: AccessClaims, store_ref: str, **params: Any
    ) -> tuple[StoreScope, Mapping[str, Any]]:
        """The caller's scope in the store, and the row with the added columns."""
        query, values = self._bind(claims, store_ref, params)
        # Straight to the connection: a Core statement needs none of the ORM's result handling.
        connection = await session.connection()
        row = (await connection.execute(query.statement, values)).one_or_none()
        if row is None:
            await ensure_live_session(session, claims)
            raise StoreNotAccessible("Store not found")
        found = dict(row._mapping)
        return self._scope_of(claims, found), found

    async def read(
        self, database: Database, claims: AccessClaims, store_ref: str, **params: Any
    ) -> tuple[StoreScope, list[dict[str, Any]]]:
        """For a request that only reads: one query, on no session at all. Every row
        carries the scope's columns and what ``extend`` added."""
        query, values = self._bind(claims, store_ref, params)
        rows = await database.fetch_all(query, values)
        if not rows:
            async with database.reading() as session:
                await ensure_live_session(session, claims)
            raise StoreNotAccessible("Store not found")
        return self._scope_of(claims, rows[0]), rows

    def _bind(
        self, claims: AccessClaims, store_ref: str, params: dict[str, Any]
    ) -> tuple[FixedQuery, dict[str, Any]]:
        values: dict[str, Any] = {
            "scope_user_id": claims.user_id,
            "scope_session_id": claims.session_id,
        }
        try:
            values["scope_store_id"] = uuid.UUID(store_ref)
            query = self._by_id
        except ValueError:
            values["scope_store_code"] = store_ref
            query = self._by_code
        return query, {**values, **params}

    @staticmethod
    def _scope_of(claims: AccessClaims, row: Mapping[str, Any]) -> StoreScope:
        if not row["scope_live"]:
            raise Unauthorized("The session has ended; sign in again")
        role = cast(str | None, row["scope_role"])
        if role is None:  # the outer join found no active membership
            raise StoreNotAccessible("Store not found")
        return StoreScope(
            row["scope_store_id"],
            row["scope_store_code"],
            row["scope_country"],
            claims.user_id,
            Role(role),
        )


_SCOPE = ScopedQuery()


async def resolve_store_scope(
    session: AsyncSession, claims: AccessClaims, store_ref: str
) -> StoreScope:
    """Check the token's session and the caller's membership in one query."""
    scope, _ = await _SCOPE.run(session, claims, store_ref)
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


def founding_scope(store: Store) -> StoreScope:
    """The scope Clientbook acts in while it sets up a store that has no member yet
    (``clientbook create-store`` without ``--owner``); its changes are recorded with no
    actor."""
    return StoreScope(store.id, store.code, store.country, None, Role.owner)


def job_scope(store: Store) -> StoreScope:
    """The scope Clientbook's own scheduled jobs (the loyalty tick) act in for one store;
    their changes are recorded with no actor."""
    return StoreScope(store.id, store.code, store.country, None, Role.owner)
