"""Reading request bodies whose encoding the client chooses."""

import json
from dataclasses import dataclass
from typing import IO, Any

from fastapi import Request
from starlette.datastructures import UploadFile as StarletteUploadFile

from clientbook.kit import untrusted
from clientbook.kit.errors import BadRequest, FieldError, UnsupportedMediaType


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


async def read_json_or_form(request: Request) -> Any:
    """The body as JSON or as a url-encoded form; None for any other media type."""
    kind = media_type(request)
    if is_json(kind):
        body = await request.body()
        try:
            return json.loads(body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadRequest("The request body is not valid JSON") from exc
        except RecursionError:
            raise untrusted.refused(FieldError("body", untrusted.TOO_DEEP)) from None
    if kind == "application/x-www-form-urlencoded":
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    return None


@dataclass(frozen=True)
class Upload:
    """A file as the client sent it, under the form field that names its kind."""

    kind: str
    filename: str | None
    file: IO[bytes]


@dataclass(frozen=True)
class MultipartBody:
    fields: dict[str, str]
    files: list[Upload]


async def read_multipart(request: Request, *, max_files: int) -> MultipartBody:
    """A ``multipart/form-data`` body (or a url-encoded form, which has no files): its text
    fields and its files, by form field name."""
    if media_type(request) not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise UnsupportedMediaType("Send the request as multipart/form-data")
    form = await request.form(max_files=max_files, max_fields=100)
    fields: dict[str, str] = {}
    files: list[Upload] = []
    for name, value in form.multi_items():
        untrusted.check_text(name, "body")
        if isinstance(value, StarletteUploadFile):
            untrusted.check_text(value.filename or "", name)
            files.append(Upload(kind=name, filename=value.filename, file=value.file))
        else:
            untrusted.check_text(value, name)
            fields[name] = value
    return MultipartBody(fields, files)
