"""A database restart costs at most a retried request, never a 500 (PostgreSQL only).

The pool does not ping before each checkout (kit/db.py): a connection lost meanwhile fails
the one request that finds it, with 503 and ``Retry-After``, and the pool starts afresh.
"""

import uuid

import asyncpg
import httpx
import pytest

from clientbook.app import create_app
from clientbook.kit.db import Database
from clientbook.settings import Settings
from tests.factories import Factory


async def _drop_every_connection(database: Database) -> None:
    """What a database restart does to the pool, from a connection outside it."""
    url = database.engine.url.set(drivername="postgresql")
    outsider = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        dropped = await outsider.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await outsider.close()
    assert dropped >= 1


@pytest.mark.parametrize("path", ["one customer", "the list"])
async def test_a_lost_connection_is_a_503_to_retry_then_the_service_recovers(
    client: httpx.AsyncClient, factory: Factory, database: Database, dialect: str, path: str
) -> None:
    if dialect != "postgresql":
        pytest.skip("SQLite has no connections to lose")
    ctx = await factory.store()
    customer = await factory.customer(ctx, first_name="Ada")
    url = f"{ctx.base}/customers" + (f"/{customer.id}" if path == "one customer" else "")
    headers = ctx.seller.headers
    for _ in range(3):  # warm the pool: several connections are open and idle
        assert (await client.get(url, headers=headers)).status_code == 200
    try:
        await _drop_every_connection(database)
        statuses = []
        for _ in range(3):
            response = await client.get(url, headers=headers)
            statuses.append(response.status_code)
            if response.status_code == 503:
                assert response.headers["Retry-After"] == "1"
                assert response.json()["detail"] == "The database connection was lost; try again"
        assert statuses == [503, 200, 200]
    finally:
        await database.engine.dispose()


async def test_a_database_with_no_connection_free_is_a_503_to_retry(
    factory: Factory, database: Database, dialect: str, settings: Settings
) -> None:
    """PostgreSQL refusing a connection (``too many connections``, SQLSTATE 53300) is a
    moment's overload, not a fault: the client is told to retry, never given a 500."""
    if dialect != "postgresql":
        pytest.skip("SQLite has no connection limit")
    ctx = await factory.store()
    role = f"clientbook_full_{uuid.uuid4().hex[:8]}"
    admin_url = database.engine.url.set(drivername="postgresql")
    admin = await asyncpg.connect(admin_url.render_as_string(hide_password=False))
    await admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
    full = Database(database.engine.url.set(username=role).render_as_string(hide_password=False))
    try:
        app = create_app(settings, full)
        transport = httpx.ASGITransport(app=app, client=("10.9.9.9", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            requests = [
                client.build_request("GET", f"{ctx.base}/customers"),
                client.build_request("GET", f"{ctx.base}/customers/{uuid.uuid4()}"),
                client.build_request("POST", f"{ctx.base}/customers", json={"first_name": "Ada"}),
            ]
            for request in requests:
                request.headers.update(ctx.seller.headers)
                response = await client.send(request)
                assert response.status_code == 503, response.text
                assert response.headers["Retry-After"] == "1"
                assert response.json()["detail"] == "The database has no connection free; try again"
    finally:
        await full.dispose()
        await admin.execute(f'DROP ROLE "{role}"')
        await admin.close()
