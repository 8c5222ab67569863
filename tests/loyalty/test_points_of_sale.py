"""Points of sale: CRUD, sellers tied to one, a customer's POS, purchases at one."""

import uuid
from typing import Any

import httpx

from tests.factories import Factory, StoreCtx
from tests.problems import assert_problem, error_fields


async def _pos(
    client: httpx.AsyncClient, ctx: StoreCtx, expect: int = 201, **fields: Any
) -> dict[str, Any]:
    body = {"name": "Main street", "identifier": f"POS-{uuid.uuid4().hex[:6]}", **fields}
    response = await client.post(f"{ctx.base}/points-of-sale", json=body, headers=ctx.admin.headers)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


def _purchase(customer_id: object, pos_id: object) -> dict[str, Any]:
    return {
        "customer_id": str(customer_id),
        "number": f"P-{uuid.uuid4().hex[:8]}",
        "status": "completed",
        "total": "10.00",
        "currency": "EUR",
        "purchased_at": "2026-11-20T10:00:00Z",
        "pos_id": str(pos_id),
    }


async def test_points_of_sale_are_created_changed_listed_and_deleted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    pos = await _pos(client, ctx, identifier="WAW-1", location="Warsaw, Nowy Świat 1")
    assert (pos["identifier"], pos["active"]) == ("WAW-1", True)
    taken = await client.post(
        f"{ctx.base}/points-of-sale",
        json={"name": "Other", "identifier": "WAW-1"},
        headers=ctx.admin.headers,
    )
    assert error_fields(assert_problem(taken, 409)) == {"identifier"}
    url = f"{ctx.base}/points-of-sale/{pos['id']}"
    changed = await client.patch(url, json={"name": "Old town"}, headers=ctx.admin.headers)
    assert changed.json()["name"] == "Old town"
    nulled = await client.patch(url, json={"identifier": None}, headers=ctx.admin.headers)
    assert error_fields(assert_problem(nulled, 422)) == {"identifier"}
    listed = await client.get(f"{ctx.base}/points-of-sale", headers=ctx.seller.headers)
    assert [p["name"] for p in listed.json()["data"]] == ["Old town"]
    assert (await client.delete(url, headers=ctx.admin.headers)).status_code == 204
    assert_problem(await client.get(url, headers=ctx.seller.headers), 404)


async def test_purchases_and_customers_take_only_this_stores_pos(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    intruder = await factory.store()
    customer = await factory.customer(ctx)
    mine = await _pos(client, ctx)
    theirs = await _pos(client, intruder)
    off = await _pos(client, ctx, active=False)
    for pos_id in (theirs["id"], off["id"], str(uuid.uuid4())):
        refused = await client.post(
            f"{ctx.base}/purchases", json=_purchase(customer.id, pos_id), headers=ctx.seller.headers
        )
        assert error_fields(assert_problem(refused, 422)) == {"pos_id"}
    bought = await client.post(
        f"{ctx.base}/purchases", json=_purchase(customer.id, mine["id"]), headers=ctx.seller.headers
    )
    assert bought.json()["pos_id"] == mine["id"]
    deleting = await client.delete(
        f"{ctx.base}/points-of-sale/{mine['id']}", headers=ctx.admin.headers
    )
    assert_problem(deleting, 409)
    url = f"{ctx.base}/customers/{customer.id}/point-of-sale"
    foreign = await client.put(url, json={"pos_id": theirs["id"]}, headers=ctx.seller.headers)
    assert error_fields(assert_problem(foreign, 422)) == {"pos_id"}
    assigned = await client.put(url, json={"pos_id": mine["id"]}, headers=ctx.seller.headers)
    assert assigned.json()["pos_id"] == mine["id"]
    document = await client.get(f"{ctx.base}/customers/{customer.id}", headers=ctx.seller.headers)
    assert document.json()["pos_id"] == mine["id"]
    assert document.headers["etag"] == '"2"'
    cleared = await client.put(url, json={"pos_id": None}, headers=ctx.seller.headers)
    assert cleared.json()["pos_id"] is None


async def test_only_sellers_are_tied_one_pos_each(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    first, second = await _pos(client, ctx), await _pos(client, ctx)
    seller = ctx.seller.user.id
    tie = f"{ctx.base}/points-of-sale/{first['id']}/sellers/{seller}"
    assert (await client.put(tie, headers=ctx.admin.headers)).status_code == 204
    moved = f"{ctx.base}/points-of-sale/{second['id']}/sellers/{seller}"
    assert (await client.put(moved, headers=ctx.admin.headers)).status_code == 204
    for pos, expected in ((first, []), (second, [str(seller)])):
        listed = await client.get(
            f"{ctx.base}/points-of-sale/{pos['id']}/sellers", headers=ctx.seller.headers
        )
        assert listed.json()["data"] == expected
    admin = f"{ctx.base}/points-of-sale/{first['id']}/sellers/{ctx.admin.user.id}"
    assert error_fields(
        assert_problem(await client.put(admin, headers=ctx.admin.headers), 422)
    ) == {"user_id"}
    stranger = f"{ctx.base}/points-of-sale/{first['id']}/sellers/{uuid.uuid4()}"
    assert_problem(await client.put(stranger, headers=ctx.admin.headers), 404)
    assert (await client.delete(moved, headers=ctx.admin.headers)).status_code == 204
    assert_problem(await client.delete(moved, headers=ctx.admin.headers), 404)
