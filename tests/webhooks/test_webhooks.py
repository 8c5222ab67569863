"""Webhooks end to end: registered over the API, written with the change, delivered
signed to a real local HTTP receiver by the sender, retried, logged, replayed."""

import uuid
from dataclasses import replace
from typing import Any

import httpx
from sqlalchemy import select, update

from clientbook.kit.db import Database, utcnow
from clientbook.models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from tests.factories import Factory, StoreCtx
from tests.webhooks.conftest import FAST, drain, sender
from tests.webhooks.receiver import Receiver

ALL = [
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.restored",
    "customer.consent_changed",
    "points.earned",
    "points.spent",
    "tier.changed",
    "purchase.recorded",
    "reward.redeemed",
    "file.added",
]


async def _register(
    client: httpx.AsyncClient, ctx: StoreCtx, url: str, events: list[str] = ALL
) -> dict[str, Any]:
    response = await client.post(
        f"{ctx.base}/webhooks", json={"url": url, "events": events}, headers=ctx.owner.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_register_list_update_delete(local: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    created = await local.post(
        f"{ctx.base}/webhooks",
        json={"url": "https://shop.example.com/hooks", "events": ["customer.created"]},
        headers=ctx.admin.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["active"] is True
    assert body["events"] == ["customer.created"]
    assert created.headers["location"] == f"/v1/stores/{ctx.code}/webhooks/{body['id']}"
    assert created.headers["cache-control"] == "no-store"

    listed = (await local.get(f"{ctx.base}/webhooks", headers=ctx.owner.headers)).json()
    assert [w["id"] for w in listed["data"]] == [body["id"]]
    assert "secret" not in listed["data"][0]  # shown once

    url = f"{ctx.base}/webhooks/{body['id']}"
    patched = await local.patch(
        url,
        json={"events": ["points.earned", "customer.updated"], "active": False},
        headers=ctx.owner.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["events"] == ["customer.updated", "points.earned"]
    assert patched.json()["active"] is False
    assert "secret" not in (await local.get(url, headers=ctx.owner.headers)).json()

    assert (await local.delete(url, headers=ctx.owner.headers)).status_code == 204
    gone = await local.get(url, headers=ctx.owner.headers)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"


async def test_only_http_urls_and_no_private_addresses_by_default(
    client: httpx.AsyncClient, local: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    refused = {
        "ftp://shop.example.com/x": "http or https",
        "file:///etc/passwd": "http or https",
        "javascript:alert(1)": "http or https",
        "https://": "host",
        "http://127.0.0.1:8000/x": "private",
        "http://[::1]/x": "private",
        "http://169.254.169.254/latest/meta-data": "private",
        "http://10.0.0.7/x": "private",
        "http://localhost:9000/x": "this machine",
    }
    for url, reason in refused.items():
        response = await client.post(
            f"{ctx.base}/webhooks",
            json={"url": url, "events": ["customer.created"]},
            headers=ctx.owner.headers,
        )
        assert response.status_code == 422, (url, response.text)
        [error] = response.json()["errors"]
        assert error["field"] == "url", (url, error)
        assert reason in error["message"], (url, error)
    # The operator may allow its own network (CLIENTBOOK_WEBHOOK_ALLOW_PRIVATE=true).
    allowed = await local.post(
        f"{ctx.base}/webhooks",
        json={"url": "http://127.0.0.1:8000/x", "events": ["customer.created"]},
        headers=ctx.owner.headers,
    )
    assert allowed.status_code == 201
    unknown = await client.post(
        f"{ctx.base}/webhooks",
        json={"url": "https://shop.example.com", "events": ["customer.teleported"]},
        headers=ctx.owner.headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"].startswith("events")


async def test_changes_arrive_signed_in_order_with_a_delivery_log(
    local: httpx.AsyncClient, database: Database, factory: Factory, receiver: Receiver
) -> None:
    ctx = await factory.store()
    hook = await _register(local, ctx, receiver.url)
    created = await local.post(
        f"{ctx.base}/customers",
        json={"first_name": "Ada", "email": f"ada-{uuid.uuid4().hex[:8]}@example.com"},
        headers=ctx.seller.headers,
    )
    customer_id = created.json()["id"]
    customer = f"{ctx.base}/customers/{customer_id}"
    await local.patch(
        customer, json={"consents": {"email_marketing": True}}, headers=ctx.seller.headers
    )
    earned = await local.post(
        f"{customer}/points", json={"type": "earn", "amount": 7}, headers=ctx.seller.headers
    )
    assert earned.status_code == 201, earned.text
    await local.delete(customer, headers=ctx.owner.headers)
    # A refused change sends nothing: its transaction rolled back.
    refused = await local.post(
        f"{ctx.base}/customers", json={"email": "not an e-mail"}, headers=ctx.seller.headers
    )
    assert refused.status_code == 422

    await drain(sender(database, ctx.id))

    payloads = receiver.verified(hook["secret"])  # raises unless each signature is right
    assert [p["type"] for p in payloads] == [
        "customer.created",
        "customer.updated",
        "customer.consent_changed",
        "points.earned",
        "customer.deleted",
    ]
    assert all(p["data"]["customer_id"] == customer_id for p in payloads)
    assert all(p["data"]["store"] == ctx.code for p in payloads)
    assert payloads[1]["data"]["fields"] == ["consents"]
    assert payloads[3]["data"]["amount"] == "7.00"
    assert payloads[3]["data"]["wallet"]
    assert "Ada" not in str(payloads)  # thin events: ids and field names, no personal data
    call = receiver.calls[0]
    assert call.headers["content-type"] == "application/json"
    assert call.headers["webhook-id"].startswith("msg_")
    assert len(set(receiver.ids())) == 5

    log = await local.get(f"{ctx.base}/webhooks/{hook['id']}/deliveries", headers=ctx.owner.headers)
    assert log.status_code == 200, log.text
    rows = log.json()["data"]
    assert next(r["event_type"] for r in rows) == "customer.deleted"  # newest first
    assert {r["status"] for r in rows} == {"delivered"}
    assert {r["event_id"] for r in rows} == set(receiver.ids())
    [attempt] = rows[0]["log"]
    assert attempt["status_code"] == 204
    assert attempt["ok"] is True
    assert attempt["latency_ms"] >= 0
    assert attempt["at"]
    assert log.json()["pagination"]["total"] == 5


async def test_events_of_other_kinds_reach_only_their_subscribers(
    local: httpx.AsyncClient, database: Database, factory: Factory, receiver: Receiver
) -> None:
    ctx = await factory.store()
    await _register(local, ctx, receiver.url, ["purchase.recorded", "reward.redeemed"])
    customer = await factory.customer(ctx)
    bought = await local.post(
        f"{ctx.base}/purchases",
        json={
            "customer_id": str(customer.id),
            "number": "W-1",
            "status": "completed",
            "total": "100.00",
            "currency": "USD",
            "purchased_at": "2026-11-20T10:00:00Z",
        },
        headers=ctx.seller.headers,
    )
    assert bought.status_code == 201, bought.text
    await local.post(
        f"{ctx.base}/customers/{customer.id}/points",
        json={"type": "earn", "amount": 50},
        headers=ctx.seller.headers,
    )
    reward = await local.post(
        f"{ctx.base}/rewards", json={"name": "Mug", "cost": "5"}, headers=ctx.owner.headers
    )
    redeemed = await local.post(
        f"{ctx.base}/customers/{customer.id}/rewards/{reward.json()['id']}/redeem",
        headers=ctx.seller.headers,
    )
    assert redeemed.status_code == 201, redeemed.text
    await drain(sender(database, ctx.id))
    types = [c.headers for c in receiver.calls]
    assert len(types) == 2
    payloads = [c.body for c in receiver.calls]
    assert b"purchase.recorded" in payloads[0]
    assert b"W-1" in payloads[0]
    assert b"reward.redeemed" in payloads[1]


async def test_a_failing_receiver_holds_back_the_customers_later_events_then_retries(
    local: httpx.AsyncClient, database: Database, factory: Factory, receiver: Receiver
) -> None:
    ctx = await factory.store()
    hook = await _register(local, ctx, receiver.url)
    created = await local.post(
        f"{ctx.base}/customers", json={"first_name": "Bo"}, headers=ctx.seller.headers
    )
    customer = f"{ctx.base}/customers/{created.json()['id']}"
    await local.patch(customer, json={"first_name": "Bob"}, headers=ctx.seller.headers)
    receiver.statuses = [500, 503]
    slow = replace(FAST, retry_seconds=3600, retry_max_seconds=3600)
    hooks = sender(database, ctx.id, slow)
    await drain(hooks)
    # The first event failed; the second waits behind it, never sent out of order.
    assert len(receiver.calls) == 1
    async with database.transaction() as session:
        rows = (
            await session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.store_id == ctx.id)
                .order_by(WebhookDelivery.created_at)
            )
        ).all()
        assert [r.status for r in rows] == ["pending", "pending"]
        assert rows[0].attempts == 1
        assert rows[0].last_status_code == 500
        backoff = (rows[0].next_attempt_at - utcnow()).total_seconds()
        assert 3500 < backoff <= 3600
        endpoint = await session.get_one(WebhookEndpoint, (ctx.id, uuid.UUID(hook["id"])))
        assert endpoint.failing_since is not None
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.store_id == ctx.id)
            .values(next_attempt_at=utcnow())
        )
    await drain(sender(database, ctx.id))  # 503 and at once again: delivered; then the second one
    ids = receiver.ids()
    assert ids[0] == ids[1] == ids[2] != ids[3]  # the same webhook-id on every attempt
    types = [p["type"] for p in receiver.verified(hook["secret"])]
    assert types == ["customer.created"] * 3 + ["customer.updated"]
    async with database.reading() as session:
        endpoint = await session.get_one(WebhookEndpoint, (ctx.id, uuid.UUID(hook["id"])))
        assert endpoint.failing_since is None  # a success clears it

    rows_ = await local.get(
        f"{ctx.base}/webhooks/{hook['id']}/deliveries",
        params={"status": "delivered"},
        headers=ctx.owner.headers,
    )
    first = rows_.json()["data"][-1]
    assert [a["status_code"] for a in first["log"]] == [204, 503, 500]


async def test_an_endpoint_failing_for_days_is_disabled_and_the_owners_told(
    local: httpx.AsyncClient, database: Database, factory: Factory, receiver: Receiver
) -> None:
    ctx = await factory.store()
    hook = await _register(local, ctx, receiver.url)
    created = await local.post(
        f"{ctx.base}/customers", json={"first_name": "Cy"}, headers=ctx.seller.headers
    )
    assert created.status_code == 201
    receiver.status = 500
    # Three days have passed (give-up and disable times of zero say the same).
    hooks = sender(database, ctx.id, replace(FAST, give_up_seconds=0, disable_after_seconds=0))
    await drain(hooks)
    async with database.reading() as session:
        endpoint = await session.get_one(WebhookEndpoint, (ctx.id, uuid.UUID(hook["id"])))
        statuses = (
            await session.scalars(
                select(WebhookDelivery.status).where(WebhookDelivery.store_id == ctx.id)
            )
        ).all()
        mails = (
            await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.store_id == ctx.id, OutboxMessage.template == "webhook_disabled"
                )
            )
        ).all()
    assert endpoint.active is False
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason
    assert "HTTP 500" in endpoint.disabled_reason
    assert set(statuses) == {"failed"}
    assert [m.recipient for m in mails] == [ctx.owner.email.lower()]
    assert mails[0].context["url"] == receiver.url

    shown = (await local.get(f"{ctx.base}/webhooks/{hook['id']}", headers=ctx.owner.headers)).json()
    assert shown["active"] is False
    assert shown["disabled_at"]
    # Disabled: new changes queue nothing for it, and a replay is refused until enabled.
    before = len(receiver.calls)
    await local.post(f"{ctx.base}/customers", json={"first_name": "D"}, headers=ctx.seller.headers)
    log = await local.get(f"{ctx.base}/webhooks/{hook['id']}/deliveries", headers=ctx.owner.headers)
    delivery = log.json()["data"][0]
    assert log.json()["pagination"]["total"] == 1
    replay = f"{ctx.base}/webhooks/{hook['id']}/deliveries/{delivery['id']}/replay"
    assert (await local.post(replay, headers=ctx.owner.headers)).status_code == 409

    enabled = await local.patch(
        f"{ctx.base}/webhooks/{hook['id']}", json={"active": True}, headers=ctx.owner.headers
    )
    assert enabled.json()["disabled_at"] is None
    assert enabled.json()["failing_since"] is None
    receiver.status = 200
    replayed = await local.post(replay, headers=ctx.owner.headers)
    assert replayed.status_code == 202, replayed.text
    assert replayed.json()["status"] == "pending"
    assert replayed.json()["replayed_at"]
    await drain(sender(database, ctx.id))
    assert receiver.ids()[before:] == [delivery["event_id"]]  # the same webhook-id
    again = await local.post(replay, headers=ctx.owner.headers)
    assert again.status_code == 202  # a delivered one may be replayed too
    queued = await local.post(replay, headers=ctx.owner.headers)
    assert queued.status_code == 409  # but not while it is queued


