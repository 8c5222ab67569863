"""MOOD MNKY's error body. The document lists the status codes only, so every error
answers one shape that a front-end can show next to the field it names:

``{"success": false, "error": {"status": 400, "code": "VALIDATION_ERROR", "message": "...",
"field": "postalCode", "errors": [{"field": "postalCode", "message": "..."}]}}``

Field names are the document's (camelCase, ``state`` for the region, dotted paths into
nested objects); ``field`` is the first failing one, or null."""

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from clientbook.kit.errors import ClientbookError, FieldError, RetryLater

PREFIX = "/api/customers"

CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}

# Canonical names whose MOOD MNKY name is not their camelCase.
RENAMED = {"province": "state", "is_default": "isDefault"}


def field_name(request: Request, canonical: str) -> str:
    """A canonical (or already MOOD MNKY) field path as the document names it; a route
    may map whole names first (``phone`` → ``phoneNumber`` on the profile)."""
    names: dict[str, str] = getattr(request.state, "mood_fields", {})
    if canonical in names:
        return names[canonical]
    return ".".join(RENAMED.get(part, _camel(part)) for part in canonical.split("."))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def use_fields(request: Request, names: dict[str, str]) -> None:
    request.state.mood_fields = names


def render(request: Request, error: ClientbookError) -> Response:
    status = 400 if error.status_code == 422 else error.status_code
    errors = [FieldError(field_name(request, e.field), e.message) for e in error.errors]
    message = error.detail
    if errors and status == 400:
        message = "; ".join(f"{e.field}: {e.message}" for e in errors)
    code = "VALIDATION_ERROR" if errors and status == 400 else CODES.get(status, "ERROR")
    body = {
        "success": False,
        "error": {
            "status": status,
            "code": code,
            "message": message,
            "field": errors[0].field if errors else None,
            "errors": [{"field": e.field, "message": e.message} for e in errors],
        },
    }
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RetryLater) else {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, headers=headers)
