"""415 for a body the canonical API cannot read: it speaks JSON, except where a route
declares another media type for its request body (a file upload's multipart form, the
token endpoint's url-encoded form)."""

import re
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from clientbook.kit.errors import UnsupportedMediaType
from clientbook.kit.problem import Renderers

_BODY_METHODS = {"POST", "PUT", "PATCH"}
_PARAM = re.compile(r"\{[^}]+\}")

# (method, path pattern, media types other than JSON that the route declares)
Declared = list[tuple[str, re.Pattern[str], frozenset[str]]]


def _is_json(kind: str) -> bool:
    return kind == "application/json" or kind.endswith("+json")


def declared_media_types(openapi: dict[str, Any]) -> Declared:
    """The non-JSON request body types each operation of an OpenAPI document accepts."""
    declared: Declared = []
    for template, operations in openapi.get("paths", {}).items():
        pattern = re.compile("[^/]+".join(re.escape(part) for part in _PARAM.split(template)))
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            content = (operation.get("requestBody") or {}).get("content") or {}
            kinds = frozenset(k.lower() for k in content if not _is_json(k.lower()))
            if kinds:
                declared.append((method.upper(), pattern, kinds))
    return declared


class RequireJSON:
    """Refuse (415) a request body under ``prefix`` that is neither JSON nor a media type
    its route declares in the OpenAPI document (or a form sent to one of ``form_paths``)."""

    def __init__(
        self, app: ASGIApp, *, prefix: str, renderers: Renderers, form_paths: frozenset[str]
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.renderers = renderers
        self.form_paths = form_paths
        self._declared: Declared | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._refused(scope):
            error = UnsupportedMediaType("Send the request body as application/json")
            response: Any = self.renderers.render(Request(scope, receive), error)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refused(self, scope: Scope) -> bool:
        path: str = scope["path"]
        method: str = scope["method"]
        if method not in _BODY_METHODS or not path.startswith(self.prefix + "/"):
            return False
        headers = dict(scope["headers"])
        has_body = headers.get(b"content-length", b"0") not in (b"0", b"") or (
            b"transfer-encoding" in headers
        )
        if not has_body:
            return False
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower().decode("latin-1")
        if _is_json(kind):
            return False
        if kind == "application/x-www-form-urlencoded" and path in self.form_paths:
            return False
        return not (kind and self._declares(scope, method, path, kind))

    def _declares(self, scope: Scope, method: str, path: str, kind: str) -> bool:
        return any(
            method == declared_method and kind in kinds and pattern.fullmatch(path)
            for declared_method, pattern, kinds in self._routes(scope)
        )

    def _routes(self, scope: Scope) -> Declared:
        if self._declared is None:
            app = scope.get("app")
            openapi = getattr(app, "openapi", None)
            self._declared = declared_media_types(openapi()) if callable(openapi) else []
        return self._declared
