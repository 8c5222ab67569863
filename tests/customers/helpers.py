"""Small helpers shared by the canonical customer API tests."""

import uuid
from typing import Any

import httpx

from tests.factories import StoreCtx

PROBLEM = "application/problem+json"


def unique_email(prefix: str = "c") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def url(ctx: StoreCtx, customer_id: object = None, action: str | None = None) -> str:
    path = f"{ctx.base}/customers"
    if customer_id is not None:
        path += f"/{customer_id}"
    if action:
        path += f"/{action}"
    return path


async def create(
    client: httpx.AsyncClient, ctx: StoreCtx, body: dict[str, Any], **headers: str
) -> dict[str, Any]:
    """POST a customer as the store's seller; fail the test unless it is created."""
    response = await client.post(url(ctx), json=body, headers={**ctx.seller.headers, **headers})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def listing(client: httpx.AsyncClient, ctx: StoreCtx, **params: Any) -> dict[str, Any]:
    response = await client.get(url(ctx), params=params, headers=ctx.seller.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def ids(client: httpx.AsyncClient, ctx: StoreCtx, **params: Any) -> list[str]:
    """The ids a list request returns, in order."""
    params.setdefault("limit", 100)
    return [c["id"] for c in (await listing(client, ctx, **params))["data"]]


def problem(response: httpx.Response, status: int, *fields: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem with this status naming (at least) these fields."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["instance"] == response.request.url.path
    named = [error["field"] for error in body.get("errors", [])]
    for field in fields:
        assert field in named, (field, body)
    return body
