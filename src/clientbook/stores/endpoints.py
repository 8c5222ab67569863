"""``/v1/stores``: stores and their staff members."""

import uuid

from fastapi import APIRouter, Response

from clientbook.deps import CurrentUser, SessionDep, StoreScopeDep
from clientbook.stores import service
from clientbook.stores.schemas import (
    MemberOut,
    MemberUpdate,
    MyStoreOut,
    StoreCreate,
    StoreOut,
    StoreUpdate,
)

router = APIRouter(prefix="/v1/stores", tags=["stores"])


@router.post("", status_code=201, response_model=MyStoreOut)
async def create_store(
    data: StoreCreate, session: SessionDep, user: CurrentUser, response: Response
) -> MyStoreOut:
    """Create a store; you become its owner."""
    store = await service.create_store(session, user.id, data)
    response.headers["Location"] = f"/v1/stores/{store.id}"
    return MyStoreOut.model_validate(
        {**StoreOut.model_validate(store).model_dump(), "role": "owner"}
    )


@router.get("", response_model=dict[str, list[MyStoreOut]])
async def list_my_stores(session: SessionDep, user: CurrentUser) -> dict[str, list[MyStoreOut]]:
    """The stores you are an active member of, with your role in each."""
    rows = await service.my_stores(session, user.id)
    return {
        "data": [
            MyStoreOut.model_validate({**StoreOut.model_validate(s).model_dump(), "role": role})
            for s, role in rows
        ]
    }


@router.get("/{store}", response_model=StoreOut)
async def get_store(session: SessionDep, scope: StoreScopeDep) -> StoreOut:
    """One store, by id or code."""
    return StoreOut.model_validate(await service.get_store(session, scope))


@router.patch("/{store}", response_model=StoreOut)
async def update_store(data: StoreUpdate, session: SessionDep, scope: StoreScopeDep) -> StoreOut:
    """Change a store's name, currency, time zone or country (owner or admin)."""
    return StoreOut.model_validate(await service.update_store(session, scope, data))


@router.get("/{store}/members", response_model=dict[str, list[MemberOut]])
async def list_members(session: SessionDep, scope: StoreScopeDep) -> dict[str, list[MemberOut]]:
    """The store's staff and their roles."""
    members = await service.list_members(session, scope)
    return {"data": [MemberOut.model_validate(m) for m in members]}


@router.patch("/{store}/members/{user_id}", response_model=MemberOut)
async def update_member(
    user_id: uuid.UUID, data: MemberUpdate, session: SessionDep, scope: StoreScopeDep
) -> MemberOut:
    """Change a member's role or deactivate the membership (owner or admin)."""
    return MemberOut.model_validate(await service.update_member(session, scope, user_id, data))


@router.delete("/{store}/members/{user_id}", status_code=204)
async def remove_member(user_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep) -> Response:
    """Remove a member (owner or admin); the last owner stays."""
    await service.remove_member(session, scope, user_id)
    return Response(status_code=204)
