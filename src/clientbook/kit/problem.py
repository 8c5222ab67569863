"""Error rendering. The canonical API speaks RFC 9457 problem+json; each compatibility
surface registers its own renderer for its path prefix."""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from clientbook.kit.db import LOST_RACE, lost_race, unavailable_reason
from clientbook.kit.errors import (
    BadRequest,
    ClientbookError,
    Conflict,
    RetryLater,
    ServiceUnavailable,
    ValidationFailed,
    field_errors,
)

Renderer = Callable[[Request, ClientbookError], Response]

log = structlog.get_logger("clientbook.errors")


def problem_response(request: Request, error: ClientbookError) -> Response:
    body: dict[str, object] = {
        "type": "about:blank",
        "title": error.title,
        "status": error.status_code,
        "detail": error.detail,
        "instance": request.url.path,
    }
    if error.errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    body.update({k: v for k, v in error.extra.items() if k not in body})
    headers = {}
    if isinstance(error, RetryLater):
        headers["Retry-After"] = str(error.retry_after)
    if error.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(
        body, status_code=error.status_code, media_type="application/problem+json", headers=headers
    )


class Renderers:
    """Picks the error renderer of the surface that owns the request's path."""

    def __init__(self) -> None:
        self._by_prefix: list[tuple[str, Renderer]] = []

    def register(self, prefix: str, renderer: Renderer) -> None:
        self._by_prefix.append((prefix, renderer))
        self._by_prefix.sort(key=lambda item: len(item[0]), reverse=True)

    def render(self, request: Request, error: ClientbookError) -> Response:
        path = request.url.path
        for prefix, renderer in self._by_prefix:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return renderer(request, error)
        return problem_response(request, error)


def validation_error(exc: RequestValidationError) -> ClientbookError:
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return BadRequest("The request body is not valid JSON")
    found = field_errors(errors)
    summary = "; ".join(f"{e.field}: {e.message}" for e in found)
    return ValidationFailed(summary or "The request is not valid", errors=found)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path. (The router's own 405 names only the
    methods of the first route whose path matched, so ``Allow`` would be incomplete.)"""
    routes = request.app.router.routes
    allowed = []
    for method in _METHODS:
        probe: dict[str, Any] = {
            "type": "http",
            "path": request.scope["path"],
            "root_path": request.scope.get("root_path", ""),
            "method": method,
            "headers": [],
            "query_string": b"",
        }
        if any(route.matches(dict(probe))[0] is Match.FULL for route in routes):
            allowed.append(method)
    return allowed


def install(app: FastAPI, renderers: Renderers) -> None:
    async def on_domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ClientbookError)
        return renderers.render(request, exc)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return renderers.render(request, validation_error(exc))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        error = ClientbookError(str(exc.detail))
        error.status_code = exc.status_code
        error.title = HTTPStatus(exc.status_code).phrase
        response = renderers.render(request, error)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        return response

    async def on_stale(request: Request, exc: Exception) -> Response:
        return renderers.render(
            request, Conflict("The record was changed by another request; fetch it and retry")
        )

    async def on_database_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DBAPIError)
        if lost_race(exc):
            # Races are meant to answer 409 by design; log the one that was not foreseen
            # (its SQLSTATE only: the server's message may quote the rows' values).
            sqlstate = getattr(exc.orig, "sqlstate", None)
            log.warning("database_lost_race", path=request.url.path, sqlstate=sqlstate)
            return renderers.render(request, Conflict(LOST_RACE))
        reason = unavailable_reason(exc)
        if reason is None:
            return await on_unexpected(request, exc)
        # A lost connection has been dropped from the pool, and a full server frees up:
        # either way the same request succeeds when it is sent again.
        log.warning("database_unavailable", path=request.url.path, reason=reason)
        return renderers.render(request, ServiceUnavailable(reason, retry_after=1))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        # This runs in Starlette's outermost middleware, after RequestContext has finished:
        # the request id is read from the request's state, for the log line and the header.
        request_id = getattr(request.state, "request_id", None)
        log.exception("unhandled_error", path=request.url.path, request_id=request_id)
        error = ClientbookError("An unexpected error occurred")
        error.status_code = 500
        error.title = "Internal Server Error"
        response = renderers.render(request, error)
        if request_id and "x-request-id" not in response.headers:
            response.headers["X-Request-ID"] = request_id
        return response

    app.add_exception_handler(ClientbookError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(StaleDataError, on_stale)
    app.add_exception_handler(DBAPIError, on_database_error)
    app.add_exception_handler(Exception, on_unexpected)
