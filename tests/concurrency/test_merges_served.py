"""Merges through the real server (two workers, PostgreSQL): two merges of one pair, A
into B while B into A, and a merge racing changes to the customer it merges away. Each
request answers 200 or 409 (404 for a change that comes after the merge: the customer
is gone), never a 500; one merge wins; nothing is left pointing at the merged customer;
the points add up."""

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import Table, func, select

from clientbook.kit.db import Database
from clientbook.models import Base, Customer, CustomerEvent, PointsBalance
from tests.factories import Factory, StoreCtx
from tests.loyalty.helpers import assert_reconciled, points_url
from tests.server import LiveServer, assert_statuses

ROUNDS = 4
# Rows that keep a merged customer's id on purpose: what was sent (message and webhook
# history), its own trail (checked apart: only the merge is left on it), sign-in rows the
# merge revokes, and archives of its data asked for before the merge.
HISTORY = {
    "outbox_messages",
    "webhook_deliveries",
    "customer_events",
    "customer_sessions",
    "customer_codes",
    "data_exports",
}


def _merge(ctx: StoreCtx, survivor: uuid.UUID, merged: uuid.UUID, client: httpx.AsyncClient) -> Any:
    return client.post(
        f"{ctx.base}/customers/{survivor}/merge",
        json={"from": [str(merged)], "preview": False},
        headers=ctx.admin.headers,
    )


async def _two_with_points(
    client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx
) -> tuple[uuid.UUID, uuid.UUID]:
    ids = []
    for n in range(2):
        customer = await factory.customer(ctx, first_name=f"Racer{n}")
        earned = await client.post(
            points_url(ctx, customer.id),
            json={"type": "earn", "amount": 5},
            headers=ctx.seller.headers,
        )
        assert earned.status_code == 201, earned.text
        address = await client.post(
            f"{ctx.base}/customers/{customer.id}/addresses",
            json={"city": "Lodz", "postal_code": "90-001"},
            headers=ctx.seller.headers,
        )
        assert address.status_code == 201, address.text
        ids.append(customer.id)
    return ids[0], ids[1]


async def _pointing_at(database: Database, store_id: uuid.UUID, merged: uuid.UUID) -> list[str]:
    """Every table (but the history ones) with a row naming the merged customer."""
    found = []
    async with database.reading() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in HISTORY or table.name == "customers":
                continue
            for column in _customer_columns(table):
                count = await session.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.store_id == store_id, column == merged)
                )
                if count:
                    found.append(f"{table.name}.{column.name}")
        trail = await session.scalars(
            select(CustomerEvent.action).where(
                CustomerEvent.store_id == store_id, CustomerEvent.customer_id == merged
            )
        )
        found.extend(f"customer_events.{action}" for action in trail if action != "merged_into")
    return found


def _customer_columns(table: Table) -> list[Any]:
    names = ("customer_id", "other_id", "referrer_id", "referred_id", "actor_customer_id")
    return [table.c[name] for name in names if name in table.c]


async def _one_merged(
    database: Database, ctx: StoreCtx, a: uuid.UUID, b: uuid.UUID
) -> tuple[uuid.UUID, uuid.UUID]:
    """(survivor, merged): exactly one of the two is live, the other merged into it."""
    async with database.reading() as session:
        rows = {
            c.id: c
            for c in await session.scalars(
                select(Customer).where(Customer.store_id == ctx.id, Customer.id.in_([a, b]))
            )
        }
    live = [c for c in rows.values() if c.deleted_at is None]
    assert len(live) == 1, rows
    survivor = live[0].id
    merged = b if survivor == a else a
    assert rows[merged].merged_into == survivor
    return survivor, merged


async def _balance(database: Database, ctx: StoreCtx, customer_id: uuid.UUID) -> Any:
    async with database.reading() as session:
        row = await session.scalar(
            select(PointsBalance).where(
                PointsBalance.store_id == ctx.id, PointsBalance.customer_id == customer_id
            )
        )
    return row.available if row is not None else None


async def test_merges_of_one_pair_and_crossed_merges_let_one_through(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    async with live_server.client() as client:
        for n in range(ROUNDS):
            a, b = await _two_with_points(client, factory, ctx)
            # Round by round: the same merge twice and the crossed one, in turn first.
            requests = [_merge(ctx, a, b, client), _merge(ctx, a, b, client)]
            crossed = _merge(ctx, b, a, client)
            requests.insert(n % 3, crossed)
            responses = await asyncio.gather(*requests)
            assert assert_statuses(responses, {200, 409}) == [200, 409, 409]
            survivor, merged = await _one_merged(database, ctx, a, b)
            winner = next(r for r in responses if r.status_code == 200).json()
            assert winner["survivor"]["id"] == str(survivor)
            assert await _pointing_at(database, ctx.id, merged) == []
            assert await _balance(database, ctx, survivor) == 10
            assert await _balance(database, ctx, merged) is None
            gone = await client.get(f"{ctx.base}/customers/{merged}", headers=ctx.seller.headers)
            assert gone.status_code == 404
            assert gone.json()["merged_into"] == str(survivor)
    await assert_reconciled(database, ctx.id)


async def test_a_merge_racing_changes_to_the_merged_customer(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    async with live_server.client() as client:
        for _ in range(ROUNDS):
            a, b = await _two_with_points(client, factory, ctx)
            url = f"{ctx.base}/customers/{b}"
            changes = [
                client.patch(url, json={"first_name": f"Renamed{n}"}, headers=ctx.seller.headers)
                for n in range(3)
            ]
            earns = [
                client.post(
                    points_url(ctx, b),
                    json={"type": "earn", "amount": 1},
                    headers=ctx.seller.headers,
                )
                for _ in range(3)
            ]
            merge, *others = await asyncio.gather(_merge(ctx, a, b, client), *changes, *earns)
            assert merge.status_code == 200, merge.text
            assert_statuses(others, {200, 201, 404, 409})
            earned = sum(1 for r in others[3:] if r.status_code == 201)
            assert await _one_merged(database, ctx, a, b) == (a, b)
            assert await _pointing_at(database, ctx.id, b) == []
            assert await _balance(database, ctx, a) == 10 + earned
    await assert_reconciled(database, ctx.id)
