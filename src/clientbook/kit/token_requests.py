"""Requests to the token endpoints (staff and customers): a JSON or OAuth2 form body read
into a model, and the answer kept out of every cache."""

from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from clientbook.kit.errors import UnsupportedMediaType, ValidationFailed
from clientbook.kit.problem import validation_error
from clientbook.kit.requests import is_json, media_type, read_json_or_form

Body = TypeVar("Body", bound=BaseModel)


async def parse_token_request(
    request: Request, model: type[Body], grant_type: str, form_aliases: dict[str, str]
) -> Body:
    """Read a JSON or form body; errors name the fields as the client sent them."""
    raw = await read_json_or_form(request)
    if raw is None:
        if not is_json(media_type(request)):
            raise UnsupportedMediaType("Send application/json or application/x-www-form-urlencoded")
        raw = {}  # an empty JSON body, or JSON null: every field is missing
    if not isinstance(raw, dict):
        raw = {"body": raw}
    aliases = form_aliases if media_type(request) == "application/x-www-form-urlencoded" else {}
    data: dict[str, Any] = {aliases.get(k, k): v for k, v in raw.items()}
    given_grant = data.pop("grant_type", None)
    if given_grant is not None and given_grant != grant_type:
        raise ValidationFailed.field("grant_type", f"must be {grant_type!r}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        names = {field: given for given, field in aliases.items()}
        errors = [
            {**error, "loc": tuple(names.get(str(part), part) for part in error["loc"])}
            for error in exc.errors()
        ]
        raise validation_error(RequestValidationError(errors)) from exc


def no_store(response: Response) -> None:
    """Tokens must not be kept by a browser or a proxy cache (RFC 6749, section 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
