"""Importing a file with live progress, and exporting the store's customers (admin)."""

import logging
from collections.abc import AsyncIterator
from typing import IO, Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import UploadFile

from clientbook.deps import DatabaseDep
from clientbook.kit.errors import ClientbookError, ValidationFailed
from clientbook.stores.scope import Role, StoreScope
from clientbook.surfaces.console.deps import ConsoleDep
from clientbook.surfaces.console.render import render
from clientbook.transfer.exporter import export_text
from clientbook.transfer.formats import Format, format_of_name, open_rows
from clientbook.transfer.importer import Mode, Summary, import_rows
from clientbook.transfer.rows import error_message

router = APIRouter(prefix="/console/{store}", include_in_schema=False)
log = logging.getLogger("clientbook.console")
NDJSON = "application/x-ndjson"
BATCH_SIZE = 1000  # smaller than the API's: the progress bar moves more often


@router.get("/import")
async def import_page(request: Request, console: ConsoleDep) -> Response:
    console.scope.require(Role.admin)
    return render(request, "transfer.html", title="Import and export", console=console)


@router.post("/import")
async def import_file(
    request: Request,
    database: DatabaseDep,
    console: ConsoleDep,
    mode: Annotated[Mode, Query()] = Mode.skip,
) -> StreamingResponse:
    """The import's progress as JSON lines: after each batch the rows done so far and the
    rows that failed; a last line with the summary. The page draws them as they come."""
    console.scope.require(Role.admin)
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationFailed.field("file", "choose a CSV or JSON Lines file")
    fmt = format_of_name(upload.filename)
    if fmt is None:
        raise ValidationFailed.field("file", "name the file .csv or .jsonl")
    rows = open_rows(upload.file, fmt)
    return StreamingResponse(
        _progress(database, console.scope, rows, mode, upload.file), media_type=NDJSON
    )


async def _progress(
    database: DatabaseDep, scope: StoreScope, rows: Any, mode: Mode, stream: IO[bytes]
) -> AsyncIterator[bytes]:
    summary = Summary()
    ending: dict[str, Any] = {}
    done = 0
    try:
        async for reports in import_rows(database, scope, rows, mode, batch_size=BATCH_SIZE):
            summary.add(reports)
            done += len(reports)
            failed = [r.as_dict() for r in reports if r.result.value == "error"]
            yield orjson.dumps({"done": done, "failed": failed}) + b"\n"
    except ClientbookError as exc:
        ending["error"] = error_message(exc)
    except SQLAlchemyError:
        log.exception("console import stopped")
        ending["error"] = "the import stopped on a database error; the rows reported are saved"
    finally:
        stream.close()
    yield orjson.dumps({"summary": summary.as_dict(), **ending}) + b"\n"


@router.get("/export")
async def export_file(
    database: DatabaseDep,
    console: ConsoleDep,
    format_: Annotated[Format, Query(alias="format")] = Format.csv,
) -> StreamingResponse:
    console.scope.require(Role.admin)
    scope = console.scope

    async def body() -> AsyncIterator[bytes]:
        async for chunk in export_text(database, scope, format_):
            yield chunk.encode()

    media = "text/csv; charset=utf-8" if format_ is Format.csv else NDJSON
    name = f"customers-{scope.store_code}.{format_.value}"
    return StreamingResponse(
        body(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
