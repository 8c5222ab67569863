"""Open Loyalty's avatar, Pushy token, registration statistics and anonymize endpoints."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from clientbook.customer_accounts import push_tokens
from clientbook.customers import service as customers
from clientbook.customers.anonymize import anonymize_customer
from clientbook.customers.stats import registrations
from clientbook.deps import SessionDep, SettingsDep, StorageDep
from clientbook.files import avatars
from clientbook.files.service import check_uploads, read_file
from clientbook.kit.db import utcnow
from clientbook.kit.errors import ValidationFailed
from clientbook.kit.requests import Upload, read_multipart
from clientbook.stores import service as stores
from clientbook.surfaces.openloyalty.access import AdminScope, CallerDep, require_self_or_staff
from clientbook.surfaces.openloyalty.dates import zone
from clientbook.surfaces.openloyalty.forms import read_params

router = APIRouter(prefix="/api/{storeCode}", tags=["Open Loyalty"])

CustomerRef = Annotated[
    str, Path(alias="customer", max_length=64, description="UUID or loyalty card number")
]
AVATAR_FIELD = "avatar[file]"
PUSHY_FIELD = "customer[pushyToken]"
_AVATAR_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {AVATAR_FIELD: {"type": "string", "format": "binary"}},
                    "required": [AVATAR_FIELD],
                }
            }
        },
        "required": True,
    }
}


# --- statistics (before /customer/{customer}, which would take "registrations") ----------


@router.get("/customer/registrations")
async def registration_stats(
    session: SessionDep,
    scope: AdminScope,
    interval: Annotated[Literal["day", "month", "year"], Query()] = "day",
    lastDays: Annotated[int, Query(ge=1, le=3660)] = 30,  # noqa: N803 (its parameter name)
) -> dict[str, int]:
    """New customers per day, month or year of the last ``lastDays`` days (30 by
    default), keyed by the period in the store's calendar."""
    store = await stores.get_store(session, scope)
    return await registrations(
        session,
        scope,
        last_days=lastDays,
        interval=interval,
        tz=zone(store.timezone),
        now=utcnow(),
    )


# --- avatar ---------------------------------------------------------------------------


@router.post("/customer/{customer}/avatar", status_code=204, openapi_extra=_AVATAR_BODY)
async def set_avatar(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    caller: CallerDep,
    ref: CustomerRef,
) -> Response:
    """Set the customer's avatar from ``avatar[file]`` (JPEG, PNG, WebP or HEIC, judged
    by content): 204. Staff, or the customer itself."""
    customer = await customers.customer_by_reference(session, caller.scope, ref)
    require_self_or_staff(caller, customer.id)
    body = await read_multipart(request, max_files=1)
    given = next((f for f in body.files if f.kind == AVATAR_FIELD), None)
    if given is None:
        raise ValidationFailed.field(AVATAR_FIELD, "send the image as avatar[file]")
    (checked,) = check_uploads(
        [Upload(kind=avatars.AVATAR, filename=given.filename, file=given.file)],
        settings.max_upload_bytes,
    )
    await avatars.set_avatar(session, caller.scope, storage, customer.id, checked)
    return Response(status_code=204)


@router.get("/customer/{customer}/avatar", response_class=StreamingResponse)
async def get_avatar(
    session: SessionDep, storage: StorageDep, caller: CallerDep, ref: CustomerRef
) -> StreamingResponse:
    """The avatar image itself; 404 when the customer has none."""
    customer = await customers.customer_by_reference(session, caller.scope, ref)
    require_self_or_staff(caller, customer.id)
    record = await avatars.get_avatar(session, caller.scope, customer.id)
    return StreamingResponse(
        read_file(storage, record),
        media_type=record.content_type,
        headers={
            "Content-Length": str(record.size),
            "ETag": f'"{record.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.delete("/customer/{customer}/avatar", status_code=204)
async def remove_avatar(
    session: SessionDep, storage: StorageDep, caller: CallerDep, ref: CustomerRef
) -> Response:
    """Remove the avatar: 204 (also when there was none)."""
    customer = await customers.customer_by_reference(session, caller.scope, ref)
    require_self_or_staff(caller, customer.id)
    await avatars.remove_avatar(session, caller.scope, storage, customer.id)
    return Response(status_code=204)


# --- Pushy tokens -----------------------------------------------------------------------


@router.get("/customer/{customer}/pushy-token")
async def list_pushy_tokens(
    session: SessionDep, caller: CallerDep, ref: CustomerRef
) -> dict[str, list[str]]:
    """The customer's push tokens: ``{"tokens": [...]}``."""
    customer = await customers.customer_by_reference(session, caller.scope, ref)
    require_self_or_staff(caller, customer.id)
    return {"tokens": await push_tokens.list_tokens(session, caller.scope, customer.id)}


def _token(params: dict[str, Any]) -> str:
    given = params.get("customer")
    value = given.get("pushyToken") if isinstance(given, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed.field(PUSHY_FIELD, "is required")
    if len(value.strip()) > 200:
        raise ValidationFailed.field(PUSHY_FIELD, "must be at most 200 characters")
    return value.strip()


@router.post("/customer/{customer}/pushy-token", status_code=204)
async def add_pushy_token(
    request: Request, session: SessionDep, caller: CallerDep, ref: CustomerRef
) -> Response:
    """Add a device's push token (``customer[pushyToken]``): 204."""
    customer = await customers.customer_by_reference(session, caller.scope, ref)
    require_self_or_staff(caller, customer.id)
    token = _token(await read_params(request))
    await push_tokens.add_token(session, caller.scope, customer.id, token)
    return Response(status_code=204)


@router.delete("/customer/{customer}/pushy-token/{tokenToRemove}", status_code=204)
async def remove_pushy_token(
    session: SessionDep,
    caller: CallerDep,
    ref: CustomerRef,
    token: Annotated[str, Path(alias="tokenToRemove", min_length=1, max_length=200)],
) -> Response:
    """Remove a push token: 204 (also when the customer did not have it)."""
    customer = await customers.customer_by_reference(session, caller.scope, ref)
    require_self_or_staff(caller, customer.id)
    await push_tokens.remove_token(session, caller.scope, customer.id, token)
    return Response(status_code=204)


# --- anonymize --------------------------------------------------------------------------


@router.post("/admin/customer/{customer}/anonymize", status_code=204)
async def anonymize(
    session: SessionDep, storage: StorageDep, scope: AdminScope, ref: CustomerRef
) -> Response:
    """Erase the customer's personal data for good; purchases and points stay: 204. A
    deleted customer can be anonymized too (by its UUID)."""
    try:
        customer_id = uuid.UUID(ref)
    except ValueError:
        customer_id = (await customers.customer_by_reference(session, scope, ref)).id
    await anonymize_customer(session, scope, storage, customer_id)
    return Response(status_code=204)