async def test_the_sender_refuses_private_addresses_unless_allowed(
    local: httpx.AsyncClient, database: Database, factory: Factory, receiver: Receiver
) -> None:
    ctx = await factory.store()
    await _register(local, ctx, receiver.url)
    await local.post(f"{ctx.base}/customers", json={"first_name": "E"}, headers=ctx.seller.headers)
    strict = replace(FAST, allow_private=False, retry_seconds=3600, retry_max_seconds=3600)
    await drain(sender(database, ctx.id, strict))
    assert receiver.calls == []
    async with database.reading() as session:
        delivery = (
            await session.scalars(select(WebhookDelivery).where(WebhookDelivery.store_id == ctx.id))
        ).one()
    assert delivery.status == "pending"
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("refused:")


async def test_another_stores_deliveries_and_endpoints_are_not_found(
    local: httpx.AsyncClient, factory: Factory, receiver: Receiver
) -> None:
    ctx = await factory.store()
    other = await factory.store()
    hook = await _register(local, ctx, receiver.url)
    await local.post(f"{ctx.base}/customers", json={"first_name": "F"}, headers=ctx.seller.headers)
    for url in (
        f"{other.base}/webhooks/{hook['id']}",
        f"{other.base}/webhooks/{hook['id']}/deliveries",
    ):
        response = await local.get(url, headers=other.owner.headers)
        assert response.status_code == 404, response.text
    assert (await local.get(f"{other.base}/webhooks", headers=other.owner.headers)).json() == {
        "data": []
    }


async def test_activation_is_a_customer_update(
    local: httpx.AsyncClient, database: Database, factory: Factory, receiver: Receiver
) -> None:
    ctx = await factory.store()
    hook = await _register(local, ctx, receiver.url, ["customer.updated"])
    customer = await factory.customer(ctx)
    url = f"{ctx.base}/customers/{customer.id}"
    assert (await local.post(f"{url}/deactivate", headers=ctx.admin.headers)).status_code == 200
    assert (await local.post(f"{url}/deactivate", headers=ctx.admin.headers)).status_code == 200
    await drain(sender(database, ctx.id))
    [payload] = receiver.verified(hook["secret"])  # the second changed nothing: no event
    assert payload["data"]["fields"] == ["is_active"]
