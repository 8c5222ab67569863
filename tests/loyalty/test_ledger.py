"""POST .../customers/{id}/points and GET .../loyalty: the ledger's arithmetic at its edges."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, text

from clientbook.kit.db import Database
from clientbook.loyalty.tick import TICK_LOCK, run_tick, tick_once_alone
from clientbook.models import PointsEntry, PointsLot, Wallet
from tests.factories import Factory
from tests.loyalty.helpers import assert_reconciled, status, wallet_of, write
from tests.problems import assert_problem, error_fields


async def _entries(database: Database, customer_id: object) -> int:
    async with database.transaction() as session:
        total = await session.scalar(
            select(func.count())
            .select_from(PointsEntry)
            .where(PointsEntry.customer_id == customer_id)
        )
    return int(total or 0)


async def test_earn_then_spend_updates_the_status_and_the_event_trail(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    earned = await write(
        client, ctx, customer.id, {"type": "earn", "amount": 50, "reason": "welcome"}
    )
    assert (earned["type"], earned["amount"], earned["available"]) == ("earn", "50.00", "50.00")
    spent = await write(
        client, ctx, customer.id, {"wallet": "points", "type": "spend", "amount": "20.5"}
    )
    assert (spent["amount"], spent["balance_after"]) == ("-20.50", "29.50")

    points = wallet_of(await status(client, ctx, customer.id))
    assert (points["active"], points["earned"], points["used"]) == ("29.50", "50.00", "20.50")
    assert (points["locked"], points["expired"], points["expiring"]) == ("0.00", "0.00", [])
    events = await client.get(
        f"{ctx.base}/customers/{customer.id}/events", headers=ctx.seller.headers
    )
    actions = [(e["action"], e["fields"]) for e in events.json()["data"]]
    assert ("points.earn", ["wallet:points"]) in actions
    assert ("points.spend", ["wallet:points"]) in actions
    await assert_reconciled(database, ctx.id)


async def test_a_spend_beyond_the_balance_is_409_and_writes_nothing(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 10})
    response = await client.post(
        f"{ctx.base}/customers/{customer.id}/points",
        json={"type": "spend", "amount": 11},
        headers=ctx.seller.headers,
    )
    assert error_fields(assert_problem(response, 409)) == {"amount"}
    assert await _entries(database, customer.id) == 1
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "10.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "earn", "amount": 0}, "amount"),
        ({"type": "spend", "amount": -5}, "amount"),
        ({"type": "earn", "amount": "1.001"}, "amount"),
        ({"type": "adjust", "amount": 5}, "reason"),
        ({"type": "adjust", "amount": 0, "reason": "x"}, "amount"),
        ({"type": "spend", "amount": 1, "expires_at": "2099-01-01T00:00:00Z"}, "expires_at"),
        ({"type": "earn", "amount": 1, "expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
        ({"type": "earn", "amount": 1, "wallet": "nope"}, "wallet"),
        ({"type": "gift", "amount": 1}, "type"),
    ],
)
async def test_bad_writes_name_the_field(
    client: httpx.AsyncClient, factory: Factory, body: dict[str, object], field: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    response = await client.post(
        f"{ctx.base}/customers/{customer.id}/points", json=body, headers=ctx.seller.headers
    )
    assert field in error_fields(assert_problem(response, 422))


async def test_staff_adjustments_add_and_take_with_a_reason(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    await write(client, ctx, customer.id, {"type": "adjust", "amount": 30, "reason": "goodwill"})
    taken = await write(
        client, ctx, customer.id, {"type": "adjust", "amount": -12, "reason": "typo"}
    )
    assert (taken["amount"], taken["available"], taken["reason"]) == ("-12.00", "18.00", "typo")
    await write(client, ctx, customer.id, {"type": "adjust", "amount": -19, "reason": "x"}, 409)
    await assert_reconciled(database, ctx.id)


async def test_spends_take_the_earliest_expiring_lots_first(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    soon = datetime.now(UTC) + timedelta(days=10)
    later = datetime.now(UTC) + timedelta(days=40)
    never = await write(client, ctx, customer.id, {"type": "earn", "amount": 10})
    late = await write(
        client, ctx, customer.id, {"type": "earn", "amount": 10, "expires_at": later.isoformat()}
    )
    early = await write(
        client, ctx, customer.id, {"type": "earn", "amount": 10, "expires_at": soon.isoformat()}
    )
    await write(client, ctx, customer.id, {"type": "spend", "amount": 15})
    async with database.transaction() as session:
        lots = {
            str(i): r for i, r in await session.execute(select(PointsLot.id, PointsLot.remaining))
        }
    assert [lots[e["id"]] for e in (early, late, never)] == [0, 5, 10]
    body = wallet_of(await status(client, ctx, customer.id))
    assert body["expiring"] == [{"date": later.date().isoformat(), "points": "5.00"}]
    await assert_reconciled(database, ctx.id)


async def test_the_tick_expires_lots_once_and_catches_up(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    expiry = datetime.now(UTC) + timedelta(days=3)
    for amount in (7, 5):
        await write(
            client,
            ctx,
            customer.id,
            {"type": "earn", "amount": amount, "expires_at": expiry.isoformat()},
        )
    await write(client, ctx, customer.id, {"type": "earn", "amount": 4})
    await write(client, ctx, customer.id, {"type": "spend", "amount": 9})
    # Long after the expiry (the service was down): the 3 points left in those lots expire.
    assert (await run_tick(database, expiry + timedelta(days=30))).settled >= 1
    again = await run_tick(database, expiry + timedelta(days=31))
    points = wallet_of(await status(client, ctx, customer.id))
    assert (points["active"], points["expired"], points["used"]) == ("4.00", "3.00", "9.00")
    assert await _entries(database, customer.id) == 4 + 1
    assert again.settled == 0
    await assert_reconciled(database, ctx.id)


async def test_locked_points_become_usable_when_the_pending_period_ends(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    response = await client.post(
        f"{ctx.base}/wallets",
        json={"code": "tokens", "name": "Tokens", "pending_days": 3, "expiry_days": 30},
        headers=ctx.admin.headers,
    )
    assert response.status_code == 201, response.text
    customer = await factory.customer(ctx)
    earned = await write(
        client, ctx, customer.id, {"wallet": "tokens", "type": "earn", "amount": 20}
    )
    assert (earned["available"], earned["locked"]) == ("0.00", "20.00")
    await write(client, ctx, customer.id, {"wallet": "tokens", "type": "spend", "amount": 1}, 409)
    tokens = wallet_of(await status(client, ctx, customer.id), "tokens")
    assert (tokens["active"], tokens["locked"]) == ("0.00", "20.00")

    await run_tick(database, datetime.now(UTC) + timedelta(days=3, minutes=1))
    tokens = wallet_of(await status(client, ctx, customer.id), "tokens")
    assert (tokens["active"], tokens["locked"]) == ("20.00", "0.00")
    await write(client, ctx, customer.id, {"wallet": "tokens", "type": "spend", "amount": 20})
    await run_tick(database, datetime.now(UTC) + timedelta(days=31))
    tokens = wallet_of(await status(client, ctx, customer.id), "tokens")
    assert (tokens["active"], tokens["expired"], tokens["used"]) == ("0.00", "0.00", "20.00")
    await assert_reconciled(database, ctx.id)


async def test_retries_with_one_idempotency_key_write_one_entry(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    body = {"type": "earn", "amount": 25}
    first = await write(client, ctx, customer.id, body, **{"Idempotency-Key": "earn-1"})
    second = await write(client, ctx, customer.id, body, **{"Idempotency-Key": "earn-1"})
    assert first == second
    changed = {"type": "earn", "amount": 26}
    await write(client, ctx, customer.id, changed, 409, **{"Idempotency-Key": "earn-1"})
    assert await _entries(database, customer.id) == 1
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "25.00"


async def test_fifty_concurrent_spends_of_a_balance_for_ten_let_ten_through(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 10})
    url = f"{ctx.base}/customers/{customer.id}/points"
    responses = await asyncio.gather(
        *(
            client.post(url, json={"type": "spend", "amount": 1}, headers=ctx.seller.headers)
            for _ in range(50)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 10, codes
    assert codes.count(409) == 40, codes
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "0.00"
    await assert_reconciled(database, ctx.id)


async def test_another_store_cannot_see_or_write_points(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    customer = await factory.customer(ctx)
    response = await client.post(
        f"{other.base}/customers/{customer.id}/points",
        json={"type": "earn", "amount": 5},
        headers=other.seller.headers,
    )
    assert_problem(response, 404)
    response = await client.get(
        f"{other.base}/customers/{customer.id}/loyalty", headers=other.seller.headers
    )
    assert_problem(response, 404)


async def test_expiry_across_a_leap_day_and_the_next_month_figures(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = datetime(2028, 1, 31, 23, 30, tzinfo=UTC)
    monkeypatch.setattr("clientbook.loyalty.ledger.utcnow", lambda: now)
    monkeypatch.setattr("clientbook.loyalty.points.utcnow", lambda: now)
    monkeypatch.setattr("clientbook.loyalty.status_reads.utcnow", lambda: now)
    ctx = await factory.store()
    response = await client.post(
        f"{ctx.base}/wallets",
        json={"code": "month", "name": "Month", "expiry_days": 30},
        headers=ctx.admin.headers,
    )
    assert response.status_code == 201, response.text
    customer = await factory.customer(ctx)
    thirty = await write(client, ctx, customer.id, {"wallet": "month", "type": "earn", "amount": 1})
    assert thirty["expires_at"] == "2028-03-01T23:30:00Z"  # 30 days on, past 29 February
    for amount, expires in (
        (2, "2028-01-31T23:59:00Z"),
        (4, "2028-02-01T00:00:00Z"),
        (8, "2028-02-29T23:59:00Z"),
    ):
        await write(
            client,
            ctx,
            customer.id,
            {"wallet": "month", "type": "earn", "amount": amount, "expires_at": expires},
        )
    month = wallet_of(await status(client, ctx, customer.id), "month")
    assert month["expiring_next_month"] == "12.00"  # February only: 4 + 8
    assert month["expiring"] == [
        {"date": "2028-01-31", "points": "2.00"},
        {"date": "2028-02-01", "points": "4.00"},
        {"date": "2028-02-29", "points": "8.00"},
        {"date": "2028-03-01", "points": "1.00"},
    ]
    await run_tick(database, datetime(2028, 2, 29, 23, 59, 30, tzinfo=UTC))
    month = wallet_of(await status(client, ctx, customer.id), "month")
    assert (month["active"], month["expired"]) == ("1.00", "14.00")
    await run_tick(database, datetime(2028, 3, 1, 23, 29, tzinfo=UTC))
    assert wallet_of(await status(client, ctx, customer.id), "month")["active"] == "1.00"
    await run_tick(database, datetime(2028, 3, 1, 23, 30, tzinfo=UTC))
    month = wallet_of(await status(client, ctx, customer.id), "month")
    assert (month["active"], month["expired"]) == ("0.00", "15.00")
    await assert_reconciled(database, ctx.id)


async def test_wallets_are_per_store_and_admin_made(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    body = {"code": "tokens", "name": "Tokens"}
    response = await client.post(f"{ctx.base}/wallets", json=body, headers=ctx.seller.headers)
    assert_problem(response, 403)
    response = await client.post(f"{ctx.base}/wallets", json=body, headers=ctx.admin.headers)
    assert response.status_code == 201, response.text
    response = await client.post(f"{ctx.base}/wallets", json=body, headers=ctx.admin.headers)
    assert error_fields(assert_problem(response, 409)) == {"code"}
    listed = await client.get(f"{ctx.base}/wallets", headers=ctx.seller.headers)
    assert [w["code"] for w in listed.json()["data"]] == ["points", "tokens"]


async def test_a_store_made_through_the_api_has_the_points_wallet(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    owner = await factory.user()
    response = await client.post(
        "/v1/stores",
        json={"code": "LOYAL1" + owner.user.id.hex[:6].upper(), "name": "Loyal"},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    async with database.transaction() as session:
        codes = (
            await session.scalars(
                select(Wallet.code).where(Wallet.store_id == uuid.UUID(response.json()["id"]))
            )
        ).all()
    assert codes == ["points"]


async def test_the_tick_runs_once_at_a_time_and_releases_its_lock(
    factory: Factory, database: Database
) -> None:
    if database.dialect != "postgresql":
        assert await tick_once_alone(database) is not None
        return
    async with database.engine.connect() as holder:
        await holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": TICK_LOCK})
        assert await tick_once_alone(database) is None  # another worker is running it
        await holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": TICK_LOCK})
        await holder.commit()
    assert await tick_once_alone(database) is not None
    assert await tick_once_alone(database) is not None  # the lock was released
