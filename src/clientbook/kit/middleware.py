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
REQUEST_ID_STATE = "request_id"


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
        # ``request.state.request_id``: the 500 handler runs outside this middleware (in
        # Starlette's ServerErrorMiddleware) and reads it from there.
        scope.setdefault("state", {})[REQUEST_ID_STATE] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
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
    """Refuse request bodies over the limit with 413.

    A body announced by ``Content-Length`` is refused before it is read. A JSON or form body
    without one (chunked) is read here, up to the limit, before the application sees it: an
    error raised while FastAPI reads the body would reach the client as a 400. Multipart
    uploads are streamed, not buffered: they are exempt unless ``multipart_max_bytes`` is
    given, and then counted as the application reads them.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        renderers: Renderers,
        multipart_max_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.renderers = renderers
        self.multipart_max_bytes = multipart_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD"):  # no handler reads their bodies
            await self.app(scope, receive, send)
            return
        multipart = self._is_multipart(scope)
        limit = self.multipart_max_bytes if multipart else self.max_bytes
        if limit is None:
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.strip().isdigit():
            if int(length) > limit:
                await self._refuse(scope, receive, send, limit)
                return
            # The server holds the body to its announced length.
            await self.app(scope, receive, send)
            return
        if multipart:
            await self.app(scope, self._counting(receive, limit), send)
            return
        messages = await self._read_capped(receive, limit)
        if messages is None:
            await self._refuse(scope, receive, send, limit)
            return
        await self.app(scope, self._replay(messages, receive), send)

    @staticmethod
    def _is_multipart(scope: Scope) -> bool:
        content_type: bytes = dict(scope["headers"]).get(b"content-type", b"")
        return content_type.lower().startswith(b"multipart/")

    @staticmethod
    async def _read_capped(receive: Receive, limit: int) -> list[Message] | None:
        """The body's messages, or None once they pass the limit."""
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            seen += len(message.get("body", b""))
            if seen > limit:
                return None
            if not message.get("more_body", False):
                return messages

    @staticmethod
    def _replay(messages: list[Message], receive: Receive) -> Receive:
        pending = list(messages)

        async def replayed() -> Message:
            if pending:
                return pending.pop(0)
            return await receive()

        return replayed

    def _counting(self, receive: Receive, limit: int) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise self._error(limit)
            return message

        return counted

    @staticmethod
    def _error(limit: int) -> PayloadTooLarge:
        return PayloadTooLarge(f"The request body is larger than {limit} bytes")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response: Any = self.renderers.render(Request(scope, receive), self._error(limit))
        await response(scope, receive, send)
