"""Customer files: CSV (a header row of canonical field names) and JSON Lines.

Reading is streaming: lines are read one at a time (each at most ``MAX_LINE_BYTES``), so
memory does not grow with the file. A row that cannot be read (bad UTF-8, bad JSON, the
wrong number of cells) becomes a ``SourceRow`` with a ``problem``; only a file that cannot
be read at all (no header, unknown columns, not UTF-8 at the start) is refused up front.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any

import orjson

from clientbook.customers.fields import CustomerData
from clientbook.customers.schemas import CustomerCreate
from clientbook.customers.serialize import customer_document
from clientbook.kit.errors import FieldError, ValidationFailed
from clientbook.kit.responses import json_values
from clientbook.transfer import formulas


class Format(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


WRITABLE = list(CustomerCreate.model_fields)
JSON_FIELDS = frozenset({"labels", "consents", "preferences", "metadata"})
COMPANY_COLUMNS = {"company_name": "name", "company_tax_id": "tax_id"}
READ_ONLY = frozenset(
    {
        "id",
        "store_id",
        "name",
        "created_at",
        "updated_at",
        "deleted_at",
        "version",
        "level_id",
        "pos_id",
        "seller_id",
        "user_id",
        "linked_store_id",
    }
)

# What an export writes, in order: the id, the writable fields, status, is_active, times.
EXPORT_KEYS = [
    "id",
    *(name for name in WRITABLE if name not in ("status", "is_active")),
    "status",
    "is_active",
    "created_at",
    "updated_at",
]
CSV_COLUMNS = [
    column
    for key in EXPORT_KEYS
    for column in (list(COMPANY_COLUMNS) if key == "company" else [key])
]
CSV_ACCEPTED = frozenset(CSV_COLUMNS) | READ_ONLY
JSONL_ACCEPTED = frozenset(WRITABLE) | READ_ONLY

MAX_LINE_BYTES = 1024 * 1024
ENCODING_SAMPLE_BYTES = 64 * 1024
EXTENSIONS = {".csv": Format.csv, ".jsonl": Format.jsonl, ".ndjson": Format.jsonl}
MEDIA_TYPES = {
    "text/csv": Format.csv,
    "application/csv": Format.csv,
    "application/x-ndjson": Format.jsonl,
    "application/jsonl": Format.jsonl,
    "application/x-jsonlines": Format.jsonl,
}


class FileRefused(ValidationFailed):
    """The file cannot be imported at all; nothing was imported."""

    def __init__(self, message: str) -> None:
        super().__init__(message, errors=[FieldError("file", message)])


def format_of_name(name: str | None) -> Format | None:
    """The format a file name's extension stands for (``.csv``, ``.jsonl``, ``.ndjson``)."""
    if not name:
        return None
    lower = name.lower()
    return next((fmt for ext, fmt in EXTENSIONS.items() if lower.endswith(ext)), None)


@dataclass(frozen=True)
class SourceRow:
    """One row as read: canonical field names (read-only ones dropped; the ``id`` kept
    apart), or why it could not be read. ``number`` counts data rows from 1 (the line after
    a CSV header; the line of a JSON Lines file). ``flat_company`` marks CSV rows, whose
    two company columns are independent cells."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    flat_company: bool = False
    id: Any = None  # the customer id the row carries (an export's), as written


# --- reading ------------------------------------------------------------------------------


class _Lines:
    """Decoded lines of a binary stream, remembering the problems of the last ones read."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.problems: list[str] = []
        self.first = True

    def __iter__(self) -> Iterator[str]:
        while True:
            raw = self.stream.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            if self.first:
                raw = raw.removeprefix(codecs.BOM_UTF8)
                self.first = False
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                self._skip_rest_of_line()
                self.problems.append(f"the row is longer than {MAX_LINE_BYTES} bytes")
                yield "\n"
                continue
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.problems.append(_not_utf8(exc, "the row"))
                yield raw.decode("utf-8", "replace")

    def _skip_rest_of_line(self) -> None:
        while chunk := self.stream.readline(MAX_LINE_BYTES):
            if chunk.endswith(b"\n"):
                return

    def take_problem(self) -> str | None:
        problem = self.problems[0] if self.problems else None
        self.problems.clear()
        return problem


def _not_utf8(exc: UnicodeDecodeError, what: str) -> str:
    byte = exc.object[exc.start : exc.start + 1].hex()
    return f"{what} is not UTF-8 text (byte 0x{byte} at position {exc.start})"


def _check_utf8(stream: IO[bytes]) -> None:
    """Refuse a file whose start is not UTF-8 (a Latin-1 or UTF-16 export, say)."""
    if ENCODING_SAMPLE_BYTES <= 0 or not stream.seekable():
        return
    start = stream.tell()
    sample = stream.read(ENCODING_SAMPLE_BYTES)
    stream.seek(start)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise FileRefused(
            _not_utf8(exc, "the file") + "; save it as UTF-8 and import it again"
        ) from exc


