"""Every total, page count and has-next a list documents is exact, at any number of
matches, with the planner's statistics current (issue 8: above 1,000 matches they were
PostgreSQL's estimate, and clients stopped paging early or past the end)."""

import asyncio
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from clientbook.customers.fields import derive
from clientbook.kit.db import Database
from clientbook.models import Customer
from tests.customers.helpers import listing, url
from tests.factories import Factory, StoreCtx

MATCHES = 3_000  # three times the old threshold of exact counting
OTHERS = 700
LIMIT = 100
PAGES = MATCHES // LIMIT  # the last page is full: nothing short to give the total away


def _matching(n: int) -> bool:
    return n < MATCHES


def _active(n: int) -> bool:
    return n % 5 != 3


ACTIVE_MATCHES = sum(_active(n) for n in range(MATCHES))
ACTIVE = sum(_active(n) for n in range(MATCHES + OTHERS))


def _customer(store: StoreCtx, n: int, first_name: str, *, active: bool) -> Customer:
    moment = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    customer = Customer(
        store_id=store.id,
        first_name=first_name,
        last_name="Mazur",
        is_active=active,
        created_at=moment,
        updated_at=moment,
    )
    derive(customer)
    return customer


async def _fill(database: Database, ctx: StoreCtx, noise: StoreCtx) -> None:
    """MATCHES customers named Qwx…, OTHERS that are not, one in five inactive; and in
    another store as many customers, all active, none a match. The planner takes a search
    and the store as independent, so its estimates of this store's totals are far off."""
    everyone = range(MATCHES + OTHERS)
    rows = [
        _customer(ctx, n, f"Qwx{n}" if _matching(n) else f"Other{n}", active=_active(n))
        for n in everyone
    ]
    rows += [_customer(noise, n, f"Noise{n}", active=True) for n in everyone]
    async with database.transaction() as session:
        session.add_all(rows)
    if database.dialect == "postgresql":
        async with database.engine.connect() as connection:
            await connection.execute(text("ANALYZE customers"))
            await connection.commit()


@pytest.fixture(scope="module")
async def big(database: Database, settings: Any) -> StoreCtx:
    """One store shared by the read-only tests below (filling it is the slow part)."""
    factory = Factory(database, settings)
    ctx = await factory.store()
    await _fill(database, ctx, await factory.store())
    return ctx


def _headers(ctx: StoreCtx) -> dict[str, str]:
    return {**ctx.seller.headers, "x-store-id": str(ctx.id)}


async def test_canonical_search_pages_to_the_end_with_exact_totals(
    client: httpx.AsyncClient, big: StoreCtx
) -> None:
    seen: list[str] = []
    for page in range(1, PAGES + 2):
        body = await listing(client, big, q="qwx", limit=LIMIT, page=page)
        pagination = body["pagination"]
        assert pagination["total"] == MATCHES, page
        assert pagination["total_is_exact"] is True
        assert pagination["total_pages"] == PAGES
        assert pagination["has_next"] is (page < PAGES), page
        assert pagination["has_prev"] is (page > 1)
        seen += [c["id"] for c in body["data"]]
    assert len(seen) == len(set(seen)) == MATCHES
    assert len(body["data"]) == 0  # the page past the end is empty


async def test_jethings_search_pages_to_the_end_with_exact_totals(
    client: httpx.AsyncClient, big: StoreCtx
) -> None:
    seen: list[str] = []
    page, has_next = 1, True
    while has_next:
        response = await client.get(
            "/customers",
            params={"search": "Qwx", "limit": LIMIT, "page": page},
            headers=_headers(big),
        )
        assert response.status_code == 200, response.text
        pagination = response.json()["pagination"]
        assert pagination["total"] == MATCHES, page
        assert pagination["totalPages"] == PAGES
        assert pagination["hasPrev"] is (page > 1)
        seen += [c["id"] for c in response.json()["data"]]
        has_next = pagination["hasNext"]
        page += 1
    assert page - 1 == PAGES
    assert len(seen) == len(set(seen)) == MATCHES


async def test_joptic_total_pages_cover_every_match_and_nothing_past_them(
    client: httpx.AsyncClient, big: StoreCtx
) -> None:
    first = await client.get(
        "/customer", params={"search": "Qwx", "limit": LIMIT}, headers=_headers(big)
    )
    pagination = first.json()["pagination"]
    assert pagination == {"page": 1, "limit": LIMIT, "total": MATCHES, "totalPages": PAGES}
    seen = [c["id"] for c in first.json()["data"]]
    for page in range(2, pagination["totalPages"] + 2):
        response = await client.get(
            "/customer",
            params={"search": "Qwx", "limit": LIMIT, "page": page},
            headers=_headers(big),
        )
        assert response.json()["pagination"]["total"] == MATCHES
        seen += [c["id"] for c in response.json()["data"]]
    assert len(response.json()["data"]) == 0  # past totalPages: nothing more
    assert len(seen) == len(set(seen)) == MATCHES


