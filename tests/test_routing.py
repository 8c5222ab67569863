"""Route lookup narrowed by the path's literal segments (kit/routing.py) keeps every
route that could match a path, in order, so FastAPI picks the route it always picked."""

import re

import httpx
from fastapi import FastAPI

from clientbook.kit.routing import SegmentDispatch, route_patterns, segments


def _dispatch(app: FastAPI) -> SegmentDispatch:
    dispatch = app.router.middleware_stack
    assert isinstance(dispatch, SegmentDispatch)
    return dispatch


def _example(pattern: str) -> str:
    """A path the pattern matches: each parameter given a value."""
    return re.sub(r"\{[^}]*\}", "3f6f0d0e-1b1a-4a7e-9d55-0b5c8a4f1e11", pattern)


def test_every_route_stays_a_candidate_for_its_own_paths(app: FastAPI) -> None:
    routes = app.router.routes
    dispatch = _dispatch(app)
    checked = 0
    for route in routes:
        for pattern in route_patterns(route) or []:
            for path in (_example(pattern), _example(pattern) + "/"):
                candidates = dispatch.candidates(path)
                assert route in candidates, (pattern, path)
                # a subsequence of the router's routes: their order is kept
                positions = [routes.index(candidate) for candidate in candidates]
                assert positions == sorted(positions), path
                checked += 1
    assert checked > 300


def test_a_surface_path_skips_the_other_surfaces(app: FastAPI) -> None:
    dispatch = _dispatch(app)
    every = len(app.router.routes)
    for path in (
        "/api/customers/profile",
        "/api/SHOP/customer",
        "/v1/stores/SHOP/purchases",
        "/jsonapi/customer",
    ):
        assert len(dispatch.candidates(path)) < every / 4, path
    assert dispatch.candidates("/nowhere/at/all") == []


def test_segments() -> None:
    assert segments("/v1/stores/{store}") == ["v1", "stores", "{store}"]
    assert segments("/") == [""]
    assert segments("") == []


async def test_overlapping_paths_reach_the_same_routes(client: httpx.AsyncClient) -> None:
    # MOOD MNKY's /api/customers is no Open Loyalty store: without a customer token the
    # MOOD MNKY surface answers, in its own error shape.
    mood = await client.get("/api/customers/profile")
    assert mood.status_code == 401
    assert "error" in mood.json()
    assert (await client.get("/v1/no-such-thing")).status_code == 404
    assert (await client.get("/no-such-segment/at-all")).status_code == 404
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/docs")).status_code == 200
