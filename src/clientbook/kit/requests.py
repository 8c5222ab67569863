"""Reading request bodies whose encoding the client chooses."""

import json
from typing import Any

from fastapi import Request

from clientbook.kit.errors import BadRequest


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_json(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


async def read_json_or_form(request: Request) -> Any:
    """The body as JSON or as a url-encoded form; None for any other media type."""
    kind = media_type(request)
    if is_json(kind):
        try:
            return json.loads(await request.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BadRequest("The request body is not valid JSON") from exc
    if kind == "application/x-www-form-urlencoded":
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    return None
