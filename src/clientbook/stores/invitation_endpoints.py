"""Invitations: ``/v1/stores/{store}/invitations`` for the store's admins, and
``/v1/invitations`` for the invited account."""

import uuid
from datetime import timedelta

from fastapi import APIRouter, Response

from clientbook.deps import CurrentUser, SessionDep, SettingsDep, StoreScopeDep
from clientbook.models import Invitation
from clientbook.stores import invitations
from clientbook.stores.schemas import (
    InvitationCreate,
    InvitationOut,
    MyInvitationOut,
    MyStoreOut,
    StoreOut,
)

store_router = APIRouter(prefix="/v1/stores", tags=["stores"])
my_router = APIRouter(prefix="/v1/invitations", tags=["invitations"])


def _out(invitation: Invitation) -> InvitationOut:
    return InvitationOut.model_validate(
        {
            **{f: getattr(invitation, f) for f in InvitationOut.model_fields if f != "status"},
            "status": invitations.status_of(invitation),
        }
    )


@store_router.post("/{store}/invitations", status_code=201, response_model=InvitationOut)
async def invite(
    data: InvitationCreate,
    session: SessionDep,
    scope: StoreScopeDep,
    settings: SettingsDep,
    response: Response,
) -> InvitationOut:
    """Invite an e-mail address to a role (owner or admin); the account accepts it."""
    ttl = timedelta(seconds=settings.invitation_ttl_seconds)
    invitation = await invitations.invite(session, scope, data, ttl)
    response.headers["Location"] = f"/v1/stores/{scope.store_id}/invitations/{invitation.id}"
    return _out(invitation)


@store_router.post("/{store}/members", status_code=202, response_model=InvitationOut)
async def add_member(
    data: InvitationCreate, session: SessionDep, scope: StoreScopeDep, settings: SettingsDep
) -> InvitationOut:
    """Invite a staff member (as ``POST .../invitations``): they join when they accept."""
    ttl = timedelta(seconds=settings.invitation_ttl_seconds)
    return _out(await invitations.invite(session, scope, data, ttl))


@store_router.get("/{store}/invitations", response_model=dict[str, list[InvitationOut]])
async def list_invitations(
    session: SessionDep, scope: StoreScopeDep
) -> dict[str, list[InvitationOut]]:
    """The store's invitations, newest first (owner or admin)."""
    return {"data": [_out(i) for i in await invitations.list_for_store(session, scope)]}


@store_router.delete("/{store}/invitations/{invitation_id}", status_code=204)
async def revoke_invitation(
    invitation_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Withdraw a pending invitation (owner or admin)."""
    await invitations.revoke(session, scope, invitation_id)
    return Response(status_code=204)


@my_router.get("", response_model=dict[str, list[MyInvitationOut]])
async def my_invitations(
    session: SessionDep, user: CurrentUser
) -> dict[str, list[MyInvitationOut]]:
    """The pending invitations to your account's e-mail address."""
    rows = await invitations.list_mine(session, user)
    return {
        "data": [
            MyInvitationOut(
                id=i.id,
                store=StoreOut.model_validate(store),
                role=i.role,
                expires_at=i.expires_at,
                created_at=i.created_at,
            )
            for i, store in rows
        ]
    }


@my_router.post("/{invitation_id}/accept", response_model=MyStoreOut)
async def accept_invitation(
    invitation_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> MyStoreOut:
    """Join the store in the offered role; an invitation is used once."""
    store, membership = await invitations.accept(session, user, invitation_id)
    return MyStoreOut.model_validate(
        {**StoreOut.model_validate(store).model_dump(), "role": membership.role}
    )


@my_router.post("/{invitation_id}/decline", status_code=204)
async def decline_invitation(
    invitation_id: uuid.UUID, session: SessionDep, user: CurrentUser
) -> Response:
    """Say no; the store's admins see the invitation as declined."""
    await invitations.decline(session, user, invitation_id)
    return Response(status_code=204)
