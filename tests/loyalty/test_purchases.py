"""Purchases: earning on completion, returns after points were spent, stats on write."""

import uuid
from typing import Any

import httpx
from sqlalchemy import event, select

from clientbook.kit.db import Database
from clientbook.models import PointsBalance, PurchaseStats
from tests.api_keys.keys import bearer, make_key
from tests.factories import Factory, StoreCtx
from tests.loyalty.helpers import assert_reconciled, status, wallet_of, write
from tests.problems import assert_problem, error_fields


async def _rule(client: httpx.AsyncClient, ctx: StoreCtx, **fields: Any) -> dict[str, Any]:
    body = {"name": "1 per unit", "points_per_unit": "1", **fields}
    response = await client.post(f"{ctx.base}/earning-rules", json=body, headers=ctx.admin.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _buy(
    client: httpx.AsyncClient, ctx: StoreCtx, customer_id: object, expect: int = 201, **fields: Any
) -> dict[str, Any]:
    body = {
        "customer_id": str(customer_id),
        "number": f"ORD-{uuid.uuid4().hex[:8]}",
        "status": "completed",
        "total": "84.97",
        "currency": "USD",
        "purchased_at": "2026-11-20T10:00:00Z",
        **fields,
    }
    response = await client.post(f"{ctx.base}/purchases", json=body, headers=ctx.seller.headers)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def _stats(database: Database, ctx: StoreCtx, customer_id: object) -> PurchaseStats:
    async with database.transaction() as session:
        stats = await session.get(PurchaseStats, (ctx.id, customer_id))
    assert stats is not None
    return stats


async def test_a_completed_purchase_earns_on_its_eligible_amount(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    await _rule(client, ctx, points_per_unit="2", minimum_order="10")
    customer = await factory.customer(ctx)
    bought = await _buy(client, ctx, customer.id, delivery_costs="4.97", excluded_amount="10.00")
    assert bought["points_earned"] == "140.00"  # (84.97 - 4.97 - 10) * 2
    small = await _buy(client, ctx, customer.id, total="9.99")
    assert small["points_earned"] == "0.00"  # under the minimum order
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "140.00"
    stats = await _stats(database, ctx, customer.id)
    assert (stats.count, str(stats.total), str(stats.average)) == (2, "94.96", "47.48")
    assert str(stats.total_without_delivery) == "89.99"
    await assert_reconciled(database, ctx.id)


async def test_a_pending_purchase_earns_when_completed_and_numbers_are_unique(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    await _rule(client, ctx)
    customer = await factory.customer(ctx)
    pending = await _buy(client, ctx, customer.id, status="pending", number="A-1")
    assert pending["points_earned"] == "0.00"
    await _buy(client, ctx, customer.id, 409, number="A-1")
    url = f"{ctx.base}/purchases/{pending['id']}/status"
    done = await client.put(url, json={"status": "completed"}, headers=ctx.seller.headers)
    assert done.json()["points_earned"] == "84.97"
    again = await client.put(url, json={"status": "completed"}, headers=ctx.seller.headers)
    assert again.json()["points_earned"] == "84.97"  # completing twice earns once
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "84.97"


async def test_a_completed_purchase_with_a_taken_number_writes_nothing(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    """A taken number is a 409 naming ``number``, with no points, stats or trail left
    behind, whichever write of the earning finds it taken."""
    ctx = await factory.store()
    await _rule(client, ctx)
    customer = await factory.customer(ctx)
    await _buy(client, ctx, customer.id, number="B-1")
    events = f"{ctx.base}/customers/{customer.id}/events"
    before = (await client.get(events, headers=ctx.admin.headers)).json()
    response = await client.post(
        f"{ctx.base}/purchases",
        json={
            "customer_id": str(customer.id),
            "number": "B-1",
            "status": "completed",
            "total": "10.00",
            "currency": "USD",
            "purchased_at": "2026-11-21T10:00:00Z",
        },
        headers=ctx.seller.headers,
    )
    assert error_fields(assert_problem(response, 409)) == {"number"}
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "84.97"
    stats = await _stats(database, ctx, customer.id)
    assert (stats.count, str(stats.total)) == (1, "84.97")
    assert (await client.get(events, headers=ctx.admin.headers)).json() == before
    await assert_reconciled(database, ctx.id)


async def test_a_return_after_points_were_spent_is_owed_and_paid_by_later_earnings(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    await _rule(client, ctx)
    customer = await factory.customer(ctx)
    bought = await _buy(client, ctx, customer.id, total="100.00")
    await write(client, ctx, customer.id, {"type": "spend", "amount": 70})
    response = await client.post(
        f"{ctx.base}/purchases/{bought['id']}/returns",
        json={"amount": "50.00"},
        headers=ctx.seller.headers,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["points_reversed"], response.json()["status"]) == ("50.00", "completed")
    points = wallet_of(await status(client, ctx, customer.id))
    assert points["active"] == "0.00"  # 30 taken back, 20 owed: never below zero
    async with database.transaction() as session:
        balance = (
            await session.scalars(
                select(PointsBalance).where(PointsBalance.customer_id == customer.id)
            )
        ).one()
    assert str(balance.owed) == "20.00"
    await _buy(client, ctx, customer.id, total="25.00")
    points = wallet_of(await status(client, ctx, customer.id))
    assert points["active"] == "5.00"  # 25 earned, 20 of them paid what was owed
    # Cancelling the rest takes the other 50 back (5 now, 45 owed).
    response = await client.put(
        f"{ctx.base}/purchases/{bought['id']}/status",
        json={"status": "cancelled"},
        headers=ctx.seller.headers,
    )
    assert response.json()["points_reversed"] == "100.00"
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "0.00"
    stats = await _stats(database, ctx, customer.id)
    assert (stats.count, str(stats.total)) == (1, "25.00")
    await assert_reconciled(database, ctx.id)


async def test_purchases_move_tiers_in_purchase_mode_with_a_multiplier(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    gold = await client.post(
        f"{ctx.base}/tiers",
        json={"name": "Gold", "reward_percent": "10", "condition_value": 100},
        headers=ctx.admin.headers,
    )
    await client.put(
        f"{ctx.base}/loyalty-programme", json={"tier_mode": "purchases"}, headers=ctx.admin.headers
    )
    await _rule(client, ctx, multipliers={gold.json()["id"]: "2"})
    customer = await factory.customer(ctx)
    first = await _buy(client, ctx, customer.id, total="100.00", delivery_costs="5.00")
    assert first["points_earned"] == "95.00"
    assert (await status(client, ctx, customer.id))["tier"] is None
    second = await _buy(client, ctx, customer.id, total="10.00")
    body = await status(client, ctx, customer.id)
    assert (body["tier"]["name"], body["tier_status"]["value"]) == ("Gold", "105.00")
    assert second["points_earned"] == "10.00"  # the tier came with this purchase
    third = await _buy(client, ctx, customer.id, total="10.00")
    assert third["points_earned"] == "20.00"


async def test_bad_purchases_name_the_field(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    for fields, field in (
        ({"total": "-1"}, "total"),
        ({"total": "5", "delivery_costs": "6"}, "total"),
        ({"currency": "usd"}, "currency"),
        ({"status": "returned"}, "status"),
        ({"purchased_at": "2026-11-20T10:00:00"}, "purchased_at"),
    ):
        body = await _buy(client, ctx, customer.id, 422, **fields)
        assert field in {e["field"] for e in body["errors"]}, body
    other = await factory.store()
    stranger = await factory.customer(other)
    response = await client.post(
        f"{ctx.base}/purchases",
        json={
            "customer_id": str(stranger.id),
            "number": "X",
            "status": "completed",
            "total": "1",
            "currency": "USD",
            "purchased_at": "2026-11-20T10:00:00Z",
        },
        headers=ctx.seller.headers,
    )
    assert_problem(response, 404)
    response = await client.post(
        f"{ctx.base}/earning-rules",
        json={"name": "x", "points_per_unit": "1", "multipliers": {str(uuid.uuid4()): "2"}},
        headers=ctx.admin.headers,
    )
    assert error_fields(assert_problem(response, 422)) == {"multipliers"}


async def test_the_customer_list_filters_on_purchase_stats(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    big, small, none = [await factory.customer(ctx) for _ in range(3)]
    for total in ("100.00", "300.00"):
        await _buy(client, ctx, big.id, total=total, purchased_at="2020-01-01T00:00:00Z")
    await _buy(client, ctx, small.id, total="20.00")

    async def ids(**params: Any) -> set[str]:
        response = await client.get(
            f"{ctx.base}/customers", params=params, headers=ctx.seller.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["pagination"]["total"] == len(response.json()["data"])
        return {c["id"] for c in response.json()["data"]}

    everyone = await ids()
    assert await ids(transactions_amount_from="50") == {str(big.id)}
    assert await ids(transactions_amount_to="20", transactions_count_from=1) == {str(small.id)}
    assert await ids(average_transaction_amount_from="150") == {str(big.id)}
    assert await ids(transactions_count_from=2, transactions_count_to=2) == {str(big.id)}
    assert await ids(transactions_count_to=0) == everyone - {str(big.id), str(small.id)}
    assert str(none.id) in await ids(transactions_count_to=0)
    assert await ids(transactions_amount_to="1000") == everyone  # 0 is within, so no-buyers too
    assert await ids(days_from_last_transaction_to=30) == {str(small.id)}
    response = await client.get(
        f"{ctx.base}/customers",
        params={"transactions_amount_from": "-1"},
        headers=ctx.seller.headers,
    )
    assert error_fields(assert_problem(response, 422)) == {"transactions_amount_from"}


async def test_a_purchase_filter_total_follows_new_purchases(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """Purchase stats change without a customer write; a remembered total is dated by
    their own write version, so a purchase or a return is seen at once, by both workers'
    caches alike (the version is read from the database on every request)."""
    ctx = await factory.store()
    buyers = [await factory.customer(ctx) for _ in range(3)]

    async def total() -> int:
        response = await client.get(
            f"{ctx.base}/customers",
            params={"transactions_amount_from": "50", "limit": 1},
            headers=ctx.seller.headers,
        )
        assert response.status_code == 200, response.text
        return int(response.json()["pagination"]["total"])

    for buyer in buyers[:2]:
        await _buy(client, ctx, buyer.id, total="100.00")
    assert await total() == 2
    bought = await _buy(client, ctx, buyers[2].id, total="100.00")
    assert await total() == 3
    assert await total() == 3  # remembered: the same answer
    response = await client.post(
        f"{ctx.base}/purchases/{bought['id']}/returns",
        json={"amount": "60.00"},
        headers=ctx.seller.headers,
    )
    assert response.status_code == 200, response.text
    assert await total() == 2  # 40.00 left: under the filter now


async def test_the_customer_list_sorts_by_purchase_stats(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    big, small, none = [await factory.customer(ctx) for _ in range(3)]
    await _buy(client, ctx, big.id, total="100.00", purchased_at="2026-01-01T00:00:00Z")
    await _buy(client, ctx, small.id, total="10.00", purchased_at="2026-03-01T00:00:00Z")
    await _buy(client, ctx, small.id, total="20.00", purchased_at="2026-02-01T00:00:00Z")

    async def order(**params: Any) -> list[str]:
        response = await client.get(
            f"{ctx.base}/customers", params=params, headers=ctx.seller.headers
        )
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["data"]]

    ids = [str(c.id) for c in (big, small, none)]
    assert await order(sort="transactions_amount", order="desc") == ids
    assert await order(sort="transactions_amount", order="asc") == ids[::-1]
    assert await order(sort="transactions_count", order="desc") == [ids[1], ids[0], ids[2]]
    assert await order(sort="average_transaction_amount", order="asc") == [
        ids[2],
        ids[1],
        ids[0],
    ]
    # Customers without purchases have no last purchase: first in ascending order.
    assert (await order(sort="last_transaction_date", order="asc"))[1:] == [ids[0], ids[1]]
    second = await client.get(
        f"{ctx.base}/customers",
        params={"sort": "transactions_amount", "order": "desc", "limit": 1, "page": 2},
        headers=ctx.seller.headers,
    )
    body = second.json()
    assert [c["id"] for c in body["data"]] == [ids[1]]
    assert (body["pagination"]["total"], body["pagination"]["next_cursor"]) == (3, None)
    filtered = await order(sort="transactions_amount", order="asc", transactions_amount_from="1")
    assert filtered == [ids[1], ids[0]]
    walked = await client.get(
        f"{ctx.base}/customers",
        params={"sort": "transactions_count", "cursor": ""},
        headers=ctx.seller.headers,
    )
    assert error_fields(assert_problem(walked, 422)) == {"cursor"}


async def test_pages_sorted_by_a_purchase_figure_walk_buyers_and_others_in_one_order(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """Buyers and customers without purchases come from two index walks; every page size
    and direction must give the order one sort over the whole store gives: figure, then
    id, customers without purchases at 0 (a buyer whose purchases all came back too)."""
    ctx = await factory.store()
    customers = [await factory.customer(ctx) for _ in range(7)]
    totals = {0: "50.00", 1: "20.00", 2: "50.00", 3: "5.00"}  # 4, 5, 6 never bought
    bought = {i: await _buy(client, ctx, customers[i].id, total=t) for i, t in totals.items()}
    returned = await client.post(
        f"{ctx.base}/purchases/{bought[3]['id']}/returns",
        json={"amount": "5.00"},
        headers=ctx.seller.headers,
    )
    assert returned.status_code == 200, returned.text
    figure = {str(c.id): float(totals.get(i, "0")) for i, c in enumerate(customers)}
    figure[str(customers[3].id)] = 0.0
    for order in ("desc", "asc"):
        expected = sorted(figure, key=lambda cid: (figure[cid], cid), reverse=order == "desc")
        for size in (1, 2, 3, 7):
            walked: list[str] = []
            for page in range(1, 9 // size + 2):
                response = await client.get(
                    f"{ctx.base}/customers",
                    params={
                        "sort": "transactions_amount",
                        "order": order,
                        "limit": size,
                        "page": page,
                    },
                    headers=ctx.seller.headers,
                )
                assert response.status_code == 200, response.text
                walked += [c["id"] for c in response.json()["data"]]
            assert walked == expected, (order, size)


async def test_an_earning_purchase_is_written_in_few_statements(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    """The earning benchmark's path (a rule, no tiers, no webhook endpoint, no pending
    referral): the scope check, one read of the customer's standing and the store's
    rules, then the purchase, the balance with its entry and lot (one statement on
    PostgreSQL, three on SQLite), the events, the stats and the member. It was 21."""
    ctx = await factory.store()
    await _rule(client, ctx)
    customer = await factory.customer(ctx)
    await _buy(client, ctx, customer.id)
    statements: list[str] = []

    def count(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        if not sql.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")):
            statements.append(sql)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        bought = await _buy(client, ctx, customer.id)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    assert bought["points_earned"] == "84.97"
    most = 7 if database.dialect == "postgresql" else 9
    assert len(statements) <= most, "\n".join(s[:80] for s in statements)
    assert wallet_of(await status(client, ctx, customer.id))["active"] == "169.94"
    stats = await _stats(database, ctx, customer.id)
    assert (stats.count, str(stats.total), str(stats.average)) == (2, "169.94", "84.97")
    await assert_reconciled(database, ctx.id)


async def test_an_earning_purchase_made_with_an_api_key_names_the_key_in_every_event(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """The purchase and its points are recorded in the customer's trail with the key as
    the actor, as every other change made with a key is (docs/api.md)."""
    ctx = await factory.store()
    await _rule(client, ctx)
    customer = await factory.customer(ctx)
    key = await make_key(client, ctx, name="till-1")
    keys = await client.get(f"{ctx.base}/api-keys", headers=ctx.owner.headers)
    key_id = next(k["id"] for k in keys.json()["data"] if k["name"] == "till-1")
    body = {
        "customer_id": str(customer.id),
        "number": "K-1",
        "status": "completed",
        "total": "10.00",
        "currency": "EUR",
        "purchased_at": "2026-11-20T10:00:00Z",
    }
    bought = await client.post(f"{ctx.base}/purchases", json=body, headers=bearer(key))
    assert bought.status_code == 201, bought.text
    events = await client.get(
        f"{ctx.base}/customers/{customer.id}/events", headers=ctx.seller.headers
    )
    trail = [e for e in events.json()["data"] if e["action"] != "created"]
    assert [(e["action"], e["fields"]) for e in trail] == [
        ("points.earn", ["wallet:points"]),
        ("purchase.recorded", ["purchase"]),
    ]
    assert {(e["actor_api_key_id"], e["actor_user_id"]) for e in trail} == {(key_id, None)}
