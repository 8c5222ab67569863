"""A customer's files and points, from the customer's page."""

import uuid
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from clientbook.deps import SessionDep, SettingsDep, StorageDep
from clientbook.files import service as files
from clientbook.kit.errors import ClientbookError, NotFound, ValidationFailed
from clientbook.kit.requests import read_multipart
from clientbook.loyalty import points
from clientbook.loyalty.wallets import DEFAULT_CODE
from clientbook.surfaces.console import customers, forms
from clientbook.surfaces.console.deps import ConsoleDep
from clientbook.surfaces.console.render import errors_by_field, see_other

router = APIRouter(prefix="/console/{store}/customers/{customer_id}", include_in_schema=False)

# Shown inside the console (an <img> or a frame of the console's own pages), never run.
PREVIEW_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
)
PREVIEWABLE = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})


@router.post("/files")
async def upload_files(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    console: ConsoleDep,
    customer_id: uuid.UUID,
) -> Response:
    """Files dropped on the page (or picked): all checked first, then stored."""
    body = await read_multipart(request, max_files=settings.max_upload_files)
    uploads = [u for u in body.files if u.filename]
    try:
        if not uploads:
            raise ValidationFailed.field("file", "choose a file to upload")
        checked = files.check_uploads(uploads, settings.max_upload_bytes)
        await files.attach_files(session, console.scope, storage, customer_id, checked)
    except ClientbookError as exc:
        if isinstance(exc, NotFound):
            raise
        await session.rollback()
        message = exc.errors[0].message if exc.errors else exc.detail
        if "x-console-fetch" in request.headers:
            return JSONResponse({"field": "file", "message": message}, status_code=exc.status_code)
        return await customers.page_response(
            request,
            session,
            console,
            customer_id,
            status_code=exc.status_code,
            tab_errors={"files": {"file": message}},
        )
    return see_other(f"{console.base}/customers/{customer_id}#files")


async def _stream(
    session: SessionDep,
    storage: StorageDep,
    console: ConsoleDep,
    customer_id: uuid.UUID,
    file_id: uuid.UUID,
    inline: bool,
) -> StreamingResponse:
    record = await files.get_file(session, console.scope, customer_id, file_id)
    headers = {"Cache-Control": "private, no-store"}
    if inline and record.content_type in PREVIEWABLE:
        headers["Content-Disposition"] = "inline"
        headers["Content-Security-Policy"] = PREVIEW_POLICY
        headers["X-Frame-Options"] = "SAMEORIGIN"
    else:
        name = quote(record.original_name)
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return StreamingResponse(
        files.read_file(storage, record), media_type=record.content_type, headers=headers
    )


@router.get("/files/{file_id}")
async def download_file(
    session: SessionDep,
    storage: StorageDep,
    console: ConsoleDep,
    customer_id: uuid.UUID,
    file_id: uuid.UUID,
) -> StreamingResponse:
    return await _stream(session, storage, console, customer_id, file_id, inline=False)


@router.get("/files/{file_id}/preview")
async def preview_file(
    session: SessionDep,
    storage: StorageDep,
    console: ConsoleDep,
    customer_id: uuid.UUID,
    file_id: uuid.UUID,
) -> StreamingResponse:
    """Images and PDFs shown in the page; anything else downloads."""
    return await _stream(session, storage, console, customer_id, file_id, inline=True)


@router.post("/points")
async def write_points(
    request: Request, session: SessionDep, console: ConsoleDep, customer_id: uuid.UUID
) -> Response:
    """Add, spend or adjust points with a reason, as the ledger's rules allow."""
    form = await request.form()
    kind = forms.text(form, "type") or "earn"
    try:
        if kind not in ("earn", "spend", "adjust"):
            raise ValidationFailed.field("type", "must be earn, spend or adjust")
        try:
            amount = Decimal(forms.text(form, "amount") or "")
        except InvalidOperation:
            raise ValidationFailed.field("amount", "must be a number") from None
        if not amount.is_finite() or abs(amount) >= Decimal(10) ** 12:
            raise ValidationFailed.field("amount", "must be a number below 10^12")
        change = points.PointsChange(
            wallet=forms.text(form, "wallet") or DEFAULT_CODE,
            type=kind,  # type: ignore[arg-type]  # checked above
            amount=amount,
            reason=forms.text(form, "reason"),
            source="console",
        )
        await points.write_points(session, console.scope, customer_id, change)
    except ClientbookError as exc:
        if isinstance(exc, NotFound) and not exc.errors:
            raise
        await session.rollback()
        errors = errors_by_field(exc.errors) or {"amount": exc.detail}
        return await customers.page_response(
            request,
            session,
            console,
            customer_id,
            status_code=exc.status_code,
            tab_errors={"points": errors},
            values=None,
        )
    return see_other(f"{console.base}/customers/{customer_id}#loyalty")
