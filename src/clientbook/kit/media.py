"""415 for a body the canonical API cannot read (it speaks JSON)."""

from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from clientbook.kit.errors import UnsupportedMediaType
from clientbook.kit.problem import Renderers

_BODY_METHODS = {"POST", "PUT", "PATCH"}


class RequireJSON:
    def __init__(
        self, app: ASGIApp, *, prefix: str, renderers: Renderers, form_paths: frozenset[str]
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.renderers = renderers
        self.form_paths = form_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._refused(scope):
            error = UnsupportedMediaType("Send the request body as application/json")
            response: Any = self.renderers.render(Request(scope, receive), error)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refused(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if scope["method"] not in _BODY_METHODS or not path.startswith(self.prefix + "/"):
            return False
        headers = dict(scope["headers"])
        has_body = headers.get(b"content-length", b"0") not in (b"0", b"") or (
            b"transfer-encoding" in headers
        )
        if not has_body:
            return False
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower().decode("latin-1")
        if kind == "application/json" or kind.endswith("+json"):
            return False
        return not (kind == "application/x-www-form-urlencoded" and path in self.form_paths)
