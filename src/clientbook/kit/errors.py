"""Domain errors. Each knows its HTTP status; every surface renders them in its own format."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


_LOCATIONS = ("body", "query", "path", "header", "cookie")


def field_errors(errors: Iterable[Mapping[str, Any]], *, default: str = "body") -> list[FieldError]:
    """Pydantic's errors as field errors: ``("body", "company", "name")`` → ``company.name``
    (list indexes stay numbers), without pydantic's "Value error, " prefix."""
    found = []
    for error in errors:
        parts = [str(part) for part in error.get("loc", ())]
        if parts and parts[0] in _LOCATIONS:
            parts = parts[1:]
        message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        found.append(FieldError(".".join(parts) or default, message))
    return found


class ClientbookError(Exception):
    """``keep_changes`` commits the request's transaction although the request fails
    (a failed sign-in is counted, a reused refresh token revokes its session)."""

    status_code = 400
    title = "Bad Request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        keep_changes: bool = False,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.keep_changes = keep_changes
        self.extra = dict(extra or {})  # members the canonical problem body adds


class BadRequest(ClientbookError):
    pass


class Unauthorized(ClientbookError):
    status_code = 401
    title = "Unauthorized"


class Forbidden(ClientbookError):
    status_code = 403
    title = "Forbidden"


class NotFound(ClientbookError):
    status_code = 404
    title = "Not Found"


class Conflict(ClientbookError):
    status_code = 409
    title = "Conflict"


class PreconditionFailed(ClientbookError):
    status_code = 412
    title = "Precondition Failed"


class PayloadTooLarge(ClientbookError):
    status_code = 413
    title = "Content Too Large"


class UnsupportedMediaType(ClientbookError):
    status_code = 415
    title = "Unsupported Media Type"


class ValidationFailed(ClientbookError):
    status_code = 422
    title = "Unprocessable Content"

    @classmethod
    def field(cls, field: str, message: str) -> "ValidationFailed":
        return cls(f"{field}: {message}", errors=[FieldError(field, message)])


class RetryLater(ClientbookError):
    """A refusal the client may try again after ``retry_after`` seconds (``Retry-After``)."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class TooManyRequests(RetryLater):
    status_code = 429
    title = "Too Many Requests"


class ServiceUnavailable(RetryLater):
    status_code = 503
    title = "Service Unavailable"