def open_rows(stream: IO[bytes], fmt: Format) -> Iterator[SourceRow]:
    """Check the file's start (encoding; the CSV header) now, and read its rows lazily."""
    _check_utf8(stream)
    lines = _Lines(stream)
    if fmt is Format.csv:
        return _csv_rows(lines)
    return _jsonl_rows(lines)


def _csv_rows(lines: _Lines) -> Iterator[SourceRow]:
    reader = csv.reader(iter(lines), strict=True)
    header = _csv_header(reader, lines)

    def rows() -> Iterator[SourceRow]:
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                lines.take_problem()
                yield SourceRow(number, problem=f"the row is not valid CSV: {exc}")
                continue
            number += 1
            problem = lines.take_problem()
            if problem:
                yield SourceRow(number, problem=problem)
            elif any(cell.strip() for cell in cells):
                yield _csv_row(number, header, cells)

    return rows()


def _csv_header(reader: Any, lines: _Lines) -> list[str]:
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise FileRefused("the file is empty: the first row must name the columns") from None
    except csv.Error as exc:
        raise FileRefused(f"the header row is not valid CSV: {exc}") from exc
    problem = lines.take_problem()
    if problem:
        raise FileRefused(f"the header row {problem.removeprefix('the row ')}")
    if any(not name for name in header):
        position = next(i for i, name in enumerate(header, 1) if not name)
        raise FileRefused(f"column {position} of the header row has no name")
    unknown = [name for name in header if name not in CSV_ACCEPTED]
    if unknown:
        raise FileRefused(
            f"unknown columns: {', '.join(unknown)} (columns are canonical field names, "
            "like first_name, email, company_name)"
        )
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise FileRefused(f"columns named more than once: {', '.join(twice)}")
    return header


def _csv_row(number: int, header: list[str], cells: list[str]) -> SourceRow:
    if len(cells) != len(header):
        return SourceRow(
            number, problem=f"the row has {len(cells)} cells, the header row has {len(header)}"
        )
    values: dict[str, Any] = {}
    company: dict[str, str] = {}
    problems = []
    given_id = None
    for name, raw in zip(header, cells, strict=True):
        cell = raw if name in JSON_FIELDS else formulas.restore(raw)
        if name == "id" and cell.strip():
            given_id = cell
        if name in READ_ONLY or not cell.strip():
            continue  # an empty cell is a field not given
        if name in COMPANY_COLUMNS:
            company[COMPANY_COLUMNS[name]] = cell
        elif name in JSON_FIELDS:
            try:
                values[name] = orjson.loads(cell)
            except orjson.JSONDecodeError:
                problems.append(f"{name}: is not valid JSON")
        else:
            values[name] = cell
    if company:
        values["company"] = company
    problem = "; ".join(problems) or None
    return SourceRow(number, values, problem=problem, flat_company=True, id=given_id)


def _jsonl_rows(lines: _Lines) -> Iterator[SourceRow]:
    for number, line in enumerate(lines, 1):
        problem = lines.take_problem()
        if problem:
            yield SourceRow(number, problem=problem)
            continue
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield SourceRow(number, problem=f"the line is not valid JSON: {exc}")
            continue
        if not isinstance(value, dict):
            yield SourceRow(number, problem="the line is not a JSON object")
            continue
        values = {k: v for k, v in value.items() if k not in READ_ONLY}
        yield SourceRow(number, values, id=value.get("id"))


# --- writing ------------------------------------------------------------------------------


def export_record(customer: CustomerData) -> dict[str, Any]:
    """The customer as export writes it: canonical JSON values, consents as written."""
    out = json_values(customer_document(customer))
    record = {key: out[key] for key in EXPORT_KEYS}
    record["consents"] = {name: value["granted"] for name, value in out["consents"].items()}
    return record


def csv_header() -> str:
    return _csv_text([CSV_COLUMNS])


def csv_lines(records: list[dict[str, Any]]) -> str:
    return _csv_text([[_cell(column, record) for column in CSV_COLUMNS] for record in records])


def jsonl_lines(records: list[dict[str, Any]]) -> str:
    return "".join(orjson.dumps(record).decode() + "\n" for record in records)


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _cell(column: str, record: dict[str, Any]) -> str:
    if column in COMPANY_COLUMNS:
        value = (record["company"] or {}).get(COMPANY_COLUMNS[column])
    else:
        value = record[column]
    if value is None or value in ([], {}):
        return ""
    if column in JSON_FIELDS:
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return formulas.neutralise(str(value))
