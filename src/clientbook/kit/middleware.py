"""ASGI middleware: request ids and access logs, and the request-body size limit."""

import re
import time
import uuid
from typing import Any

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clientbook.kit.errors import PayloadTooLarge
from clientbook.kit.problem import Renderers

log = structlog.get_logger("clientbook.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContext:
    """Gives each request an id (``X-Request-ID``), and logs one line when it ends.

    The query string is never logged: it may carry e-mail addresses or phone numbers.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")


class BodyLimit:
    """Refuse request bodies over the limit with 413 (multipart uploads set their own)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, renderers: Renderers) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.renderers = renderers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._exempt(scope):
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, self._counting(receive), send)

    def _exempt(self, scope: Scope) -> bool:
        content_type: bytes = dict(scope["headers"]).get(b"content-type", b"")
        return content_type.lower().startswith(b"multipart/")

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise self._error()
            return message

        return wrapped

    def _error(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"The request body is larger than {self.max_bytes} bytes")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response: Any = self.renderers.render(Request(scope, receive), self._error())
        await response(scope, receive, send)
