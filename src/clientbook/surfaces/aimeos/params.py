"""Query parameters as Aimeos clients send them: plain (``related=address``) or under the
prefix that ``OPTIONS /jsonapi`` announces (``ai[related]=address``)."""

from fastapi import Request

from clientbook.kit.errors import BadRequest, FieldError

PREFIX = "ai"
MAX_LENGTH = 1000


def param(request: Request, name: str) -> str | None:
    """``name`` may hold brackets itself (``fields[customer]``)."""
    head, bracket, rest = name.partition("[")
    for key in (name, f"{PREFIX}[{head}]{bracket}{rest}"):
        value = request.query_params.get(key)
        if value is not None:
            if len(value) > MAX_LENGTH:
                message = f"must be at most {MAX_LENGTH} characters"
                raise BadRequest(f"{name}: {message}", errors=[FieldError(head, message)])
            return value
    return None
