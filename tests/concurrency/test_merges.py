"""Merges racing on two server processes: of two merges of the same pair, or of A into B
while B into A, one wins and the other answers 409; nothing is half moved."""

import asyncio

from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import Customer, CustomerAddress
from tests.factories import Factory
from tests.loyalty.helpers import assert_reconciled, points_url
from tests.server import LiveServer, assert_statuses

ROUNDS = 5


async def test_crossed_and_repeated_merges_let_one_through(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    pairs = [(await factory.customer(ctx), await factory.customer(ctx)) for _ in range(ROUNDS)]
    async with live_server.client() as client:
        for a, b in pairs:
            for customer in (a, b):
                earned = await client.post(
                    points_url(ctx, customer.id),
                    json={"type": "earn", "amount": 5},
                    headers=ctx.seller.headers,
                )
                assert earned.status_code == 201, earned.text
                added = await client.post(
                    f"{ctx.base}/customers/{customer.id}/addresses",
                    json={"city": "X", "is_default": True},
                    headers=ctx.seller.headers,
                )
                assert added.status_code == 201
        for n, (a, b) in enumerate(pairs):
            crossed = n % 2 == 0
            second = (b.id, a.id) if crossed else (a.id, b.id)
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"{ctx.base}/customers/{survivor}/merge",
                        json={"from": [str(merged)], "preview": False},
                        headers=ctx.admin.headers,
                    )
                    for survivor, merged in ((a.id, b.id), second)
                )
            )
            assert sorted(assert_statuses(responses, {200, 409})) == [200, 409]
    async with database.transaction() as session:
        for a, b in pairs:
            rows = {
                c.id: c
                for c in await session.scalars(
                    select(Customer).where(
                        Customer.store_id == ctx.id, Customer.id.in_([a.id, b.id])
                    )
                )
            }
            live = [c for c in rows.values() if c.deleted_at is None]
            assert len(live) == 1
            gone = next(c for c in rows.values() if c.deleted_at is not None)
            assert gone.merged_into == live[0].id
            addresses = await session.scalar(
                select(func.count())
                .select_from(CustomerAddress)
                .where(
                    CustomerAddress.store_id == ctx.id, CustomerAddress.customer_id == live[0].id
                )
            )
            assert addresses == 2
    await assert_reconciled(database, ctx.id)


async def test_points_written_during_a_merge_land_on_a_live_customer(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    a, b = await factory.customer(ctx), await factory.customer(ctx)
    async with live_server.client() as client:
        responses = await asyncio.gather(
            client.post(
                f"{ctx.base}/customers/{a.id}/merge",
                json={"from": [str(b.id)], "preview": False},
                headers=ctx.admin.headers,
            ),
            *(
                client.post(
                    points_url(ctx, b.id),
                    json={"type": "earn", "amount": 1},
                    headers=ctx.seller.headers,
                )
                for _ in range(10)
            ),
        )
    assert responses[0].status_code == 200, responses[0].text
    assert set(assert_statuses(responses[1:], {201, 404})) <= {201, 404}
    earned = sum(1 for r in responses[1:] if r.status_code == 201)
    async with database.transaction() as session:
        from clientbook.models import PointsBalance

        balances = {
            row.customer_id: row.available
            for row in await session.scalars(
                select(PointsBalance).where(PointsBalance.store_id == ctx.id)
            )
        }
    assert b.id not in balances
    assert balances.get(a.id, 0) == earned
    await assert_reconciled(database, ctx.id)
