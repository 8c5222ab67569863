"""Lists filtered to buyers in the default order walk the buyers' stats in list order
(``listed_at``): they must answer exactly what the customers' own order gives."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from clientbook.kit.db import Database
from clientbook.models import Customer, PurchaseStats
from tests.duplicates.test_merge import merge_url
from tests.factories import Factory, StoreCtx

SAME_MOMENT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


async def _buy(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: object, total: str) -> None:
    body = {
        "customer_id": str(customer_id),
        "number": f"ORD-{uuid.uuid4().hex[:8]}",
        "status": "completed",
        "total": total,
        "currency": "USD",
        "purchased_at": "2026-11-20T10:00:00Z",
    }
    response = await client.post(f"{ctx.base}/purchases", json=body, headers=ctx.seller.headers)
    assert response.status_code == 201, response.text


async def _ids(client: httpx.AsyncClient, ctx: StoreCtx, **params: Any) -> list[str]:
    response = await client.get(f"{ctx.base}/customers", params=params, headers=ctx.seller.headers)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["data"]]


async def _listed_at_is_created_at(database: Database, ctx: StoreCtx) -> int:
    async with database.transaction() as session:
        rows = (
            await session.execute(
                select(PurchaseStats.listed_at, Customer.created_at)
                .join(
                    Customer,
                    (Customer.store_id == PurchaseStats.store_id)
                    & (Customer.id == PurchaseStats.customer_id),
                )
                .where(PurchaseStats.store_id == ctx.id)
            )
        ).all()
    assert all(listed == created for listed, created in rows)
    return len(rows)


async def test_a_list_filtered_to_buyers_keeps_the_list_order(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    people = [await factory.customer(ctx, first_name=f"P{i}") for i in range(9)]
    # Three share one creation moment, so the order falls back on their ids.
    async with database.transaction() as session:
        for i, person in enumerate(people):
            moment = SAME_MOMENT if i in (2, 3, 4) else SAME_MOMENT + timedelta(days=i + 1)
            await session.execute(
                update(Customer)
                .where(Customer.store_id == ctx.id, Customer.id == person.id)
                .values(created_at=moment)
            )
    for i, person in enumerate(people):
        if i != 1:  # one customer never buys
            await _buy(client, ctx, person.id, "150.00" if i % 4 else "20.00")
    assert await _listed_at_is_created_at(database, ctx) == 8
    deleted = await client.delete(f"{ctx.base}/customers/{people[5].id}", headers=ctx.admin.headers)
    assert deleted.status_code == 204, deleted.text

    every = await _ids(client, ctx, limit=100)
    bought_150 = {str(p.id) for i, p in enumerate(people) if i % 4 and i not in (1, 5)}
    wanted = [customer_id for customer_id in every if customer_id in bought_150]
    assert len(wanted) == 4
    assert await _ids(client, ctx, transactions_amount_from="100", limit=100) == wanted
    oldest_first = await _ids(
        client, ctx, transactions_amount_from="100", sort="created_at", order="asc", limit=100
    )
    assert oldest_first == wanted[::-1]
    paged = [
        customer_id
        for page in (1, 2, 3)
        for customer_id in await _ids(
            client, ctx, transactions_amount_from="100", limit=2, page=page
        )
    ]
    assert paged == wanted
    # Combined with a condition on the customer, and with several on the stats.
    named = await _ids(client, ctx, transactions_amount_from="100", q="P3", limit=100)
    assert named == [str(people[3].id)]
    bought_20 = {str(people[i].id) for i in (0, 4, 8)}
    assert await _ids(
        client, ctx, transactions_count_from=1, transactions_amount_to="30", limit=100
    ) == [customer_id for customer_id in every if customer_id in bought_20]


async def test_a_survivor_without_purchases_takes_its_own_place_after_a_merge(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    survivor = await factory.customer(ctx, first_name="Anna", email="anna@example.com")
    buyer = await factory.customer(ctx, first_name="Ann", email="ann@example.com")
    await _buy(client, ctx, buyer.id, "90.00")
    merged = await client.post(
        merge_url(ctx, survivor.id),
        json={"from": [str(buyer.id)], "preview": False},
        headers=ctx.admin.headers,
    )
    assert merged.status_code == 200, merged.text
    assert await _listed_at_is_created_at(database, ctx) == 1
    assert await _ids(client, ctx, transactions_amount_from="50") == [str(survivor.id)]
