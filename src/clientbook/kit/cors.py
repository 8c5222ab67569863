"""CORS for the surfaces a shop's own pages call from the browser.

An origin is allowed when it is in ``origins`` (every store's, from the settings) or
among the origins of the store that claimed the request's host name (``store_origins``):
a store's list opens only its own domains. Allowed origins get credentials (cookies);
the answer names the origin itself, never ``*``. A preflight (``OPTIONS`` with
``Access-Control-Request-Method``) is answered here, so an ``OPTIONS`` without that
header still reaches the route (Aimeos' discovery). A refused preflight is a 403 in the
surface's error format; a refused simple request goes through without CORS headers, so
the browser keeps the answer from the page.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clientbook.kit.errors import Forbidden
from clientbook.kit.problem import Renderers

log = structlog.get_logger("clientbook.cors")

METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
HEADERS = ("authorization", "content-type", "x-csrf-token", "x-requested-with", "accept")
EXPOSED = "X-Request-ID, Location, Retry-After, ETag"
MAX_AGE = "600"

StoreOrigins = Callable[[str], Awaitable[frozenset[str]]]


class Cors:
    def __init__(
        self,
        app: ASGIApp,
        *,
        prefixes: tuple[str, ...],
        origins: frozenset[str],
        store_origins: StoreOrigins,
        renderers: Renderers,
    ) -> None:
        self.app = app
        self.prefixes = prefixes
        self.origins = origins
        self.store_origins = store_origins
        self.renderers = renderers

    def _applies(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.prefixes)

    async def _allowed(self, origin: str, host: str) -> bool:
        if origin in self.origins:
            return True
        try:
            return origin in await self.store_origins(host)
        except Exception:
            log.warning("cors_origins_unavailable")
            return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._applies(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin", "").strip().lower().rstrip("/")
        if not origin:
            await self.app(scope, receive, send)
            return
        allowed = await self._allowed(origin, headers.get("host", ""))
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(scope, receive, send, headers, origin, allowed)
            return
        await self.app(scope, receive, self._with_headers(send, origin, allowed))

    async def _preflight(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: Headers,
        origin: str,
        allowed: bool,
    ) -> None:
        response: Any
        if not allowed:
            error = Forbidden("This origin may not call this API from a browser")
            response = self.renderers.render(Request(scope, receive), error)
            response.headers["Vary"] = "Origin"
        else:
            asked = headers.get("access-control-request-headers", "")
            wanted = [h.strip().lower() for h in asked.split(",") if h.strip()]
            response = Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Credentials": "true",
                    "Access-Control-Allow-Methods": METHODS,
                    "Access-Control-Allow-Headers": ", ".join(h for h in wanted if h in HEADERS)
                    or ", ".join(HEADERS),
                    "Access-Control-Max-Age": MAX_AGE,
                    "Vary": "Origin",
                },
            )
        await response(scope, receive, send)

    @staticmethod
    def _with_headers(send: Send, origin: str, allowed: bool) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer = MutableHeaders(scope=message)
                answer.add_vary_header("Origin")
                if allowed:
                    answer["Access-Control-Allow-Origin"] = origin
                    answer["Access-Control-Allow-Credentials"] = "true"
                    answer["Access-Control-Expose-Headers"] = EXPOSED
            await send(message)

        return sending
