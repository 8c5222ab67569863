"""Referrals: readable codes, a referral recorded on create, completed and credited once
on the first completed purchase."""

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from clientbook.kit.db import Database
from clientbook.models import CustomerEvent, Referral
from tests.factories import Factory, StoreCtx
from tests.loyalty.helpers import assert_reconciled, status, wallet_of
from tests.problems import assert_problem, error_fields


async def _referrals(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: object) -> Any:
    response = await client.get(
        f"{ctx.base}/customers/{customer_id}/referrals", headers=ctx.seller.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _create(
    client: httpx.AsyncClient, ctx: StoreCtx, expect: int = 201, **fields: Any
) -> httpx.Response:
    body = {"first_name": "Ana", "email": f"{uuid.uuid4().hex[:10]}@example.com", **fields}
    response = await client.post(f"{ctx.base}/customers", json=body, headers=ctx.seller.headers)
    assert response.status_code == expect, response.text
    return response


async def _buy(
    client: httpx.AsyncClient, ctx: StoreCtx, customer_id: object, status: str = "completed"
) -> dict[str, Any]:
    response = await client.post(
        f"{ctx.base}/purchases",
        json={
            "customer_id": str(customer_id),
            "number": f"R-{uuid.uuid4().hex[:8]}",
            "status": status,
            "total": "20.00",
            "currency": "EUR",
            "purchased_at": "2026-11-20T10:00:00Z",
        },
        headers=ctx.seller.headers,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_codes_are_readable_unique_and_made_on_first_read(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    made = await _create(client, ctx, first_name="Zoë")
    code = (await _referrals(client, ctx, made.json()["id"]))["code"]
    assert code.startswith("ZOE")
    assert code[3:].isdigit()
    # A customer made past the canonical API (here the factory) gets one when read.
    older = await factory.customer(ctx, first_name="张伟")
    first = (await _referrals(client, ctx, older.id))["code"]
    assert first.startswith("FRIEND")
    assert (await _referrals(client, ctx, older.id))["code"] == first
    codes = {(await _referrals(client, ctx, (await _create(client, ctx)).json()["id"]))["code"]}
    for _ in range(15):
        codes.add(
            (await _referrals(client, ctx, (await _create(client, ctx)).json()["id"]))["code"]
        )
    assert len(codes) == 16


async def test_a_referral_completes_on_the_first_purchase_and_credits_once(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    rule = await client.put(
        f"{ctx.base}/referral-rule",
        json={"referrer_points": "50", "referred_points": "10"},
        headers=ctx.admin.headers,
    )
    assert rule.status_code == 200, rule.text
    assert rule.json() == {
        "wallet": "points",
        "referrer_points": "50.00",
        "referred_points": "10.00",
        "active": True,
    }
    referrer = (await _create(client, ctx, first_name="Layla")).json()
    code = (await _referrals(client, ctx, referrer["id"]))["code"]
    friend = (await _create(client, ctx, referral_code=f" {code.lower()} ")).json()
    listed = await _referrals(client, ctx, referrer["id"])
    assert [(r["referred_id"], r["status"]) for r in listed["data"]] == [(friend["id"], "pending")]
    assert (await _referrals(client, ctx, friend["id"]))["referred_by"]["referrer_id"] == (
        referrer["id"]
    )
    await _buy(client, ctx, friend["id"], status="pending")
    assert wallet_of(await status(client, ctx, referrer["id"]))["active"] == "0.00"
    await _buy(client, ctx, friend["id"])
    await _buy(client, ctx, friend["id"])  # a second purchase credits nothing more
    assert wallet_of(await status(client, ctx, referrer["id"]))["active"] == "50.00"
    assert wallet_of(await status(client, ctx, friend["id"]))["active"] == "10.00"
    done = (await _referrals(client, ctx, referrer["id"]))["data"][0]
    assert (done["status"], done["referrer_points"]) == ("completed", "50.00")
    assert done["completed_at"] is not None
    async with database.transaction() as session:
        actions = list(
            await session.scalars(
                select(CustomerEvent.action).where(
                    CustomerEvent.store_id == ctx.id,
                    CustomerEvent.customer_id == uuid.UUID(referrer["id"]),
                )
            )
        )
    assert actions.count("referral.recorded") == 1
    assert actions.count("referral.completed") == 1
    assert actions.count("points.earn") == 1
    await assert_reconciled(database, ctx.id)


async def test_an_unknown_or_foreign_code_is_refused_with_nothing_created(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    intruder = await factory.store()
    theirs = (await _create(client, intruder)).json()
    their_code = (await _referrals(client, intruder, theirs["id"]))["code"]
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    for code in ("NOPE0000", their_code):
        refused = await _create(client, ctx, 422, referral_code=code, email=email)
        assert error_fields(assert_problem(refused, 422)) == {"referral_code"}
    await _create(client, ctx, email=email)  # the e-mail was never taken
    async with database.transaction() as session:
        found = await session.scalar(select(Referral).where(Referral.store_id == ctx.id))
    assert found is None


async def test_the_rule_needs_an_admin_and_a_known_wallet(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    unset = await client.get(f"{ctx.base}/referral-rule", headers=ctx.seller.headers)
    assert unset.json()["active"] is False
    body = {"referrer_points": "5", "wallet": "tokens"}
    bad = await client.put(f"{ctx.base}/referral-rule", json=body, headers=ctx.admin.headers)
    assert error_fields(assert_problem(bad, 422)) == {"wallet"}
    negative = await client.put(
        f"{ctx.base}/referral-rule", json={"referrer_points": "-1"}, headers=ctx.admin.headers
    )
    assert error_fields(assert_problem(negative, 422)) == {"referrer_points"}
    seller = await client.put(
        f"{ctx.base}/referral-rule", json={"referrer_points": "5"}, headers=ctx.seller.headers
    )
    assert_problem(seller, 403)
