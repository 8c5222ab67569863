"""Tiers: reached by points earned (never the balance), a manual floor, downgrade modes."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.loyalty.tick import run_tick
from clientbook.models import CustomerEvent
from tests.factories import Factory, StoreCtx
from tests.loyalty.helpers import status, write
from tests.problems import assert_problem, error_fields


async def _tiers(client: httpx.AsyncClient, ctx: StoreCtx) -> dict[str, str]:
    ids = {}
    for name, percent, condition in (
        ("Bronze", "5.00", 0),
        ("Silver", "10.00", 100),
        ("Gold", "15.00", 200),
    ):
        response = await client.post(
            f"{ctx.base}/tiers",
            json={
                "name": name,
                "reward_percent": percent,
                "condition_value": condition,
                "active": True,
            },
            headers=ctx.admin.headers,
        )
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    return ids


async def _programme(client: httpx.AsyncClient, ctx: StoreCtx, **rules: Any) -> None:
    response = await client.put(
        f"{ctx.base}/loyalty-programme", json=rules, headers=ctx.admin.headers
    )
    assert response.status_code == 200, response.text


def _tier(body: dict[str, Any]) -> str | None:
    return body["tier"]["name"] if body["tier"] else None


async def test_tiers_follow_points_earned_not_the_balance(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    await _tiers(client, ctx)
    customer = await factory.customer(ctx)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 120})
    body = await status(client, ctx, customer.id)
    assert _tier(body) == "Silver"
    assert (body["next_tier"]["name"], body["next_tier"]["needed"]) == ("Gold", "80.00")
    await write(client, ctx, customer.id, {"type": "spend", "amount": 120})
    body = await status(client, ctx, customer.id)
    assert _tier(body) == "Silver"  # spending does not lose a tier
    assert body["tier_status"] == {
        "mode": "points",
        "value": "120.00",
        "manual": False,
        "points_required_to_keep": None,
        "days_until_review": None,
    }
    await write(client, ctx, customer.id, {"type": "earn", "amount": 80})
    body = await status(client, ctx, customer.id)
    assert (_tier(body), body["next_tier"]) == ("Gold", None)
    events = await client.get(
        f"{ctx.base}/customers/{customer.id}/events", headers=ctx.seller.headers
    )
    assert [e["action"] for e in events.json()["data"]].count("tier.changed") == 2


async def test_a_manual_tier_is_a_floor_until_removed(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    ids = await _tiers(client, ctx)
    customer = await factory.customer(ctx)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 10})
    url = f"{ctx.base}/customers/{customer.id}/tier"
    response = await client.put(url, json={"tier_id": ids["Silver"]}, headers=ctx.seller.headers)
    assert_problem(response, 403)
    response = await client.put(url, json={"tier_id": ids["Silver"]}, headers=ctx.admin.headers)
    assert response.status_code == 200, response.text
    assert (_tier(response.json()), response.json()["tier_status"]["manual"]) == ("Silver", True)
    # Earning past the floor moves up; the floor stays under it.
    await write(client, ctx, customer.id, {"type": "earn", "amount": 200})
    assert _tier(await status(client, ctx, customer.id)) == "Gold"
    await write(client, ctx, customer.id, {"type": "adjust", "amount": -200, "reason": "error"})
    assert (
        _tier(await status(client, ctx, customer.id)) == "Gold"
    )  # adjustments down are not earnings lost
    response = await client.put(url, json={"tier_id": None}, headers=ctx.admin.headers)
    assert _tier(response.json()) == "Gold"


async def test_a_window_drops_old_earnings_and_the_floor_holds_until_removed(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime(2027, 3, 1, tzinfo=UTC)
    clock = {"now": start}
    for module in ("ledger", "points", "status_reads"):
        monkeypatch.setattr(f"clientbook.loyalty.{module}.utcnow", lambda: clock["now"])
    monkeypatch.setattr("clientbook.loyalty.tier_endpoints.utcnow", lambda: clock["now"])
    ctx = await factory.store()
    ids = await _tiers(client, ctx)
    await _programme(client, ctx, tier_mode="points", window_days=30, downgrade_mode="automatic")
    customer = await factory.customer(ctx)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 150})
    response = await client.put(
        f"{ctx.base}/customers/{customer.id}/tier",
        json={"tier_id": ids["Silver"]},
        headers=ctx.admin.headers,
    )
    assert _tier(response.json()) == "Silver"
    clock["now"] = start + timedelta(days=31)  # the 150 points fall out of the window
    await write(client, ctx, customer.id, {"type": "earn", "amount": 1})
    body = await status(client, ctx, customer.id)
    assert (_tier(body), body["tier_status"]["value"]) == ("Silver", "1.00")
    response = await client.put(
        f"{ctx.base}/customers/{customer.id}/tier",
        json={"tier_id": None},
        headers=ctx.admin.headers,
    )
    assert _tier(response.json()) == "Bronze"


async def test_periodic_downgrades_wait_for_the_review(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime(2027, 3, 1, tzinfo=UTC)
    clock = {"now": start}
    for module in ("ledger", "points", "status_reads"):
        monkeypatch.setattr(f"clientbook.loyalty.{module}.utcnow", lambda: clock["now"])
    ctx = await factory.store()
    await _tiers(client, ctx)
    await _programme(
        client,
        ctx,
        tier_mode="points",
        window_days=30,
        downgrade_mode="periodic",
        downgrade_days=60,
    )
    customer = await factory.customer(ctx)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 210})
    clock["now"] = start + timedelta(days=40)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 5})
    body = await status(client, ctx, customer.id)
    assert _tier(body) == "Gold"
    assert body["tier_status"]["days_until_review"] == 20
    assert body["tier_status"]["points_required_to_keep"] == "195.00"
    clock["now"] = start + timedelta(days=61)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 1})
    assert _tier(await status(client, ctx, customer.id)) == "Bronze"


async def test_never_downgrade_keeps_the_tier(
    client: httpx.AsyncClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime(2027, 3, 1, tzinfo=UTC)
    clock = {"now": start}
    for module in ("ledger", "points", "status_reads"):
        monkeypatch.setattr(f"clientbook.loyalty.{module}.utcnow", lambda: clock["now"])
    ctx = await factory.store()
    await _tiers(client, ctx)
    await _programme(client, ctx, window_days=10, downgrade_mode="never")
    customer = await factory.customer(ctx)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 100})
    clock["now"] = start + timedelta(days=100)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 1})
    assert _tier(await status(client, ctx, customer.id)) == "Silver"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "reward_percent": "100.01", "condition_value": 1}, "reward_percent"),
        ({"name": "X", "reward_percent": "5", "condition_value": -1}, "condition_value"),
        ({"name": "", "reward_percent": "5", "condition_value": 1}, "name"),
        ({"reward_percent": "5", "condition_value": 1}, "name"),
    ],
)
async def test_bad_tiers_name_the_field(
    client: httpx.AsyncClient, factory: Factory, body: dict[str, Any], field: str
) -> None:
    ctx = await factory.store()
    response = await client.post(f"{ctx.base}/tiers", json=body, headers=ctx.admin.headers)
    assert field in error_fields(assert_problem(response, 422))


async def test_tier_names_are_unique_per_store(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    body = {"name": "Gold", "reward_percent": "15.00", "condition_value": 20, "active": True}
    first = await client.post(f"{ctx.base}/tiers", json=body, headers=ctx.admin.headers)
    assert first.status_code == 201
    assert first.json()["reward_percent"] == "15.00"
    again = await client.post(f"{ctx.base}/tiers", json=body, headers=ctx.admin.headers)
    assert error_fields(assert_problem(again, 409)) == {"name"}


async def test_the_tick_reviews_due_tiers_bounded_per_run_and_once(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    await _tiers(client, ctx)
    await _programme(
        client,
        ctx,
        tier_mode="points",
        window_days=30,
        downgrade_mode="periodic",
        downgrade_days=60,
    )
    customers = [await factory.customer(ctx) for _ in range(3)]
    for customer in customers:
        await write(client, ctx, customer.id, {"type": "earn", "amount": 210})
    now = datetime.now(UTC)
    early = await run_tick(database, now + timedelta(days=59))
    assert {_tier(await status(client, ctx, c.id)) for c in customers} == {"Gold"}
    # Past the review: nobody earned again, so only the sweep can lower the tier.
    first = await run_tick(database, now + timedelta(days=61), reviews=2)
    tiers = [_tier(await status(client, ctx, c.id)) for c in customers]
    assert sorted(tiers, key=str) == ["Bronze", "Bronze", "Gold"]
    second = await run_tick(database, now + timedelta(days=61), reviews=2)
    assert {_tier(await status(client, ctx, c.id)) for c in customers} == {"Bronze"}
    assert first.reviewed >= 2
    assert second.reviewed >= 1
    again = await run_tick(database, now + timedelta(days=62), reviews=2)
    mine = await _reviews_in(database, ctx)
    assert mine == 6  # each: up to Gold, down to Bronze; the other runs changed nothing
    assert early.reviewed >= 0
    assert again.reviewed >= 0


async def _reviews_in(database: Database, ctx: StoreCtx) -> int:
    async with database.transaction() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(CustomerEvent)
            .where(
                CustomerEvent.store_id == ctx.id,
                CustomerEvent.action == "tier.changed",
                CustomerEvent.at > datetime.now(UTC) - timedelta(minutes=5),
            )
        )
    return int(found or 0)
