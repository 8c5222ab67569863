"""Sums the engine keeps (points balances, purchase totals) have a largest value: a write
that would pass it is a 409 naming its field, with nothing written, on both databases
(PostgreSQL refuses the number; SQLite would keep it). Instants past year 1 or 9999 in
UTC, where they are stored, are a 422 naming their field."""

from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select, update

from clientbook.kit.db import Database
from clientbook.models import PointsBalance
from tests.factories import Factory
from tests.loyalty.helpers import assert_reconciled, status, wallet_of, write
from tests.loyalty.test_purchases import _buy, _rule, _stats
from tests.problems import assert_problem, error_fields

LARGEST_PURCHASE = "100000000000.00"  # what a purchase's total may be (10^11)


async def test_a_purchase_past_the_largest_totals_is_a_409_with_nothing_written(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    """Ten purchases of 10^11 at 10,000 points each: the tenth passes both the purchase
    total kept (under 10^12) and the points balance (under 10^16)."""
    ctx = await factory.store()
    await _rule(client, ctx, points_per_unit="10000")
    customer = await factory.customer(ctx)
    for _ in range(9):
        await _buy(client, ctx, customer.id, total=LARGEST_PURCHASE)
    body = {
        "customer_id": str(customer.id),
        "number": "TOO-MUCH",
        "status": "completed",
        "total": LARGEST_PURCHASE,
        "currency": "USD",
        "purchased_at": "2026-11-20T10:00:00Z",
    }
    response = await client.post(f"{ctx.base}/purchases", json=body, headers=ctx.seller.headers)
    assert error_fields(assert_problem(response, 409)) == {"total"}
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "9000000000000000.00"
    stats = await _stats(database, ctx, customer.id)
    assert (stats.count, str(stats.total)) == (9, "900000000000.00")
    # A pending one is kept (it earns nothing yet); completing it is the same 409.
    pending = await _buy(client, ctx, customer.id, total=LARGEST_PURCHASE, status="pending")
    url = f"{ctx.base}/purchases/{pending['id']}/status"
    response = await client.put(url, json={"status": "completed"}, headers=ctx.seller.headers)
    assert error_fields(assert_problem(response, 409)) == {"status"}
    got = await client.get(f"{ctx.base}/purchases/{pending['id']}", headers=ctx.seller.headers)
    assert (got.json()["status"], got.json()["points_earned"]) == ("pending", "0.00")
    assert (await _stats(database, ctx, customer.id)).count == 9
    await assert_reconciled(database, ctx.id)


async def test_points_past_the_largest_balance_are_a_409_on_amount(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 10})
    near = Decimal("9999999999999990.00")  # 10^16 - 10: as if earned over the years
    async with database.transaction() as session:
        await session.execute(
            update(PointsBalance)
            .where(PointsBalance.store_id == ctx.id, PointsBalance.customer_id == customer.id)
            .values(available=near, earned=near)
        )
    refused = await write(client, ctx, customer.id, {"type": "earn", "amount": 10}, status=409)
    assert {e["field"] for e in refused["errors"]} == {"amount"}
    async with database.transaction() as session:
        balance = (
            await session.scalars(
                select(PointsBalance).where(
                    PointsBalance.store_id == ctx.id, PointsBalance.customer_id == customer.id
                )
            )
        ).one()
    assert balance.available == near


EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00"]


@pytest.mark.parametrize("instant", EDGES)
async def test_a_purchase_instant_past_the_utc_years_names_the_field(
    client: httpx.AsyncClient, factory: Factory, instant: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    for field in ("purchased_at", "delivered_at"):
        body = {
            "customer_id": str(customer.id),
            "number": "EDGE",
            "status": "completed",
            "total": "1.00",
            "currency": "USD",
            "purchased_at": "2026-11-20T10:00:00Z",
            field: instant,
        }
        response = await client.post(f"{ctx.base}/purchases", json=body, headers=ctx.seller.headers)
        assert error_fields(assert_problem(response, 422)) == {field}
    await _buy(client, ctx, customer.id, number="EDGE")  # nothing was kept: the number is free


@pytest.mark.parametrize("instant", EDGES)
async def test_a_points_instant_past_the_utc_years_names_the_field(
    client: httpx.AsyncClient, factory: Factory, instant: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    for field in ("unlock_at", "expires_at"):
        body = {"type": "earn", "amount": 5, field: instant}
        refused = await write(client, ctx, customer.id, body, status=422)
        assert {e["field"] for e in refused["errors"]} == {field}
    assert wallet_of(await status(client, ctx, customer.id))["earned"] == "0.00"


async def test_purchase_list_bounds_past_the_utc_years_name_the_parameter(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    await _buy(client, ctx, customer.id)  # purchased 2026-11-20T10:00:00Z
    url = f"{ctx.base}/customers/{customer.id}/purchases"
    for name, instant in zip(("purchased_from", "purchased_before"), EDGES, strict=True):
        response = await client.get(url, params={name: instant}, headers=ctx.seller.headers)
        assert error_fields(assert_problem(response, 422)) == {name}
    # Without an offset, a bound is read as UTC (as the customer list's are).
    naive = {"purchased_from": "2026-11-20T10:00:00", "purchased_before": "2026-11-20T10:00:01"}
    found = await client.get(url, params=naive, headers=ctx.seller.headers)
    assert found.status_code == 200, found.text
    assert found.json()["total"] == 1
