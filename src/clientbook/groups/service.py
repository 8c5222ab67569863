"""Customer group use cases: admins define groups, staff put customers in them."""

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customers.service import get_customer
from clientbook.groups.schemas import GroupCreate, GroupUpdate
from clientbook.kit.db import utcnow
from clientbook.kit.errors import FieldError, NotFound, ValidationFailed
from clientbook.kit.integrity import (
    UniqueRule,
    insert_new,
    missing_references,
    unique_violations,
)
from clientbook.models import Customer, CustomerGroup, GroupMember
from clientbook.stores.scope import Role, StoreScope

UNIQUES = [
    UniqueRule(
        "uq_customer_groups_store_id_code",
        "customer_groups",
        ("store_id", "code"),
        "code",
        "a group with this code already exists",
    )
]


def code_from_name(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64]
    return slug or uuid.uuid4().hex[:12]


async def create_group(
    session: AsyncSession, scope: StoreScope, data: GroupCreate
) -> CustomerGroup:
    scope.require(Role.admin)
    group = CustomerGroup(
        store_id=scope.store_id,
        code=data.code or code_from_name(data.name),
        name=data.name,
        description=data.description,
    )
    session.add(group)
    async with unique_violations(UNIQUES):
        await session.flush()
    return group


async def list_groups(session: AsyncSession, scope: StoreScope) -> list[CustomerGroup]:
    rows = await session.scalars(
        select(CustomerGroup)
        .where(CustomerGroup.store_id == scope.store_id)
        .order_by(CustomerGroup.name, CustomerGroup.id)
    )
    return list(rows)


async def get_group(session: AsyncSession, scope: StoreScope, group_id: uuid.UUID) -> CustomerGroup:
    group = await session.get(CustomerGroup, (scope.store_id, group_id))
    if group is None:
        raise NotFound("Group not found")
    return group


async def update_group(
    session: AsyncSession, scope: StoreScope, group_id: uuid.UUID, data: GroupUpdate
) -> CustomerGroup:
    scope.require(Role.admin)
    group = await get_group(session, scope, group_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None and field != "description":
            raise ValidationFailed.field(field, "must not be null")
        setattr(group, field, value)
    async with unique_violations(UNIQUES):
        await session.flush()
    return group


async def delete_group(session: AsyncSession, scope: StoreScope, group_id: uuid.UUID) -> None:
    scope.require(Role.admin)
    group = await get_group(session, scope, group_id)
    await session.execute(
        delete(GroupMember).where(
            GroupMember.store_id == scope.store_id, GroupMember.group_id == group_id
        )
    )
    await session.delete(group)
    await session.flush()


async def add_members(
    session: AsyncSession, scope: StoreScope, group_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> int:
    """Put customers in a group; all must be this store's customers. Returns how many were new."""
    await get_group(session, scope, group_id)
    wanted = list(dict.fromkeys(customer_ids))
    now = utcnow()
    found = set(
        await session.scalars(
            select(Customer.id).where(
                Customer.store_id == scope.store_id,
                Customer.id.in_(wanted),
                Customer.deleted_at.is_(None),
            )
        )
    )
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise ValidationFailed(
            "Some customers do not exist in this store",
            errors=[FieldError("customer_ids", f"no customer {i}") for i in missing],
        )
    # Concurrent requests adding the same customer each insert what is not there yet: the
    # membership is stored once and both answer 200 (the later one with ``added: 0``).
    rows = [
        {"store_id": scope.store_id, "group_id": group_id, "customer_id": i, "created_at": now}
        for i in wanted
    ]
    async with missing_references(NotFound("Group not found")):
        new = await insert_new(session, GroupMember, rows, GroupMember.customer_id)
    for customer_id in sorted(new, key=wanted.index):
        await audit.record(session, scope, customer_id, "group_added", ["groups"])
    return len(new)


async def remove_member(
    session: AsyncSession, scope: StoreScope, group_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    await get_group(session, scope, group_id)
    result = await session.execute(
        delete(GroupMember).where(
            GroupMember.store_id == scope.store_id,
            GroupMember.group_id == group_id,
            GroupMember.customer_id == customer_id,
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("The customer is not in this group")
    await audit.record(session, scope, customer_id, "group_removed", ["groups"])


async def members_of(
    session: AsyncSession, scope: StoreScope, group_id: uuid.UUID, *, offset: int, limit: int
) -> tuple[list[Customer], int]:
    await get_group(session, scope, group_id)
    in_group = (
        GroupMember.store_id == scope.store_id,
        GroupMember.group_id == group_id,
        Customer.deleted_at.is_(None),
    )
    joined = select(Customer).join(
        GroupMember,
        (GroupMember.store_id == Customer.store_id) & (GroupMember.customer_id == Customer.id),
    )
    rows = await session.scalars(
        joined.where(*in_group)
        .order_by(Customer.sort_name, Customer.id)
        .offset(offset)
        .limit(limit)
    )
    total = await session.scalar(
        select(func.count()).select_from(joined.where(*in_group).subquery())
    )
    return list(rows), int(total or 0)


async def groups_of_customer(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> list[CustomerGroup]:
    await get_customer(session, scope, customer_id)
    return (await groups_by_customer(session, scope, [customer_id]))[customer_id]


async def groups_by_customer(
    session: AsyncSession, scope: StoreScope, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CustomerGroup]]:
    """The groups of many customers in one query (for list pages)."""
    result: dict[uuid.UUID, list[CustomerGroup]] = defaultdict(list)
    if not customer_ids:
        return result
    rows = await session.execute(
        select(GroupMember.customer_id, CustomerGroup)
        .join(
            CustomerGroup,
            (CustomerGroup.store_id == GroupMember.store_id)
            & (CustomerGroup.id == GroupMember.group_id),
        )
        .where(GroupMember.store_id == scope.store_id, GroupMember.customer_id.in_(customer_ids))
        .order_by(CustomerGroup.name, CustomerGroup.id)
    )
    for customer_id, group in rows:
        result[customer_id].append(group)
    return result