async def test_joptic_is_active_totals_are_exact(client: httpx.AsyncClient, big: StoreCtx) -> None:
    for params, expected in (
        ({"isActive": "true"}, ACTIVE),
        ({"isActive": "false"}, MATCHES + OTHERS - ACTIVE),
        ({"isActive": "true", "search": "Qwx"}, ACTIVE_MATCHES),
    ):
        response = await client.get(
            "/customer", params={**params, "limit": 10}, headers=_headers(big)
        )
        pagination = response.json()["pagination"]
        assert pagination["total"] == expected, params
        assert pagination["totalPages"] == math.ceil(expected / 10)


async def test_has_next_is_false_exactly_on_the_last_page(
    client: httpx.AsyncClient, big: StoreCtx
) -> None:
    """``ACTIVE_MATCHES`` does not divide by the limit: the last page is short."""
    last = math.ceil(ACTIVE_MATCHES / LIMIT)
    before = await listing(client, big, q="qwx", is_active="true", limit=LIMIT, page=last - 1)
    final = await listing(client, big, q="qwx", is_active="true", limit=LIMIT, page=last)
    past = await listing(client, big, q="qwx", is_active="true", limit=LIMIT, page=last + 5)
    assert before["pagination"]["has_next"] is True
    assert final["pagination"]["has_next"] is False
    assert len(final["data"]) == ACTIVE_MATCHES - (last - 1) * LIMIT
    assert past["data"] == []
    for body in (before, final, past):
        assert body["pagination"]["total"] == ACTIVE_MATCHES
        assert body["pagination"]["total_pages"] == last


async def test_an_estimate_is_given_only_on_request(
    client: httpx.AsyncClient, big: StoreCtx, dialect: str
) -> None:
    everyone = MATCHES + OTHERS  # all are Mazur
    asked = await listing(client, big, q="mazur", limit=10, total="estimate")
    assert asked["pagination"]["has_next"] is True
    if dialect == "postgresql":
        assert asked["pagination"]["total_is_exact"] is False
    else:
        assert asked["pagination"]["total"] == everyone
    exact = await listing(client, big, q="mazur", limit=10)
    assert exact["pagination"]["total"] == everyone
    assert exact["pagination"]["total_is_exact"] is True


# --- remembered counts never go stale -------------------------------------------------------


async def _total(client: httpx.AsyncClient, ctx: StoreCtx, **params: Any) -> int:
    body = await listing(client, ctx, limit=2, **params)
    return int(body["pagination"]["total"])


async def test_a_remembered_count_follows_every_kind_of_write(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    made = [await factory.customer(ctx, first_name="Zyxo") for _ in range(4)]
    await factory.customer(other, first_name="Zyxo")
    assert await _total(client, ctx, q="zyxo") == 4
    assert await _total(client, ctx, q="zyxo") == 4  # the remembered count

    await factory.customer(ctx, first_name="Zyxo")
    assert await _total(client, ctx, q="zyxo") == 5
    await client.patch(
        url(ctx, made[0].id), json={"first_name": "Renamed"}, headers=ctx.seller.headers
    )
    assert await _total(client, ctx, q="zyxo") == 4
    await client.delete(url(ctx, made[1].id), headers=ctx.admin.headers)
    assert await _total(client, ctx, q="zyxo") == 3
    assert await _total(client, ctx, q="zyxo", status="deleted") == 1
    await client.post(url(ctx, made[1].id, "restore"), headers=ctx.admin.headers)
    assert await _total(client, ctx, q="zyxo") == 4
    await client.post(url(ctx, made[2].id, "deactivate"), headers=ctx.admin.headers)
    assert await _total(client, ctx, q="zyxo", is_active="true") == 3
    assert await _total(client, ctx, is_active="true") == 4
    assert await _total(client, ctx, is_active="false") == 1
    await client.request(
        "DELETE",
        "/customers/bulk",
        json={"ids": [str(made[3].id)]},
        headers={**ctx.admin.headers, "x-store-id": str(ctx.id)},
    )
    assert await _total(client, ctx, q="zyxo") == 3
    assert await _total(client, other, q="zyxo") == 1


async def _real_count(database: Database, ctx: StoreCtx, **where: Any) -> int:
    conditions = [Customer.store_id == ctx.id, Customer.deleted_at.is_(None)]
    if "is_active" in where:
        conditions.append(Customer.is_active.is_(where["is_active"]))
    async with database.transaction() as session:
        counted = await session.scalar(select(func.count()).where(*conditions))
    return int(counted or 0)


async def test_totals_stay_exact_under_concurrent_writes(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    for _ in range(3):
        await factory.customer(ctx, first_name="Yqor")

    async def create(n: int) -> None:
        response = await client.post(
            url(ctx),
            json={"first_name": "Yqor", "is_active": n % 2 == 0},
            headers=ctx.seller.headers,
        )
        assert response.status_code == 201, response.text

    async def read() -> None:
        await _total(client, ctx, q="yqor")
        await _total(client, ctx, is_active="true")

    await asyncio.gather(*(create(n) for n in range(20)), *(read() for _ in range(20)))
    assert await _total(client, ctx, q="yqor") == 23 == await _real_count(database, ctx)
    assert await _total(client, ctx, is_active="true") == await _real_count(
        database, ctx, is_active=True
    )
