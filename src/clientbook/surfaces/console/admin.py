"""Members, API keys and webhooks: the store's owners' and admins' pages. The services
refuse a seller (403); the console also leaves these pages out of a seller's menu."""

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from clientbook.api_keys import service as api_keys
from clientbook.api_keys.schemas import ApiKeyCreate
from clientbook.deps import SessionDep, SettingsDep
from clientbook.kit.errors import ClientbookError, NotFound
from clientbook.stores import invitations
from clientbook.stores import service as stores
from clientbook.stores.schemas import InvitationCreate
from clientbook.stores.scope import Role
from clientbook.surfaces.console import forms
from clientbook.surfaces.console.deps import Console, ConsoleDep
from clientbook.surfaces.console.render import errors_by_field, render, see_other
from clientbook.webhooks import service as webhooks
from clientbook.webhooks.events import EventType
from clientbook.webhooks.schemas import WebhookCreate

router = APIRouter(prefix="/console/{store}", include_in_schema=False)


async def _members_page(
    request: Request, session: SessionDep, console: Console, status_code: int = 200, **extra: Any
) -> Response:
    console.scope.require(Role.admin)
    return render(
        request,
        "admin/members.html",
        status_code,
        title="Members",
        console=console,
        members=await stores.list_members(session, console.scope),
        invitations=await invitations.list_for_store(session, console.scope),
        roles=[role.value for role in Role],
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/members")
async def members_page(request: Request, session: SessionDep, console: ConsoleDep) -> Response:
    return await _members_page(request, session, console)


@router.post("/members")
async def invite_member(
    request: Request, session: SessionDep, settings: SettingsDep, console: ConsoleDep
) -> Response:
    form = await request.form()
    data = {"email": forms.text(form, "email"), "role": forms.text(form, "role")}
    try:
        invitation = forms.parse(InvitationCreate, data)
        ttl = timedelta(seconds=settings.invitation_ttl_seconds)
        await invitations.invite(session, console.scope, invitation, ttl)
    except ClientbookError as exc:
        if not exc.errors:
            raise
        await session.rollback()
        return await _members_page(
            request,
            session,
            console,
            exc.status_code,
            errors=errors_by_field(exc.errors),
            values=data,
        )
    return see_other(f"{console.base}/members?invited=1")


@router.post("/members/{user_id}/remove")
async def remove_member(session: SessionDep, console: ConsoleDep, user_id: uuid.UUID) -> Response:
    await stores.remove_member(session, console.scope, user_id)
    return see_other(f"{console.base}/members")


async def _keys_page(
    request: Request, session: SessionDep, console: Console, status_code: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "admin/api_keys.html",
        status_code,
        title="API keys",
        console=console,
        keys=await api_keys.list_keys(session, console.scope),
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/api-keys")
async def keys_page(request: Request, session: SessionDep, console: ConsoleDep) -> Response:
    return await _keys_page(request, session, console)


@router.post("/api-keys")
async def create_key(request: Request, session: SessionDep, console: ConsoleDep) -> Response:
    """A new key; its secret is shown on this one answer and never again."""
    form = await request.form()
    data = {"name": forms.text(form, "name"), "role": forms.text(form, "role")}
    try:
        key, secret = await api_keys.create_key(
            session, console.scope, forms.parse(ApiKeyCreate, data)
        )
    except ClientbookError as exc:
        if not exc.errors:
            raise
        await session.rollback()
        return await _keys_page(
            request,
            session,
            console,
            exc.status_code,
            errors=errors_by_field(exc.errors),
            values=data,
        )
    return await _keys_page(request, session, console, 201, created=key, secret=secret)


@router.post("/api-keys/{key_id}/revoke")
async def revoke_key(session: SessionDep, console: ConsoleDep, key_id: uuid.UUID) -> Response:
    await api_keys.revoke_key(session, console.scope, key_id)
    return see_other(f"{console.base}/api-keys")


async def _webhooks_page(
    request: Request, session: SessionDep, console: Console, status_code: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "admin/webhooks.html",
        status_code,
        title="Webhooks",
        console=console,
        endpoints=await webhooks.list_endpoints(session, console.scope),
        event_types=[e.value for e in EventType],
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/webhooks")
async def webhooks_page(request: Request, session: SessionDep, console: ConsoleDep) -> Response:
    return await _webhooks_page(request, session, console)


@router.post("/webhooks")
async def create_webhook(
    request: Request, session: SessionDep, settings: SettingsDep, console: ConsoleDep
) -> Response:
    form = await request.form()
    events = [v for v in form.getlist("events") if isinstance(v, str)]
    data = {"url": forms.text(form, "url"), "events": events}
    try:
        endpoint = await webhooks.create_endpoint(
            session,
            console.scope,
            forms.parse(WebhookCreate, data),
            allow_private=settings.webhook_allow_private,
        )
    except ClientbookError as exc:
        if not exc.errors:
            raise
        await session.rollback()
        return await _webhooks_page(
            request,
            session,
            console,
            exc.status_code,
            errors=errors_by_field(exc.errors),
            values=data,
        )
    return await _webhooks_page(request, session, console, 201, created=endpoint)


@router.post("/webhooks/{endpoint_id}/delete")
async def delete_webhook(
    session: SessionDep, console: ConsoleDep, endpoint_id: uuid.UUID
) -> Response:
    await webhooks.delete_endpoint(session, console.scope, endpoint_id)
    return see_other(f"{console.base}/webhooks")


@router.get("/webhooks/{endpoint_id}")
async def webhook_deliveries(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    endpoint_id: uuid.UUID,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """An endpoint's deliveries, newest first, with their attempts."""
    endpoint = await webhooks.get_endpoint(session, console.scope, endpoint_id)
    rows, total = await webhooks.deliveries_of(
        session, console.scope, endpoint_id, status=None, offset=(page - 1) * 25, limit=25
    )
    if not endpoint:
        raise NotFound("Webhook not found")
    return render(
        request,
        "admin/deliveries.html",
        title="Deliveries",
        console=console,
        endpoint=endpoint,
        deliveries=rows,
        total=total,
        page=page,
    )
