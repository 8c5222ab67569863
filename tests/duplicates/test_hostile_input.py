"""Hostile input on every duplicates, merge, data-export and erase endpoint: NUL bytes,
deep nesting, huge lists, ids of another store. Each is a 4xx naming the field (404 for
another store's customer, as for one that does not exist), and nothing is written."""

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import Customer, DataExport, DuplicatePair
from tests.factories import Factory, StoreCtx
from tests.problems import error_fields

NUL = "a\u0000b"
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = [str(uuid.uuid4()) for _ in range(10_000)]


async def _send(
    client: httpx.AsyncClient, method: str, url: str, ctx: StoreCtx, body: Any = None
) -> httpx.Response:
    content = body if isinstance(body, str) else json.dumps(body) if body is not None else None
    headers = {**ctx.owner.headers, "content-type": "application/json"}
    return await client.request(method, url, content=content, headers=headers)


def _refused(response: httpx.Response, field: str) -> None:
    assert response.status_code in (400, 422), response.text
    assert field in error_fields(response.json()), response.text


async def _untouched(database: Database, ctx: StoreCtx) -> None:
    """No customer merged or erased, no pair dismissed, no export asked for."""
    async with database.reading() as session:
        gone = await session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.store_id == ctx.id, Customer.deleted_at.is_not(None))
        )
        dismissed = await session.scalar(
            select(func.count())
            .select_from(DuplicatePair)
            .where(DuplicatePair.store_id == ctx.id, DuplicatePair.status == "dismissed")
        )
        exports = await session.scalar(
            select(func.count()).select_from(DataExport).where(DataExport.store_id == ctx.id)
        )
    assert (gone, dismissed, exports) == (0, 0, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": [NUL]}, "from.0"),
        ({"from": HUGE}, "from"),
        ({"from": "not a list"}, "from"),
        ({"from": [], "preview": False}, "from"),
        ({"from": ["{other}"], "preview": NUL}, "preview"),
        ({"from": ["{other}"], "fields": {NUL: "{other}"}}, "fields"),
        ({"from": ["{other}"], "fields": {"email": NUL}}, "fields.email"),
        ({"from": ["{other}"], "fields": {f"f{n}": "{other}" for n in range(5_000)}}, "fields"),
        ({"from": ["{other}"], "preview": False, "surprise": 1}, "surprise"),
        ({"from": ["{me}"], "preview": False}, "from"),
    ],
)
async def test_merge_refuses_unusable_bodies_naming_the_field(
    client: httpx.AsyncClient, factory: Factory, database: Database, body: Any, field: str
) -> None:
    ctx = await factory.store()
    me, other = await factory.customer(ctx), await factory.customer(ctx)
    sent = json.dumps(body).replace("{other}", str(other.id)).replace("{me}", str(me.id))
    response = await _send(client, "POST", f"{ctx.base}/customers/{me.id}/merge", ctx, sent)
    _refused(response, field)
    await _untouched(database, ctx)


async def test_deep_nesting_is_400_on_every_endpoint_with_a_body(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    me = await factory.customer(ctx)
    for url in (
        f"{ctx.base}/customers/{me.id}/merge",
        f"{ctx.base}/duplicates/dismissals",
        f"{ctx.base}/duplicates/scans",
        f"{ctx.base}/customers/{me.id}/data-export",
        f"{ctx.base}/customers/{me.id}/erase",
    ):
        response = await _send(client, "POST", url, ctx, DEEP)
        assert response.status_code == 400, (url, response.text)
        assert error_fields(response.json()) == {"body"}, url
    await _untouched(database, ctx)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer_ids": [NUL, "{me}"]}, "customer_ids.0"),
        ({"customer_ids": HUGE}, "customer_ids"),
        ({"customer_ids": ["{me}"]}, "customer_ids"),
        ({"customer_ids": ["{me}", "{me}"]}, "customer_ids"),
        ({"customer_ids": "{me}"}, "customer_ids"),
    ],
)
async def test_dismissal_refuses_unusable_bodies_naming_the_field(
    client: httpx.AsyncClient, factory: Factory, database: Database, body: Any, field: str
) -> None:
    ctx = await factory.store()
    me = await factory.customer(ctx)
    sent = json.dumps(body).replace("{me}", str(me.id))
    response = await _send(client, "POST", f"{ctx.base}/duplicates/dismissals", ctx, sent)
    _refused(response, field)
    await _untouched(database, ctx)


async def test_nul_in_paths_and_queries_names_the_parameter(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    cases = [
        ("GET", f"{ctx.base}/duplicates?customer_id=a%00b", "customer_id"),
        ("GET", f"{ctx.base}/duplicates?status=open%00", "status"),
        ("GET", f"{ctx.base}/duplicates?limit=1%00", "limit"),
        ("GET", f"{ctx.base}/duplicates/scans/a%00b", "scan_id"),
        ("POST", f"{ctx.base}/customers/a%00b/merge", "customer_id"),
        ("POST", f"{ctx.base}/customers/a%00b/data-export", "customer_id"),
        ("GET", f"{ctx.base}/data-exports/a%00b", "export_id"),
        ("POST", f"{ctx.base}/customers/a%00b/erase", "customer_id"),
    ]
    for method, url, field in cases:
        body = {"from": [str(uuid.uuid4())]} if url.endswith("/merge") else None
        _refused(await _send(client, method, url, ctx, body), field)
    await _untouched(database, ctx)


async def test_another_stores_customers_are_not_found_on_every_endpoint(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx, other = await factory.store(), await factory.store()
    mine, theirs = await factory.customer(ctx), await factory.customer(other)
    base, them = ctx.base, str(theirs.id)
    cases: list[tuple[str, str, Any]] = [
        ("GET", f"{base}/duplicates?customer_id={them}", None),
        ("POST", f"{base}/duplicates/dismissals", {"customer_ids": [str(mine.id), them]}),
        ("POST", f"{base}/customers/{mine.id}/merge", {"from": [them]}),
        ("POST", f"{base}/customers/{mine.id}/merge", {"from": [them], "preview": False}),
        ("POST", f"{base}/customers/{them}/merge", {"from": [str(mine.id)], "preview": False}),
        ("POST", f"{base}/customers/{them}/data-export", None),
        ("POST", f"{base}/customers/{them}/erase", None),
    ]
    for method, url, body in cases:
        response = await _send(client, method, url, ctx, body)
        assert response.status_code == 404, (url, body, response.text)
        assert "merged_into" not in response.json()
    # A field taken from a customer who is not in the merge (another store's here).
    second = await factory.customer(ctx)
    body = {"from": [str(second.id)], "preview": False, "fields": {"email": them}}
    response = await _send(client, "POST", f"{base}/customers/{mine.id}/merge", ctx, body)
    _refused(response, "fields.email")
    await _untouched(database, ctx)
    await _untouched(database, other)
