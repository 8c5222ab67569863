"""Exact totals come from trigger-kept counts; they must never drift from the rows."""

import asyncio

import httpx
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import Customer, CustomerCount
from tests.factories import Factory, StoreCtx


async def _counted(database: Database, ctx: StoreCtx) -> tuple[int, int]:
    """(the kept count, a real count of the store's customers not deleted)."""
    async with database.transaction() as session:
        kept = await session.scalar(
            select(func.coalesce(func.sum(CustomerCount.total), 0)).where(
                CustomerCount.store_id == ctx.id
            )
        )
        real = await session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.store_id == ctx.id, Customer.deleted_at.is_(None))
        )
    return int(kept or 0), int(real or 0)


async def _total(client: httpx.AsyncClient, ctx: StoreCtx) -> int:
    response = await client.get(f"{ctx.base}/customers", headers=ctx.seller.headers)
    return int(response.json()["pagination"]["total"])


async def test_totals_follow_creates_deletes_restores(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx, other = await factory.store(), await factory.store()
    made = [await factory.customer(ctx) for _ in range(5)]
    await factory.customer(other)
    assert await _counted(database, ctx) == (5, 5)
    assert await _total(client, ctx) == 5

    await client.delete(f"{ctx.base}/customers/{made[0].id}", headers=ctx.admin.headers)
    await client.request(
        "DELETE",
        "/customers/bulk",
        json={"ids": [str(made[1].id), str(made[2].id)]},
        headers={**ctx.admin.headers, "x-store-id": str(ctx.id)},
    )
    assert await _counted(database, ctx) == (2, 2)
    assert await _total(client, ctx) == 2

    await client.post(f"{ctx.base}/customers/{made[0].id}/restore", headers=ctx.admin.headers)
    await client.patch(
        f"{ctx.base}/customers/{made[3].id}",
        json={"first_name": "Renamed"},
        headers=ctx.seller.headers,
    )
    assert await _counted(database, ctx) == (3, 3)
    assert await _total(client, ctx) == 3
    assert await _counted(database, other) == (1, 1)


async def test_filtered_totals_are_counted(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    await factory.customer(ctx, first_name="Anna")
    await factory.customer(ctx, first_name="Bruno")
    found = await client.get(f"{ctx.base}/customers?q=anna", headers=ctx.seller.headers)
    assert found.json()["pagination"]["total"] == 1


async def test_totals_hold_under_concurrent_creates(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()

    async def create(n: int) -> int:
        response = await client.post(
            f"{ctx.base}/customers",
            json={"first_name": "C", "email": f"c{n}@example.com"},
            headers=ctx.seller.headers,
        )
        return response.status_code

    statuses = await asyncio.gather(*(create(n) for n in range(30)))
    assert statuses == [201] * 30
    assert await _counted(database, ctx) == (30, 30)
    assert await _total(client, ctx) == 30
