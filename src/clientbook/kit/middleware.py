"""ASGI middleware: request ids and access logs, the request-body size limit, and the
refusal of input no route can keep."""

import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

import structlog
from opentelemetry import trace
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clientbook.kit import metrics, untrusted
from clientbook.kit.errors import ClientbookError, FieldError, PayloadTooLarge
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
        # The request's span when tracing is on (kit/tracing.py); a no-op otherwise.
        trace.get_current_span().set_attribute("clientbook.request_id", request_id)
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
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or metrics.UNMATCHED
            metrics.observe_request(route, scope["method"], status, seconds)
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status,
                duration_ms=round(seconds * 1000, 2),
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
        messages = await _read_body(receive, limit)
        if messages is None:
            await self._refuse(scope, receive, send, limit)
            return
        await self.app(scope, _replay(messages, receive), send)

    @staticmethod
    def _is_multipart(scope: Scope) -> bool:
        content_type: bytes = dict(scope["headers"]).get(b"content-type", b"")
        return content_type.lower().startswith(b"multipart/")

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


async def _read_body(receive: Receive, limit: int | None = None) -> list[Message] | None:
    """The body's messages, or None once they pass the limit."""
    messages: list[Message] = []
    seen = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        seen += len(message.get("body", b""))
        if limit is not None and seen > limit:
            return None
        if not message.get("more_body", False):
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


_FORM = b"application/x-www-form-urlencoded"


class UntrustedInput:
    """Refuse with 400 a path, query or body value that no route can keep (a NUL, a lone
    surrogate, a JSON document nested too deeply or holding a number too large; see
    ``kit.untrusted``), naming the parameter or field, in the surface's error format.

    It sits inside ``BodyLimit``, so the JSON and form bodies it reads are bounded. A body
    is parsed a second time only when its bytes could hold such a value. Multipart bodies
    stream past it; ``kit.requests.read_multipart`` checks their fields.
    """

    def __init__(self, app: ASGIApp, *, renderers: Renderers) -> None:
        self.app = app
        self.renderers = renderers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _path_problem(scope) or _query_problem(scope["query_string"])
        kind = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if problem is None and (kind == _FORM or _is_json(kind)):
            messages = await _read_body(receive) or []
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
            problem = _form_problem(body) if kind == _FORM else untrusted.json_body_problem(body)
            receive = _replay(messages, receive)
        if problem is None:
            await self.app(scope, receive, send)
            return
        error: ClientbookError = untrusted.refused(problem)
        response: Any = self.renderers.render(Request(scope, receive), error)
        await response(scope, receive, send)


def _is_json(kind: bytes) -> bool:
    return kind == b"application/json" or kind.endswith(b"+json")


def _path_problem(scope: Scope) -> FieldError | None:
    path: str = scope["path"]
    message = untrusted.text_problem(path)
    if message is None:
        return None
    return FieldError(_path_parameter(scope, path) or "path", message)


_TEMPLATE_PARAM = re.compile(r"\{([^}:]+)[^}]*\}")


def _path_parameter(scope: Scope, path: str) -> str | None:
    """The name of the path parameter that holds the bad value, by the operation whose
    path template (in the app's OpenAPI document) matches."""
    openapi = getattr(scope.get("app"), "openapi", None)
    templates = openapi().get("paths", {}) if callable(openapi) else {}
    for template in templates:
        parts = _TEMPLATE_PARAM.split(template)
        # split() alternates literal text and parameter names
        pattern = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
        )
        matched = re.fullmatch(pattern, path)
        if matched is None:
            continue
        for name, value in matched.groupdict().items():
            if untrusted.text_problem(value):
                return name
    return None


def _query_problem(query: bytes) -> FieldError | None:
    return _pairs_problem(query, "query")


def _form_problem(body: bytes) -> FieldError | None:
    return _pairs_problem(body, "body")


def _pairs_problem(encoded: bytes, where: str) -> FieldError | None:
    """A url-encoded value (or name) holding a NUL; percent-decoding replaces bytes that
    are not UTF-8, so it cannot make a surrogate."""
    if b"%00" not in encoded and b"\x00" not in encoded:
        return None
    for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True):
        if untrusted.text_problem(name):
            return FieldError(where, f"has a parameter name that {untrusted.NUL}")
        if untrusted.text_problem(value):
            return FieldError(name, untrusted.NUL)
    return None
