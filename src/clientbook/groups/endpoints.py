"""``/v1/stores/{store}/groups`` and a customer's groups."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from clientbook.customers.serialize import customer_document
from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.groups import service
from clientbook.groups.schemas import GroupCreate, GroupMembersAdd, GroupOut, GroupUpdate
from clientbook.kit.pagination import MAX_LIMIT, PageInfo
from clientbook.kit.responses import json_values

router = APIRouter(prefix="/v1/stores/{store}", tags=["groups"])


@router.post("/groups", status_code=201, response_model=GroupOut)
async def create_group(
    data: GroupCreate, session: SessionDep, scope: StoreScopeDep, response: Response
) -> GroupOut:
    """Define a group (admin)."""
    group = await service.create_group(session, scope, data)
    response.headers["Location"] = f"/v1/stores/{scope.store_code}/groups/{group.id}"
    return GroupOut.model_validate(group)


@router.get("/groups", response_model=dict[str, list[GroupOut]])
async def list_groups(session: SessionDep, scope: StoreScopeDep) -> dict[str, list[GroupOut]]:
    """The store's groups, by name."""
    return {"data": [GroupOut.model_validate(g) for g in await service.list_groups(session, scope)]}


@router.get("/groups/{group_id}", response_model=GroupOut)
async def get_group(group_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep) -> GroupOut:
    """One group."""
    return GroupOut.model_validate(await service.get_group(session, scope, group_id))


@router.patch("/groups/{group_id}", response_model=GroupOut)
async def update_group(
    group_id: uuid.UUID, data: GroupUpdate, session: SessionDep, scope: StoreScopeDep
) -> GroupOut:
    """Rename or describe a group (admin)."""
    return GroupOut.model_validate(await service.update_group(session, scope, group_id, data))


@router.delete("/groups/{group_id}", status_code=204)
async def delete_group(group_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep) -> Response:
    """Delete a group (admin); its customers stay."""
    await service.delete_group(session, scope, group_id)
    return Response(status_code=204)


@router.get("/groups/{group_id}/customers", response_model=dict[str, Any])
async def list_group_customers(
    group_id: uuid.UUID,
    session: SessionDep,
    scope: StoreScopeDep,
    page: Annotated[int, Query(ge=1)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> dict[str, Any]:
    """The group's customers, by name."""
    customers, total = await service.members_of(
        session, scope, group_id, offset=(page - 1) * limit, limit=limit
    )
    return {
        "data": [json_values(customer_document(c)) for c in customers],
        "pagination": PageInfo(page=page, limit=limit, total=total).as_dict(),
    }


@router.post("/groups/{group_id}/customers", response_model=dict[str, int])
async def add_group_customers(
    group_id: uuid.UUID, data: GroupMembersAdd, session: SessionDep, scope: StoreScopeDep
) -> dict[str, int]:
    """Put customers in the group; those already in it are left as they are."""
    added = await service.add_members(session, scope, group_id, data.customer_ids)
    return {"added": added}


@router.delete("/groups/{group_id}/customers/{customer_id}", status_code=204)
async def remove_group_customer(
    group_id: uuid.UUID, customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Take a customer out of the group."""
    await service.remove_member(session, scope, group_id, customer_id)
    return Response(status_code=204)


@router.get("/customers/{customer_id}/groups", response_model=dict[str, list[GroupOut]])
async def list_customer_groups(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> dict[str, list[GroupOut]]:
    """The groups a customer is in."""
    groups = await service.groups_of_customer(session, scope, customer_id)
    return {"data": [GroupOut.model_validate(g) for g in groups]}
