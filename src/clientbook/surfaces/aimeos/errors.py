"""Aimeos' error body: a JSON:API document with ``errors`` (status as a string, a title,
a detail, and the attribute at fault as ``source.pointer``), and the same ``meta`` as
every other answer, CSRF token included, so a client can retry with it."""

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from clientbook.kit.errors import ClientbookError, RetryLater
from clientbook.surfaces.aimeos.document import JSONAPI, JsonApiResponse, meta

PREFIX = "/jsonapi"


def pointer(field: str) -> str:
    """``/data/attributes/customer.email`` for an attribute; a path such as ``data`` or
    ``data.attributes`` as a JSON pointer; the query parameters as themselves."""
    if field.startswith(("customer.", "customer/")) or field in {"username", "password"}:
        return f"/data/attributes/{field}"
    return "/" + field.replace(".", "/")


def _error(status: int, title: str, detail: str, field: str | None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": str(status), "title": title, "detail": detail}
    if field is not None:
        if field in QUERY_PARAMETERS:
            error["source"] = {"parameter": field}
        else:
            error["source"] = {"pointer": pointer(field)}
    return error


QUERY_PARAMETERS = frozenset(
    {"id", "related", "relatedid", "include", "fields", "site", "_token", "query"}
)


def render(request: Request, error: ClientbookError) -> Response:
    status = 400 if error.status_code == 422 else error.status_code
    errors = [_error(status, error.title, e.message, e.field) for e in error.errors] or [
        _error(status, error.title, error.detail, None)
    ]
    if status == 400 and error.status_code == 422:
        for item in errors:
            item["title"] = "Bad Request"
    body = {"meta": meta(request, total=0), "errors": errors}
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RetryLater) else {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    response = JsonApiResponse(body, status_code=status, headers=headers)
    visitor = getattr(request.state, "aimeos_visitor", None)
    if visitor is not None:
        visitor.set_cookies(response)
    return response


__all__ = ["JSONAPI", "PREFIX", "render"]
