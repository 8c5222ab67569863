"""The points ledger under concurrent requests to two server processes: a balance that
covers 10 spends lets exactly 10 of 50 through, purchases and returns of one customer
never deadlock, and the ledger still reconciles."""

import asyncio
from decimal import Decimal

from sqlalchemy import select

from clientbook.kit.db import Database
from clientbook.models import PointsBalance, PurchaseStats
from tests.factories import Factory
from tests.loyalty.helpers import assert_reconciled, points_url
from tests.server import LiveServer, assert_statuses

SPENDS = 50
PURCHASES = 20


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


async def test_thirty_redemptions_of_a_reward_with_stock_five_issue_exactly_five(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customers = [await factory.customer(ctx) for _ in range(6)]
    async with live_server.client() as client:
        made = await client.post(
            f"{ctx.base}/rewards",
            json={"name": "Limited", "cost": "10", "stock": 5, "per_customer_limit": 3},
            headers=ctx.admin.headers,
        )
        assert made.status_code == 201, made.text
        reward_id = made.json()["id"]
        for customer in customers:
            earned = await client.post(
                points_url(ctx, customer.id),
                json={"type": "earn", "amount": 100},
                headers=ctx.seller.headers,
            )
            assert earned.status_code == 201, earned.text
        responses = await asyncio.gather(
            *(
                client.post(
                    f"{ctx.base}/customers/{customers[i % 6].id}/rewards/{reward_id}/redeem",
                    headers=ctx.seller.headers,
                )
                for i in range(30)
            )
        )
        left = await client.get(f"{ctx.base}/rewards/{reward_id}", headers=ctx.seller.headers)
    assert assert_statuses(responses, {201, 409}).count(201) == 5
    assert left.json()["stock"] == 0
    assert len({r.json()["coupon_code"] for r in responses if r.status_code == 201}) == 5
    await assert_reconciled(database, ctx.id)


async def test_one_customers_concurrent_redemptions_keep_the_limit_and_the_balance(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    async with live_server.client() as client:
        limited = await client.post(
            f"{ctx.base}/rewards",
            json={"name": "Twice", "cost": "1", "per_customer_limit": 2},
            headers=ctx.admin.headers,
        )
        costly = await client.post(
            f"{ctx.base}/rewards", json={"name": "Costly", "cost": "10"}, headers=ctx.admin.headers
        )
        await client.post(
            points_url(ctx, customer.id),
            json={"type": "earn", "amount": 32},
            headers=ctx.seller.headers,
        )
        urls = [
            f"{ctx.base}/customers/{customer.id}/rewards/{reward.json()['id']}/redeem"
            for reward in (limited, costly)
        ]
        responses = await asyncio.gather(
            *(client.post(urls[i % 2], headers=ctx.seller.headers) for i in range(20))
        )
    created = [r.json() for r in responses if r.status_code == 201]
    assert_statuses(responses, {201, 409})
    assert sum(1 for r in created if r["reward_name"] == "Twice") == 2
    assert sum(1 for r in created if r["reward_name"] == "Costly") == 3
    await assert_reconciled(database, ctx.id)


async def test_one_customers_concurrent_purchases_are_all_counted_and_credited(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    """A purchase adds to the balance, stats and member rows with upserts and no read
    first: purchases of one new customer racing on both workers lose none of them, and
    the stored average is the total's, whichever purchase was counted last. In purchase
    mode the tier follows the stats as counted, so the last purchase places it."""
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    totals = [Decimal(f"{10 + i}.{i:02d}") for i in range(PURCHASES)]
    async with live_server.client() as client:
        made = await client.post(
            f"{ctx.base}/tiers",
            json={"name": "Silver", "reward_percent": "5", "condition_value": 100},
            headers=ctx.admin.headers,
        )
        assert made.status_code == 201, made.text
        mode = await client.put(
            f"{ctx.base}/loyalty-programme",
            json={"tier_mode": "purchases"},
            headers=ctx.admin.headers,
        )
        assert mode.status_code == 200, mode.text
        rule = await client.post(
            f"{ctx.base}/earning-rules",
            json={"name": "1 per unit", "points_per_unit": "1"},
            headers=ctx.admin.headers,
        )
        assert rule.status_code == 201, rule.text
        responses = await asyncio.gather(
            *(
                client.post(
                    f"{ctx.base}/purchases",
                    json={
                        "customer_id": str(customer.id),
                        "number": f"RACE-{i}",
                        "status": "completed",
                        "total": str(total),
                        "currency": "EUR",
                        "purchased_at": f"2026-11-{i + 1:02d}T10:00:00Z",
                    },
                    headers=ctx.seller.headers,
                )
                for i, total in enumerate(totals)
            )
        )
        loyalty = await client.get(
            f"{ctx.base}/customers/{customer.id}/loyalty", headers=ctx.seller.headers
        )
    assert set(assert_statuses(responses, {201})) == {201}
    assert loyalty.json()["tier"]["name"] == "Silver"
    async with database.transaction() as session:
        stats = await session.get(PurchaseStats, (ctx.id, customer.id))
        balance = await session.scalar(
            select(PointsBalance).where(
                PointsBalance.store_id == ctx.id, PointsBalance.customer_id == customer.id
            )
        )
    assert stats is not None
    assert balance is not None
    total = sum(totals, Decimal(0))
    assert (stats.count, stats.total, stats.eligible_total) == (PURCHASES, total, total)
    assert stats.average == (total / PURCHASES).quantize(Decimal("0.01"))
    assert stats.last_at is not None
    assert stats.last_at.day == PURCHASES
    assert (balance.available, balance.earned) == (total, total)
    await assert_reconciled(database, ctx.id)


async def test_one_customers_purchases_and_returns_at_once_all_succeed(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    """An earning and a return both lock the customer's stats and balance rows, in one
    order: racing on both workers, none is failed by PostgreSQL as a deadlock."""
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    base = f"{ctx.base}/purchases"

    def buy(number: str, total: str) -> dict[str, str]:
        return {
            "customer_id": str(customer.id),
            "number": number,
            "status": "completed",
            "total": total,
            "currency": "EUR",
            "purchased_at": "2026-11-20T10:00:00Z",
        }

    async with live_server.client() as client:
        rule = await client.post(
            f"{ctx.base}/earning-rules",
            json={"name": "1 per unit", "points_per_unit": "1"},
            headers=ctx.admin.headers,
        )
        assert rule.status_code == 201, rule.text
        kept = await client.post(base, json=buy("KEPT", "500.00"), headers=ctx.seller.headers)
        assert kept.status_code == 201, kept.text
        returns = f"{base}/{kept.json()['id']}/returns"
        requests = []
        for i in range(PURCHASES):
            requests.append(
                client.post(base, json=buy(f"R-{i}", "10.00"), headers=ctx.seller.headers)
            )
            requests.append(
                client.post(returns, json={"amount": "1.00"}, headers=ctx.seller.headers)
            )
        responses = await asyncio.gather(*requests)
    assert set(assert_statuses(responses, {200, 201})) == {200, 201}
    async with database.transaction() as session:
        stats = await session.get(PurchaseStats, (ctx.id, customer.id))
    assert stats is not None
    assert (stats.count, stats.total) == (1 + PURCHASES, Decimal(500 + 10 * PURCHASES - PURCHASES))
    await assert_reconciled(database, ctx.id)
