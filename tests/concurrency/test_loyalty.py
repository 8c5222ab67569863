"""The points ledger under concurrent requests to two server processes: a balance that
covers 10 spends lets exactly 10 of 50 through, and the ledger still reconciles."""

import asyncio

from clientbook.kit.db import Database
from tests.factories import Factory
from tests.loyalty.helpers import assert_reconciled, points_url
from tests.server import LiveServer, assert_statuses

SPENDS = 50


async def test_fifty_spends_of_a_balance_for_ten_let_exactly_ten_through(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = points_url(ctx, customer.id)
    async with live_server.client() as client:
        earned = await client.post(
            url, json={"type": "earn", "amount": 10}, headers=ctx.seller.headers
        )
        assert earned.status_code == 201, earned.text
        responses = await asyncio.gather(
            *(
                client.post(url, json={"type": "spend", "amount": 1}, headers=ctx.seller.headers)
                for _ in range(SPENDS)
            )
        )
    assert assert_statuses(responses, {201, 409}).count(201) == 10
    await assert_reconciled(database, ctx.id)


async def test_retries_with_one_key_from_both_workers_write_one_entry(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    headers = {**ctx.seller.headers, "Idempotency-Key": "same-earn"}
    async with live_server.client() as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    points_url(ctx, customer.id),
                    json={"type": "earn", "amount": 3},
                    headers=headers,
                )
                for _ in range(20)
            )
        )
    assert set(assert_statuses(responses, {201})) == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    await assert_reconciled(database, ctx.id)
