"""``POST /api/{storeCode}/admin/customer/import``: Open Loyalty's XML customer file.

The file (multipart ``file[file]``) is read twice as a stream with ``defusedxml``, never
as a tree: once to refuse a file that is not well-formed or holds a DTD (entity bombs,
external entities) with a 400 before anything is written, then row by row into the
canonical import pipeline (``transfer.importer``), whose batches commit as they go. The
answer is streamed too: ``{"items": [...], "totalProcessed", "totalSuccess",
"totalFailed"}``, one item per ``<customer>``.

The file::

    <customers>
      <customer>
        <firstName>John</firstName> <lastName>Doe</lastName> <gender>male</gender>
        <email>john@example.com</email> <phone>+48600100200</phone>
        <birthDate>1990-01-01</birthDate> <loyaltyCardNumber>123</loyaltyCardNumber>
        <agreement1>true</agreement1> <agreement2>false</agreement2>
        <company><name>ACME</name><nip>111</nip></company>
        <labels>vip:yes;source:shop</labels>
      </customer>
    </customers>
"""

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import UploadFile

from clientbook.deps import DatabaseDep
from clientbook.kit.db import Database
from clientbook.kit.errors import BadRequest, ClientbookError, ValidationFailed
from clientbook.kit.requests import media_type
from clientbook.stores.scope import StoreScope
from clientbook.surfaces.openloyalty.access import AdminScope
from clientbook.surfaces.openloyalty.customer_form import labels
from clientbook.transfer.formats import SourceRow
from clientbook.transfer.importer import Mode, import_rows
from clientbook.transfer.reports import Result, RowReport
from clientbook.transfer.rows import error_message

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/{storeCode}", tags=["Open Loyalty"])

FILE_FIELDS = ("file[file]", "file")
REQUIRED = ("firstName", "lastName", "gender")
GENDERS = ("male", "female", "not_disclosed")
_SIMPLE = {
    "firstName": "first_name",
    "lastName": "last_name",
    "gender": "gender",
    "email": "email",
    "phone": "phone",
    "loyaltyCardNumber": "loyalty_card_number",
}
_TRUE = ("1", "true", "yes", "on")
_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file[file]": {"type": "string", "format": "binary"}},
                    "required": ["file[file]"],
                }
            }
        },
        "required": True,
    }
}


