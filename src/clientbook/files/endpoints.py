"""``/v1/stores/{store}/customers/{id}/files``: a customer's attachments."""

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from clientbook.deps import SessionDep, SettingsDep, StorageDep, StoreScopeDep
from clientbook.files import service
from clientbook.files.schemas import FileOut
from clientbook.kit.errors import ValidationFailed
from clientbook.kit.requests import read_multipart

router = APIRouter(prefix="/v1/stores/{store}/customers/{customer_id}/files", tags=["files"])

_UPLOAD_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "additionalProperties": {"type": "string", "format": "binary"},
                    "description": "One or more files; each form field name is the file's kind",
                }
            }
        },
        "required": True,
    }
}


@router.post(
    "", status_code=201, response_model=dict[str, list[FileOut]], openapi_extra=_UPLOAD_BODY
)
async def upload_files(
    customer_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    scope: StoreScopeDep,
    settings: SettingsDep,
    storage: StorageDep,
) -> dict[str, list[FileOut]]:
    """Attach files (PDF, JPEG, PNG, WebP, HEIC); the form field name is each file's kind."""
    body = await read_multipart(request, max_files=settings.max_upload_files)
    if not body.files:
        raise ValidationFailed.field("file", "send at least one file")
    checked = service.check_uploads(body.files, settings.max_upload_bytes)
    records = await service.attach_files(session, scope, storage, customer_id, checked)
    return {"data": [FileOut.model_validate(r) for r in records]}


@router.get("", response_model=dict[str, list[FileOut]])
async def list_files(
    customer_id: uuid.UUID,
    session: SessionDep,
    scope: StoreScopeDep,
    kind: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, list[FileOut]]:
    """The customer's files, oldest first; ``kind`` filters by form field name."""
    records = await service.list_files(session, scope, customer_id, kind)
    return {"data": [FileOut.model_validate(r) for r in records]}


@router.get("/{file_id}", response_model=FileOut)
async def get_file(
    customer_id: uuid.UUID, file_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> FileOut:
    """A file's details."""
    return FileOut.model_validate(await service.get_file(session, scope, customer_id, file_id))


@router.get("/{file_id}/content", response_class=StreamingResponse)
async def download_file(
    customer_id: uuid.UUID,
    file_id: uuid.UUID,
    session: SessionDep,
    scope: StoreScopeDep,
    storage: StorageDep,
) -> StreamingResponse:
    """The file itself, streamed, as an attachment."""
    record = await service.get_file(session, scope, customer_id, file_id)
    disposition = f"attachment; filename*=UTF-8''{quote(record.original_name)}"
    return StreamingResponse(
        service.read_file(storage, record),
        media_type=record.content_type,
        headers={
            "Content-Length": str(record.size),
            "Content-Disposition": disposition,
            "ETag": f'"{record.sha256}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.delete("/{file_id}", status_code=204)
async def delete_file(
    customer_id: uuid.UUID,
    file_id: uuid.UUID,
    session: SessionDep,
    scope: StoreScopeDep,
    storage: StorageDep,
) -> Response:
    """Remove a file (admin)."""
    await service.delete_file(session, scope, storage, customer_id, file_id)
    return Response(status_code=204)
