"""``/v1/stores/{store}/customers/import`` and ``/export`` (admin).

The import answers NDJSON, streamed as the batches commit: one line per row
(``{"row", "identifier", "result", "message"}``) and a last line ``{"summary": {...}}``.
A file that cannot be imported at all (unknown columns, not UTF-8, no format) is refused
with a 422 problem before anything is imported.
"""

import io
import logging
from collections.abc import AsyncIterator
from typing import IO, Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import UploadFile

from clientbook.deps import StoreScopeDep, get_database
from clientbook.kit.db import Database
from clientbook.kit.errors import ClientbookError, ValidationFailed
from clientbook.kit.requests import media_type
from clientbook.stores.scope import Role, StoreScope
from clientbook.transfer.exporter import export_text
from clientbook.transfer.formats import MEDIA_TYPES, Format, format_of_name, open_rows
from clientbook.transfer.importer import Mode, Summary, import_rows
from clientbook.transfer.rows import error_message

router = APIRouter(prefix="/v1/stores/{store}/customers", tags=["import and export"])
log = logging.getLogger("clientbook.transfer")

DatabaseDep = Annotated[Database, Depends(get_database)]
FormatQuery = Annotated[
    Format | None,
    Query(alias="format", description="csv or jsonl; by default from the body's media type"),
]
NDJSON = "application/x-ndjson"
CONTENT_TYPES = {Format.csv: "text/csv; charset=utf-8", Format.jsonl: NDJSON}

_FILE_SCHEMA = {"type": "string", "format": "binary"}
_FILE_EXAMPLES = {
    Format.csv: "first_name,last_name,email\nAda,Lovelace,ada@example.com\n",
    Format.jsonl: '{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}\n',
}
_REPORT_EXAMPLE = (
    '{"row": 1, "identifier": "ada@example.com", "result": "created", "message": ""}\n'
    '{"summary": {"rows": 1, "created": 1, "updated": 0, "skipped": 0, "errors": 0, '
    '"seconds": 0.01, "rows_per_second": 100.0}}\n'
)
_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": _FILE_SCHEMA},
                    "required": ["file"],
                },
            },
            **{
                kind: {"schema": _FILE_SCHEMA, "example": _FILE_EXAMPLES[fmt]}
                for kind, fmt in MEDIA_TYPES.items()
            },
        },
    }
}
_IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One JSON line per row, then a line with the summary",
        "content": {NDJSON: {"schema": {"type": "string"}, "example": _REPORT_EXAMPLE}},
    }
}
_EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The store's customers (not deleted), oldest first",
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": _FILE_EXAMPLES[Format.csv]},
            NDJSON: {"schema": {"type": "string"}, "example": _FILE_EXAMPLES[Format.jsonl]},
        },
    }
}


@router.post(
    "/import",
    response_class=StreamingResponse,
    responses=_IMPORT_RESPONSES,
    openapi_extra=_IMPORT_BODY,
)
async def import_customers(
    request: Request,
    scope: StoreScopeDep,
    database: DatabaseDep,
    mode: Annotated[Mode, Query(description="skip or update customers that exist")] = Mode.skip,
    format_: FormatQuery = None,
) -> StreamingResponse:
    """Import customers from CSV or JSON Lines: a multipart field ``file`` (large files),
    or the raw body as ``text/csv`` / ``application/x-ndjson`` (up to 1 MiB)."""
    scope.require(Role.admin)
    stream, fmt = await _upload(request, format_)
    rows = open_rows(stream, fmt)  # refuses a file it cannot read before the answer starts
    return StreamingResponse(_report(database, scope, rows, mode, stream), media_type=NDJSON)


async def _upload(request: Request, wanted: Format | None) -> tuple[IO[bytes], Format]:
    kind = media_type(request)
    name: str | None = None
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed.field("file", "send the file in the multipart field 'file'")
        stream: IO[bytes] = upload.file
        name = upload.filename
        kind = (upload.content_type or "").split(";")[0].strip().lower()
    else:
        stream = io.BytesIO(await request.body())
    fmt = wanted or MEDIA_TYPES.get(kind) or format_of_name(name)
    if fmt is None:
        raise ValidationFailed.field(
            "format", "cannot tell the file's format: give format=csv or format=jsonl"
        )
    return stream, fmt


async def _report(
    database: Database, scope: StoreScope, rows: Any, mode: Mode, stream: IO[bytes]
) -> AsyncIterator[bytes]:
    summary = Summary()
    ending: dict[str, Any] = {}
    try:
        async for reports in import_rows(database, scope, rows, mode):
            summary.add(reports)
            yield b"".join(orjson.dumps(r.as_dict()) + b"\n" for r in reports)
    except ClientbookError as exc:
        ending["error"] = error_message(exc)
    except SQLAlchemyError:
        log.exception("import stopped")
        ending["error"] = "the import stopped on a database error; the rows reported are saved"
    except Exception:
        log.exception("import stopped")
        ending["error"] = "the import stopped on an unexpected error; the rows reported are saved"
    finally:
        stream.close()
    yield orjson.dumps({"summary": summary.as_dict(), **ending}) + b"\n"


@router.get("/export", response_class=StreamingResponse, responses=_EXPORT_RESPONSES)
async def export_customers(
    scope: StoreScopeDep, database: DatabaseDep, format_: FormatQuery = None
) -> StreamingResponse:
    """The store's customers as CSV (default) or JSON Lines, streamed."""
    scope.require(Role.admin)
    fmt = format_ or Format.csv
    filename = f"customers-{scope.store_code}.{fmt.value}"

    async def body() -> AsyncIterator[bytes]:
        async for chunk in export_text(database, scope, fmt):
            yield chunk.encode()

    return StreamingResponse(
        body(),
        media_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
