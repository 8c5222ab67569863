"""A transaction PostgreSQL fails to settle a race (a deadlock it broke, a serialization
failure) is a 409 to send again, in the surface's own format, never a 500."""

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from clientbook.kit.db import LOST_RACE
from clientbook.loyalty import purchases
from tests.factories import Factory
from tests.problems import assert_problem

DEADLOCK = "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$"
SERIALIZATION = "DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = '40001'; END $$"


@pytest.mark.parametrize("failure", [DEADLOCK, SERIALIZATION])
async def test_a_transaction_the_database_failed_in_a_race_is_a_409_and_writes_nothing(
    client: httpx.AsyncClient,
    factory: Factory,
    dialect: str,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    if dialect != "postgresql":
        pytest.skip("SQLite runs one writer at a time: it has no deadlocks")
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    record = purchases.record_purchase

    async def record_then_lose(session: Any, scope: Any, data: Any) -> Any:
        await record(session, scope, data)  # written, then the transaction fails
        await session.execute(text(failure))

    monkeypatch.setattr(purchases, "record_purchase", record_then_lose)
    body = {
        "customer_id": str(customer.id),
        "number": "RACE-1",
        "status": "completed",
        "total": "10.00",
        "currency": "USD",
        "purchased_at": "2026-11-20T10:00:00Z",
    }
    url = f"{ctx.base}/purchases"
    response = await client.post(url, json=body, headers=ctx.seller.headers)
    assert assert_problem(response, 409)["detail"] == LOST_RACE
    monkeypatch.setattr(purchases, "record_purchase", record)
    again = await client.post(url, json=body, headers=ctx.seller.headers)
    assert again.status_code == 201, again.text  # the number was not kept: nothing was
