"""The store scope: the only way into store-owned data.

``resolve_store_scope`` (for requests) and ``member_scope`` (for trusted tools like
the CLI) are the only functions that make a ``StoreScope``; every store-owned query
takes one, so a query cannot forget which store it serves.
"""

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from sqlalchemy import Exists, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.tokens import AccessClaims
from clientbook.kit.errors import Forbidden, NotFound, Unauthorized
from clientbook.models import AuthSession, Membership, Store, User


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
    user_id: uuid.UUID
    role: Role

    def require(self, role: Role) -> None:
        if self.role.rank < role.rank:
            raise Forbidden(f"This needs the {role.value} role in the store")


def _session_is_live(claims: AccessClaims) -> Exists:
    return (
        select(AuthSession.id)
        .join(User, User.id == AuthSession.user_id)
        .where(
            AuthSession.id == claims.session_id,
            AuthSession.user_id == claims.user_id,
            AuthSession.revoked_at.is_(None),
            User.is_active.is_(True),
        )
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


async def resolve_store_scope(
    session: AsyncSession, claims: AccessClaims, store_ref: str
) -> StoreScope:
    """Check the token's session and the caller's membership in one query."""
    membership = and_(
        Membership.store_id == Store.id,
        Membership.user_id == claims.user_id,
        Membership.is_active.is_(True),
    )
    row = (
        await session.execute(
            select(Store.id, Store.code, Store.country, Membership.role, _session_is_live(claims))
            .outerjoin(Membership, membership)
            .where(store_matches(store_ref))  # type: ignore[arg-type]
        )
    ).one_or_none()
    if row is None:
        await ensure_live_session(session, claims)
        raise StoreNotAccessible("Store not found")
    store_id, code, country, role, live = row
    if not live:
        raise Unauthorized("The session has ended; sign in again")
    if cast(str | None, role) is None:  # the outer join found no active membership
        raise StoreNotAccessible("Store not found")
    return StoreScope(store_id, code, country, claims.user_id, Role(role))


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
