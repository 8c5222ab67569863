"""Rewards: the catalogue, redeeming through the ledger for a coupon, stock and limits."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from clientbook.kit.db import Database
from clientbook.models import CustomerEvent
from tests.factories import Factory, StoreCtx
from tests.loyalty.helpers import assert_reconciled, status, wallet_of, write
from tests.problems import assert_problem, error_fields


async def make_reward(
    client: httpx.AsyncClient, ctx: StoreCtx, expect: int = 201, **fields: Any
) -> dict[str, Any]:
    body = {"name": "Free coffee", "cost": "30", **fields}
    response = await client.post(f"{ctx.base}/rewards", json=body, headers=ctx.admin.headers)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


def redeem_url(ctx: StoreCtx, customer_id: object, reward_id: object) -> str:
    return f"{ctx.base}/customers/{customer_id}/rewards/{reward_id}/redeem"


async def redeem(
    client: httpx.AsyncClient,
    ctx: StoreCtx,
    customer_id: object,
    reward_id: object,
    expect: int = 201,
    **headers: str,
) -> httpx.Response:
    response = await client.post(
        redeem_url(ctx, customer_id, reward_id), headers={**ctx.seller.headers, **headers}
    )
    assert response.status_code == expect, response.text
    return response


async def test_the_catalogue_is_created_listed_changed_and_deleted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    reward = await make_reward(
        client,
        ctx,
        description="Any size",
        stock=5,
        per_customer_limit=1,
        valid_from="2026-01-01T00:00:00Z",
        valid_until="2027-01-01T00:00:00+01:00",
    )
    assert reward["cost"] == "30.00"
    assert reward["wallet"] == "points"
    assert reward["stock"] == 5
    assert reward["valid_until"] == "2026-12-31T23:00:00Z"
    await make_reward(client, ctx, name="Tote bag", cost="10", active=False)
    listed = await client.get(f"{ctx.base}/rewards", headers=ctx.seller.headers)
    assert [r["name"] for r in listed.json()["data"]] == ["Tote bag", "Free coffee"]
    active = await client.get(f"{ctx.base}/rewards?active=true", headers=ctx.seller.headers)
    assert [r["name"] for r in active.json()["data"]] == ["Free coffee"]
    url = f"{ctx.base}/rewards/{reward['id']}"
    changed = await client.patch(url, json={"stock": 2, "cost": "25.5"}, headers=ctx.admin.headers)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["stock"], changed.json()["cost"]) == (2, "25.50")
    assert changed.json()["description"] == "Any size"
    deleted = await client.delete(url, headers=ctx.admin.headers)
    assert deleted.status_code == 204
    assert (await client.get(url, headers=ctx.seller.headers)).status_code == 404


async def test_bad_rewards_name_the_field(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    for fields, field in (
        ({"cost": "0"}, "cost"),
        ({"cost": "-5"}, "cost"),
        ({"stock": -1}, "stock"),
        ({"per_customer_limit": 0}, "per_customer_limit"),
        ({"wallet": "tokens"}, "wallet"),
        (
            {"valid_from": "2026-02-01T00:00:00Z", "valid_until": "2026-01-01T00:00:00Z"},
            "valid_until",
        ),
        ({"valid_from": "2026-02-01T00:00:00"}, "valid_from"),
    ):
        response = await client.post(
            f"{ctx.base}/rewards",
            json={"name": "X", "cost": "1", **fields},
            headers=ctx.admin.headers,
        )
        assert field in error_fields(assert_problem(response, 422)), (fields, response.text)
    reward = await make_reward(client, ctx)
    nulled = await client.patch(
        f"{ctx.base}/rewards/{reward['id']}", json={"cost": None}, headers=ctx.admin.headers
    )
    assert error_fields(assert_problem(nulled, 422)) == {"cost"}


async def test_redeeming_spends_issues_a_coupon_and_is_in_the_trail(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    reward = await make_reward(client, ctx, cost="30", stock=3)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 100})
    first = (await redeem(client, ctx, customer.id, reward["id"])).json()
    second = (await redeem(client, ctx, customer.id, reward["id"])).json()
    assert first["cost"] == "30.00"
    assert first["reward_name"] == "Free coffee"
    assert first["coupon_code"] != second["coupon_code"]
    assert len(first["coupon_code"]) == 12
    assert first["used_at"] is None
    points = wallet_of(await status(client, ctx, customer.id))
    assert (points["active"], points["used"]) == ("40.00", "60.00")
    left = await client.get(f"{ctx.base}/rewards/{reward['id']}", headers=ctx.seller.headers)
    assert left.json()["stock"] == 1
    # 40 left, the reward costs 30: one more, then the balance is short.
    await redeem(client, ctx, customer.id, reward["id"])
    short = await make_reward(client, ctx, name="Big", cost="11")
    refused = await redeem(client, ctx, customer.id, short["id"], expect=409)
    assert "Not enough points" in refused.json()["detail"]
    listed = await client.get(
        f"{ctx.base}/customers/{customer.id}/redemptions", headers=ctx.seller.headers
    )
    assert len(listed.json()["data"]) == 3
    async with database.transaction() as session:
        actions = list(
            await session.scalars(
                select(CustomerEvent.action).where(
                    CustomerEvent.store_id == ctx.id, CustomerEvent.customer_id == customer.id
                )
            )
        )
    assert actions.count("reward.redeemed") == 3
    assert actions.count("points.spend") == 3
    await assert_reconciled(database, ctx.id)


async def test_out_of_stock_limit_window_and_inactive_are_409_with_nothing_written(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    other = await factory.customer(ctx)
    for who in (customer, other):
        await write(client, ctx, who.id, {"type": "earn", "amount": 100})
    one = await make_reward(client, ctx, name="Last one", cost="5", stock=1)
    await redeem(client, ctx, customer.id, one["id"])
    gone = await redeem(client, ctx, other.id, one["id"], expect=409)
    assert "out of stock" in gone.json()["detail"]
    limited = await make_reward(client, ctx, name="Once", cost="5", per_customer_limit=1)
    await redeem(client, ctx, customer.id, limited["id"])
    again = await redeem(client, ctx, customer.id, limited["id"], expect=409)
    assert "limit" in again.json()["detail"]
    await redeem(client, ctx, other.id, limited["id"])  # the limit is per customer
    later = await make_reward(
        client, ctx, name="Later", cost="5", valid_from="2999-01-01T00:00:00Z"
    )
    over = await make_reward(client, ctx, name="Over", cost="5", valid_until="2001-01-01T00:00:00Z")
    off = await make_reward(client, ctx, name="Off", cost="5", active=False)
    for reward in (later, over, off):
        await redeem(client, ctx, customer.id, reward["id"], expect=409)
    points = wallet_of(await status(client, ctx, customer.id))
    assert points["active"] == "90.00"  # two redemptions of 5
    await assert_reconciled(database, ctx.id)


async def test_an_exact_balance_redeems_and_a_cent_short_does_not(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    reward = await make_reward(client, ctx, cost="10.01")
    await write(client, ctx, customer.id, {"type": "earn", "amount": "10.00"})
    await redeem(client, ctx, customer.id, reward["id"], expect=409)
    await write(client, ctx, customer.id, {"type": "earn", "amount": "0.01"})
    await redeem(client, ctx, customer.id, reward["id"])
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "0.00"
    await assert_reconciled(database, ctx.id)


async def test_a_retry_with_one_key_gives_the_first_coupon(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    reward = await make_reward(client, ctx, cost="10", stock=5)
    await write(client, ctx, customer.id, {"type": "earn", "amount": 100})
    first = await redeem(client, ctx, customer.id, reward["id"], **{"Idempotency-Key": "r-1"})
    retry = await redeem(client, ctx, customer.id, reward["id"], **{"Idempotency-Key": "r-1"})
    assert retry.json() == first.json()
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "90.00"
    left = await client.get(f"{ctx.base}/rewards/{reward['id']}", headers=ctx.seller.headers)
    assert left.json()["stock"] == 4
    other = await make_reward(client, ctx, name="Other", cost="1")
    reused = await redeem(client, ctx, customer.id, other["id"], 409, **{"Idempotency-Key": "r-1"})
    assert "Idempotency-Key" in error_fields(reused.json())


async def test_a_coupon_is_used_once(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    reward = await make_reward(client, ctx, cost="1")
    await write(client, ctx, customer.id, {"type": "earn", "amount": 5})
    redemption = (await redeem(client, ctx, customer.id, reward["id"])).json()
    url = f"{ctx.base}/customers/{customer.id}/redemptions/{redemption['id']}/use"
    used = await client.post(url, headers=ctx.seller.headers)
    assert used.status_code == 200, used.text
    assert used.json()["used_at"] is not None
    assert_problem(await client.post(url, headers=ctx.seller.headers), 409)
    other = await factory.customer(ctx)
    wrong = f"{ctx.base}/customers/{other.id}/redemptions/{redemption['id']}/use"
    assert_problem(await client.post(wrong, headers=ctx.seller.headers), 404)
    deleting = await client.delete(f"{ctx.base}/rewards/{reward['id']}", headers=ctx.admin.headers)
    assert_problem(deleting, 409)


async def test_another_stores_reward_is_not_found(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    intruder = await factory.store()
    customer = await factory.customer(ctx)
    theirs = await make_reward(client, intruder, cost="1")
    await write(client, ctx, customer.id, {"type": "earn", "amount": 5})
    assert_problem(
        await client.post(redeem_url(ctx, customer.id, theirs["id"]), headers=ctx.seller.headers),
        404,
    )
    missing = redeem_url(ctx, customer.id, uuid.uuid4())
    assert_problem(await client.post(missing, headers=ctx.seller.headers), 404)
    assert_problem(
        await client.get(f"{ctx.base}/rewards/{theirs['id']}", headers=ctx.seller.headers), 404
    )