def _events(stream: IO[bytes]) -> Iterator[tuple[str, Element]]:
    stream.seek(0)
    events: Iterator[tuple[str, Element]] = iterparse(
        stream,
        events=("start", "end"),
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    return events


def check_document(stream: IO[bytes]) -> None:
    """A well-formed document without a DTD, read through once in constant memory."""
    root: Element | None = None
    try:
        for event, element in _events(stream):
            if root is None:
                root = element
            elif event == "end" and element.tag == "customer":
                root.clear()
    except DefusedXmlException:
        raise BadRequest("file[file]: a DTD or entity is not allowed in the XML") from None
    except ParseError as exc:
        raise BadRequest(f"file[file]: the XML is not well-formed ({exc})") from None
    if root is None:
        raise BadRequest("file[file]: the XML is empty")


def rows(stream: IO[bytes]) -> Iterator[SourceRow]:
    """Each ``<customer>`` as a row of canonical fields, one at a time."""
    root: Element | None = None
    depth, number = 0, 0
    for event, element in _events(stream):
        if event == "start":
            depth += 1
            root = root if root is not None else element
            continue
        depth -= 1
        if depth == 1 and element.tag == "customer":
            number += 1
            yield convert(number, element)
            assert root is not None
            root.clear()  # what is converted leaves memory


def _text(element: Element, name: str) -> str | None:
    found = element.find(name)
    if found is None:
        return None
    text = (found.text or "").strip()
    return text or None


def convert(number: int, element: Element) -> SourceRow:
    """One ``<customer>`` as canonical values, or Open Loyalty's convert exception."""
    values: dict[str, Any] = {}
    for name in REQUIRED:
        if _text(element, name) is None:
            return SourceRow(
                number, _identity(element), f"Convert exception: {name} is required node"
            )
    for name, field in _SIMPLE.items():
        if (text := _text(element, name)) is not None:
            values[field] = text
    if values["gender"] not in GENDERS:
        return SourceRow(
            number,
            _identity(element),
            "Convert exception: gender has invalid value (male, female or not_disclosed)",
        )
    if (birth := _text(element, "birthDate")) is not None:
        try:
            values["birth_date"] = date.fromisoformat(birth[:10]).isoformat()
        except ValueError:
            message = "Convert exception: birthDate has invalid date format (Y-m-d required)"
            return SourceRow(number, _identity(element), message)
    consents = {
        name: text.lower() in _TRUE
        for name in ("agreement1", "agreement2", "agreement3")
        if (text := _text(element, name)) is not None
    }
    if consents:
        values["consents"] = consents
    company = element.find("company")
    if company is not None and (_text(company, "name") or _text(company, "nip")):
        values["company"] = {"name": _text(company, "name"), "tax_id": _text(company, "nip")}
    found = _labels(element)
    if found:
        values["labels"] = found
    return SourceRow(number, values)


def _identity(element: Element) -> dict[str, Any]:
    """What names a row that cannot be converted: its e-mail (the report's identifier)."""
    email = _text(element, "email")
    return {"email": email} if email else {}


def _labels(element: Element) -> list[dict[str, str]]:
    given = element.find("labels")
    if given is None:
        return []
    nested = [
        {"key": (label.findtext("key") or "").strip(), "value": (label.findtext("value") or "")}
        for label in given.findall("label")
    ]
    if nested:
        return [label for label in nested if label["key"]]
    return labels((given.text or "").strip() or None) or []


def _item(report: RowReport) -> dict[str, Any]:
    if report.result in (Result.created, Result.updated) and report.customer_id is not None:
        return {
            "status": "success",
            "processImportResult": {"object": str(report.customer_id)},
            "identifier": report.identifier,
        }
    return {"status": "error", "message": report.message, "identifier": report.identifier}


async def _answer(database: Database, scope: StoreScope, stream: IO[bytes]) -> AsyncIterator[bytes]:
    processed = success = 0
    ending: dict[str, Any] = {}
    yield b'{"items":['
    try:
        async for reports in import_rows(database, scope, rows(stream), Mode.skip):
            items = [_item(report) for report in reports]
            chunk = b",".join(orjson.dumps(item) for item in items)
            yield (b"," if processed else b"") + chunk
            processed += len(items)
            success += sum(1 for item in items if item["status"] == "success")
    except ClientbookError as exc:
        ending["error"] = error_message(exc)
    except SQLAlchemyError:
        log.exception("import stopped")
        ending["error"] = "the import stopped on a database error; the items listed are saved"
    except Exception:
        log.exception("import stopped")
        ending["error"] = "the import stopped on an unexpected error; the items listed are saved"
    finally:
        stream.close()
    totals = {
        "totalProcessed": processed,
        "totalSuccess": success,
        "totalFailed": processed - success,
        **ending,
    }
    yield b"]," + orjson.dumps(totals)[1:]


@router.post("/admin/customer/import", response_class=StreamingResponse, openapi_extra=_BODY)
async def import_customers(
    request: Request, database: DatabaseDep, scope: AdminScope
) -> StreamingResponse:
    """Import customers from Open Loyalty's XML file (``file[file]``): one item per
    ``<customer>``, ``success`` with the customer's id or ``error`` with why."""
    if media_type(request) != "multipart/form-data":
        raise ValidationFailed.field("file[file]", "send the XML file as multipart file[file]")
    form = await request.form(max_files=1, max_fields=10)
    upload = next((v for name in FILE_FIELDS if isinstance(v := form.get(name), UploadFile)), None)
    if upload is None:
        raise ValidationFailed.field("file[file]", "send the XML file as multipart file[file]")
    check_document(upload.file)
    return StreamingResponse(_answer(database, scope, upload.file), media_type="application/json")
