"""Aimeos' self sign-up limit holds across two server processes: a burst of sign-ups
from one address opens exactly the allowed number of accounts."""

import asyncio

from sqlalchemy import func, select

from clientbook.models import Customer
from tests.factories import Factory
from tests.server import LiveServer, assert_statuses

BURST = 12


async def test_the_sign_up_limit_holds_across_workers(
    live_server: LiveServer, factory: Factory
) -> None:
    ctx = await factory.store()
    url = f"/jsonapi/customer?site={ctx.code}"
    async with live_server.client() as client:
        options = await client.options(f"/jsonapi?site={ctx.code}")
        assert options.status_code == 200, options.text
        token = options.json()["meta"]["csrf"]["value"]
        cookie = options.headers["set-cookie"].split(";")[0]
        answers = await asyncio.gather(
            *(
                client.post(
                    f"{url}&_token={token}",
                    json={"data": {"attributes": {"customer.email": f"burst{n}@example.com"}}},
                    headers={"Cookie": cookie},
                )
                for n in range(BURST)
            )
        )
    statuses = assert_statuses(answers, {201, 429})
    limit = factory.settings.aimeos_signup_limit
    assert statuses.count(201) == limit
    async with factory.database.reading() as session:
        made = await session.scalar(
            select(func.count()).select_from(Customer).where(Customer.store_id == ctx.id)
        )
    assert made == limit
