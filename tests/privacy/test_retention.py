"""Retention purges exactly what is due: deleted customers after N days, unconfirmed
self-registrations (holding no purchase or points) after M days; off by default."""

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from clientbook.kit.db import Database, utcnow
from clientbook.models import Customer, CustomerCredential
from clientbook.privacy.retention import purge_due
from tests.factories import Factory, StoreCtx
from tests.loyalty.helpers import write


def _storage(client: httpx.AsyncClient) -> Any:
    return client._transport.app.state.storage  # type: ignore[attr-defined]


async def _age(database: Database, model: Any, column: str, ids: list[Any], days: int) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(model)
            .where(model.customer_id.in_(ids) if model is not Customer else Customer.id.in_(ids))
            .values({column: utcnow() - timedelta(days=days)})
        )


async def _unconfirmed(factory: Factory, database: Database, ctx: StoreCtx) -> Any:
    customer = await factory.customer(ctx)
    async with database.transaction() as session:
        session.add(CustomerCredential(store_id=ctx.id, customer_id=customer.id, password_hash="x"))
    return customer


async def test_nothing_is_purged_by_default(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    await client.delete(f"{ctx.base}/customers/{customer.id}", headers=ctx.admin.headers)
    await _age(database, Customer, "deleted_at", [customer.id], 10_000)
    await purge_due(database, _storage(client))
    assert (await factory.get_customer(ctx, customer.id)).anonymized_at is None  # type: ignore[union-attr]


async def test_purges_exactly_what_is_due(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    set_up = await client.patch(
        ctx.base,
        json={"retention_deleted_days": 30, "retention_unconfirmed_days": 7},
        headers=ctx.admin.headers,
    )
    assert set_up.status_code == 200, set_up.text
    assert set_up.json()["retention_deleted_days"] == 30
    old, recent, live = [await factory.customer(ctx) for _ in range(3)]
    for customer in (old, recent):
        deleted = await client.delete(
            f"{ctx.base}/customers/{customer.id}", headers=ctx.admin.headers
        )
        assert deleted.status_code == 204
    await _age(database, Customer, "deleted_at", [old.id], 31)
    await _age(database, Customer, "deleted_at", [recent.id], 29)
    stale = await _unconfirmed(factory, database, ctx)
    fresh = await _unconfirmed(factory, database, ctx)
    buyer = await _unconfirmed(factory, database, ctx)
    await write(client, ctx, buyer.id, {"type": "earn", "amount": 1})
    await _age(database, CustomerCredential, "created_at", [stale.id, buyer.id], 8)
    await _age(database, CustomerCredential, "created_at", [fresh.id], 6)
    other = await factory.store()
    theirs = await factory.customer(other)
    await client.delete(f"{other.base}/customers/{theirs.id}", headers=other.admin.headers)
    await _age(database, Customer, "deleted_at", [theirs.id], 10_000)

    result = await purge_due(database, _storage(client))
    assert (result.deleted, result.unconfirmed) == (1, 1)
    purged = set()
    for store, customer in [(ctx, c) for c in (old, recent, live, stale, fresh, buyer)] + [
        (other, theirs)
    ]:
        row = await factory.get_customer(store, customer.id)
        assert row is not None
        if row.anonymized_at is not None:
            purged.add(customer.id)
    assert purged == {old.id, stale.id}
    again = await purge_due(database, _storage(client))
    assert (again.deleted, again.unconfirmed) == (0, 0)
    refused = await client.patch(
        ctx.base, json={"retention_deleted_days": 0}, headers=ctx.admin.headers
    )
    assert refused.status_code == 422
