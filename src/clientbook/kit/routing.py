"""Route lookup narrowed by the path's first segment.

FastAPI tries an application's routers in order, and each router's routes in order,
twice per request (once to find the router, once inside it): with the /v1 API and five
surfaces, a request for a surface tried several hundred path patterns before its own,
0.3-0.7 ms of every request. A path can only match a route whose pattern starts with the
same first segment (or with a parameter there), so each first segment gets a copy of
the application's router holding only those routes, in their original order: the same
route wins as before, found among far fewer.
"""

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRouter, _iter_routes_with_context
from starlette._utils import get_route_path
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

ANY = "*"  # a first segment that is a parameter: the route may match any path


def first_segment(path: str) -> str:
    return path.split("/", 2)[1] if path.startswith("/") else ""


def _segment_of(path: str | None) -> str:
    if not path:
        return ANY
    segment = first_segment(path)
    return ANY if "{" in segment else segment


def _route_paths(route: BaseRoute) -> list[str | None]:
    """Every path pattern a top-level route holds, routers included; None where a route
    has no path (a host route, say): such a route may match anything."""
    paths: list[str | None] = []
    for inner, context in _iter_routes_with_context([route]):
        if context is None:
            paths.append(getattr(inner, "path", None))
        elif context.starlette_route is not None:
            paths.append(getattr(context.starlette_route, "path", None))
        else:
            paths.append(context.path)
    return paths


def segments_of(route: BaseRoute) -> set[str]:
    return {_segment_of(path) for path in _route_paths(route)}


class SegmentDispatch:
    """The application router's entry point, trying only the routes that can match."""

    def __init__(self, router: APIRouter) -> None:
        self._router = router
        self._built_for = -1
        self._narrowed: dict[str, APIRouter] = {}
        self._rest = router  # for a first segment no route names

    def _narrow(self, segment: str) -> APIRouter:
        if len(self._router.routes) != self._built_for:  # routes are only ever added
            self._build()
        return self._narrowed.get(segment, self._rest)

    def _build(self) -> None:
        routes = self._router.routes
        segments = [segments_of(route) for route in routes]
        named = set().union(*segments) - {ANY}
        self._narrowed = {
            name: self._copy([r for r, s in zip(routes, segments, strict=True) if s & {name, ANY}])
            for name in named
        }
        self._rest = self._copy([r for r, s in zip(routes, segments, strict=True) if ANY in s])
        self._built_for = len(routes)

    def _copy(self, routes: list[BaseRoute]) -> APIRouter:
        narrowed = copy.copy(self._router)
        narrowed.routes = routes
        return narrowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._router.app(scope, receive, send)
            return
        scope.setdefault("router", self._router)  # url_for sees every route
        narrowed = self._narrow(first_segment(get_route_path(scope)))
        await narrowed.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Narrow the router's lookup, unless something already wraps its entry point."""
    router: Any = app.router
    if router.middleware_stack == router.app:
        router.middleware_stack = SegmentDispatch(router)
