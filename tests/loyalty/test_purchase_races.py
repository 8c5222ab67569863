"""Purchases of one customer written at the same time: each succeeds or is refused, never
a 500, and the books add up afterwards.

On PostgreSQL an earning and a return of one customer both lock the customer's purchase
stats and points balance. They once took them in opposite orders, and PostgreSQL broke
the resulting deadlocks by failing one of the requests (a 500)."""

import asyncio
from decimal import Decimal

import httpx

from clientbook.kit.db import Database
from tests.factories import Factory
from tests.loyalty.helpers import assert_reconciled, status, wallet_of
from tests.loyalty.test_purchases import _buy, _rule, _stats

ROUNDS = 6


async def test_earnings_returns_and_cancels_of_one_customer_at_once_all_succeed(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    await _rule(client, ctx)
    customer = await factory.customer(ctx)
    kept = await _buy(client, ctx, customer.id, total="500.00")
    cancelled = [await _buy(client, ctx, customer.id, total="7.00") for _ in range(ROUNDS)]

    def earn() -> object:
        return _buy(client, ctx, customer.id, expect=201, total="10.00")

    def give_back() -> object:
        return client.post(
            f"{ctx.base}/purchases/{kept['id']}/returns",
            json={"amount": "1.00"},
            headers=ctx.seller.headers,
        )

    def cancel(purchase: dict[str, object]) -> object:
        return client.put(
            f"{ctx.base}/purchases/{purchase['id']}/status",
            json={"status": "cancelled"},
            headers=ctx.seller.headers,
        )

    for round_ in range(ROUNDS):
        answers = await asyncio.gather(
            earn(), give_back(), earn(), give_back(), cancel(cancelled[round_]), earn()
        )
        for answer in answers:
            if isinstance(answer, httpx.Response):
                assert answer.status_code == 200, answer.text

    # 1 kept (500 less 12 returned) + 18 earnings of 10; the cancelled ones count nothing.
    stats = await _stats(database, ctx, customer.id)
    assert (stats.count, stats.total) == (1 + 3 * ROUNDS, Decimal("668.00"))
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "668.00"
    await assert_reconciled(database, ctx.id)
