"""Webhooks under two server processes: both workers run a webhook sender, a real local
HTTP receiver hears every event once, each customer's in order, all signed."""

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from clientbook.settings import Settings
from tests.factories import Factory
from tests.server import LiveServer, assert_statuses, serve
from tests.webhooks.receiver import Receiver, receiving

CUSTOMERS = 12
UPDATES = 4


@pytest.fixture
def hooked_server(
    live_server: LiveServer, settings: Settings, data_dir: Path
) -> Iterator[LiveServer]:
    """``clientbook serve --workers 2`` with its senders on and local receivers allowed
    (``live_server`` only makes the module skip on SQLite)."""
    env = {
        "CLIENTBOOK_OUTBOX_SENDER": "true",
        "CLIENTBOOK_OUTBOX_POLL_SECONDS": "0.05",
        "CLIENTBOOK_OUTBOX_BATCH_SIZE": "3",
        "CLIENTBOOK_DB_POOL_SIZE": "3",
        "CLIENTBOOK_WEBHOOK_ALLOW_PRIVATE": "true",
        "CLIENTBOOK_WEBHOOK_RETRY_SECONDS": "0.2",
    }
    yield from serve(settings, data_dir / "webhook-server", workers=2, env=env)


async def test_two_workers_deliver_each_event_once_in_order_per_customer(
    hooked_server: LiveServer, factory: Factory
) -> None:
    ctx = await factory.store()
    # Every fifth call fails first: retries must keep the id and the customer's order.
    receiver = Receiver(statuses=[200, 200, 200, 200, 500] * 20)
    with receiving(receiver):
        async with hooked_server.client() as client:
            made = await client.post(
                f"{ctx.base}/webhooks",
                json={"url": receiver.url, "events": ["customer.created", "customer.updated"]},
                headers=ctx.owner.headers,
            )
            assert made.status_code == 201, made.text
            secret = made.json()["secret"]
            created = await asyncio.gather(
                *(
                    client.post(
                        f"{ctx.base}/customers",
                        json={"first_name": f"c{n}"},
                        headers=ctx.seller.headers,
                    )
                    for n in range(CUSTOMERS)
                )
            )
            assert_statuses(created, {201})
            ids = [r.json()["id"] for r in created]
            for round_ in range(UPDATES):
                updated = await asyncio.gather(
                    *(
                        client.patch(
                            f"{ctx.base}/customers/{id_}",
                            json={"last_name": f"v{round_}"},
                            headers=ctx.seller.headers,
                        )
                        for id_ in ids
                    )
                )
                assert_statuses(updated, {200})
        expected = CUSTOMERS * (1 + UPDATES)
        deadline = time.monotonic() + 90
        while len({c.headers["webhook-id"] for c in receiver.calls}) < expected:
            assert time.monotonic() < deadline, len(receiver.calls)
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # nothing more should come

    payloads = receiver.verified(secret)
    answered = [c.status for c in receiver.calls]
    delivered: dict[str, list[str]] = defaultdict(list)  # customer -> fields, in order
    seen: set[str] = set()
    for call, payload, status in zip(receiver.calls, payloads, answered, strict=True):
        if status != 200:
            continue
        event_id = call.headers["webhook-id"]
        assert event_id not in seen, "an event was delivered twice"
        seen.add(event_id)
        delivered[payload["data"]["customer_id"]].append(payload["type"])
    assert len(seen) == expected
    for customer in ids:
        assert delivered[customer] == ["customer.created"] + ["customer.updated"] * UPDATES
    # Each customer's deliveries, in the order the receiver accepted them, follow the
    # order of the changes: the timestamps in the payloads never go back.
    times: dict[str, list[str]] = defaultdict(list)
    for payload, status in zip(payloads, answered, strict=True):
        if status == 200:
            times[payload["data"]["customer_id"]].append(payload["timestamp"])
    assert all(t == sorted(t) for t in times.values()), json.dumps(times)[:500]
