"""API keys under concurrent requests to two server processes: a name is taken once, a
revoked key fails at once on every worker, and stamping the last use never errs."""

import asyncio

from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import ApiKey
from tests.api_keys.keys import bearer, make_key
from tests.factories import Factory
from tests.server import LiveServer, assert_statuses

BURST = 40


async def test_a_key_name_is_taken_once(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    body = {"name": "pos", "role": "seller"}
    async with live_server.client() as client:
        responses = await asyncio.gather(
            *(
                client.post(f"{ctx.base}/api-keys", json=body, headers=ctx.owner.headers)
                for _ in range(BURST)
            )
        )
    assert assert_statuses(responses, {201, 409}).count(201) == 1
    async with database.reading() as session:
        live = await session.scalar(
            select(func.count())
            .select_from(ApiKey)
            .where(ApiKey.store_id == ctx.id, ApiKey.revoked_at.is_(None))
        )
    assert live == 1


async def test_a_revoked_key_fails_on_every_worker_at_once(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    one = f"{ctx.base}/customers/{customer.id}"
    urls = [one, f"{ctx.base}/customers", f"{ctx.base}/customers?q=Test"] * (BURST // 3)
    async with live_server.client() as client:
        key = bearer(await make_key(client, ctx, "seller"))
        used = await asyncio.gather(*(client.get(url, headers=key) for url in urls))
        assert_statuses(used, {200})
        (listed,) = (await client.get(f"{ctx.base}/api-keys", headers=ctx.owner.headers)).json()[
            "data"
        ]
        revoked = await client.delete(
            f"{ctx.base}/api-keys/{listed['id']}", headers=ctx.owner.headers
        )
        assert revoked.status_code == 204
        refused = await asyncio.gather(*(client.get(url, headers=key) for url in urls))
    assert_statuses(refused, {401})
    async with database.reading() as session:
        used_at = await session.scalar(select(ApiKey.last_used_at).where(ApiKey.store_id == ctx.id))
    assert used_at is not None
