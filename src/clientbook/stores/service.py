"""Use cases for stores and their staff memberships."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers import links
from clientbook.kit.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from clientbook.kit.integrity import UniqueRule, unique_violations
from clientbook.loyalty.wallets import ensure_default_wallet
from clientbook.models import Membership, Store, User
from clientbook.stores.schemas import MemberUpdate, StoreCreate, StoreUpdate
from clientbook.stores.scope import Role, StoreScope, founding_scope, member_scope

STORE_UNIQUES = [
    UniqueRule(
        "uq_stores_code", "stores", ("code",), "code", "a store with this code already exists"
    )
]


async def create_store(
    session: AsyncSession, owner_id: uuid.UUID | None, data: StoreCreate
) -> Store:
    """Create a store; its creator (if any) becomes its owner, and the store, however it is
    made, its own first customer."""
    store = Store(**data.model_dump())
    session.add(store)
    async with unique_violations(STORE_UNIQUES):
        await session.flush()
    if owner_id is None:
        scope = founding_scope(store)
    else:
        session.add(Membership(store_id=store.id, user_id=owner_id, role=Role.owner))
        await session.flush()
        scope = await member_scope(session, store.id, owner_id)
    await links.create_customer_for_store(session, scope, store)
    await ensure_default_wallet(session, store.id)
    return store


async def my_stores(session: AsyncSession, user_id: uuid.UUID) -> list[tuple[Store, str]]:
    rows = await session.execute(
        select(Store, Membership.role)
        .join(Membership, Membership.store_id == Store.id)
        .where(Membership.user_id == user_id, Membership.is_active.is_(True))
        .order_by(Store.code)
    )
    return [(store, role) for store, role in rows]


async def get_store(session: AsyncSession, scope: StoreScope) -> Store:
    return await session.get_one(Store, scope.store_id)


async def update_store(session: AsyncSession, scope: StoreScope, data: StoreUpdate) -> Store:
    scope.require(Role.admin)
    store = await get_store(session, scope)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None and field in ("name", "currency", "timezone"):
            raise ValidationFailed.field(field, "must not be null")
        setattr(store, field, value)
    await session.flush()
    return store


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    email: str
    name: str | None
    role: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


def _member(membership: Membership, user: User) -> Member:
    return Member(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        is_active=membership.is_active,
        created_at=membership.created_at,
        updated_at=membership.updated_at,
    )


async def list_members(session: AsyncSession, scope: StoreScope) -> list[Member]:
    rows = await session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.store_id == scope.store_id)
        .order_by(User.email_key)
    )
    return [_member(membership, user) for membership, user in rows]


async def update_member(
    session: AsyncSession, scope: StoreScope, user_id: uuid.UUID, data: MemberUpdate
) -> Member:
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:  # leave a field out to keep it; null is not a role or a state
            raise ValidationFailed.field(field, "must not be null")
    scope.require(Role.admin)
    membership, user = await _find_member(session, scope, user_id)
    _check_may_change(scope, membership, changes.get("role"))
    stays_owner = changes.get("role", membership.role) == Role.owner and changes.get(
        "is_active", membership.is_active
    )
    if not stays_owner:
        await _keep_an_owner(session, scope, membership)
    for field, value in changes.items():
        setattr(membership, field, value)
    await session.flush()
    return _member(membership, user)


async def remove_member(session: AsyncSession, scope: StoreScope, user_id: uuid.UUID) -> None:
    scope.require(Role.admin)
    membership, _user = await _find_member(session, scope, user_id)
    _check_may_change(scope, membership, None)
    await _keep_an_owner(session, scope, membership)
    await session.delete(membership)
    await session.flush()


async def _find_member(
    session: AsyncSession, scope: StoreScope, user_id: uuid.UUID
) -> tuple[Membership, User]:
    row = (
        await session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.store_id == scope.store_id, Membership.user_id == user_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("Member not found")
    membership, user = row
    return membership, user


def _check_may_change(scope: StoreScope, membership: Membership, new_role: Role | None) -> None:
    if membership.role == Role.owner and scope.role is not Role.owner:
        raise Forbidden("Only an owner can change or remove an owner")
    if new_role is not None:
        scope.require_grant(new_role)


async def _keep_an_owner(session: AsyncSession, scope: StoreScope, membership: Membership) -> None:
    """Refuse a change that would leave the store without an active owner."""
    if membership.role != Role.owner or not membership.is_active:
        return
    owners = await session.scalars(
        select(Membership.user_id)
        .where(
            Membership.store_id == scope.store_id,
            Membership.role == Role.owner,
            Membership.is_active.is_(True),
        )
        .order_by(Membership.user_id)  # one lock order, so two such requests never deadlock
        .with_for_update()  # two owners stepping down at once must not both succeed
    )
    if len(owners.all()) <= 1:
        message = "the store's last owner cannot be removed, demoted or deactivated"
        raise Conflict(message, errors=[FieldError("user_id", message)])
