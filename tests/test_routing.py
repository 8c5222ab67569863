"""Route lookup narrowed by the first path segment (kit/routing.py) finds the route
FastAPI's full lookup finds."""

import httpx
from fastapi import FastAPI

from clientbook.kit.routing import ANY, SegmentDispatch, first_segment, segments_of


def _dispatch(app: FastAPI) -> SegmentDispatch:
    dispatch = app.router.middleware_stack
    assert isinstance(dispatch, SegmentDispatch)
    return dispatch


def test_each_segment_keeps_every_route_that_could_match_in_order(app: FastAPI) -> None:
    routes = app.router.routes
    dispatch = _dispatch(app)
    segments = {segment for route in routes for segment in segments_of(route)} - {ANY}
    assert {"v1", "api", "jsonapi", "customer", "customers", "console", "healthz"} <= segments
    for segment in segments:
        narrowed = dispatch._narrow(segment).routes
        expected = [r for r in routes if segments_of(r) & {segment, ANY}]
        assert narrowed == expected, segment  # the same routes, in the same order
    assert dispatch._narrow("no-such-segment").routes == [
        r for r in routes if ANY in segments_of(r)
    ]


def test_first_segment() -> None:
    assert first_segment("/api/customers/profile") == "api"
    assert first_segment("/healthz") == "healthz"
    assert first_segment("/") == ""
    assert first_segment("") == ""


async def test_overlapping_paths_reach_the_same_routes(client: httpx.AsyncClient) -> None:
    # MOOD MNKY's /api/customers is no Open Loyalty store; without a customer token the
    # MOOD MNKY surface answers, in its own error shape.
    mood = await client.get("/api/customers/profile")
    assert mood.status_code == 401
    assert "error" in mood.json()
    # an unknown path answers 404 in the format of the surface its prefix names
    assert (await client.get("/v1/no-such-thing")).status_code == 404
    assert (await client.get("/no-such-segment/at-all")).status_code == 404
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/openapi.json")).status_code == 200
