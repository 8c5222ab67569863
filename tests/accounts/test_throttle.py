"""The sign-in throttle holds under concurrency, on the database and on Redis, and counts
the client's address, believing forwarded headers only from trusted proxies."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from ipaddress import ip_network

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from clientbook.app import create_app
from clientbook.kit.db import Database
from clientbook.settings import Settings
from tests.accounts.test_auth import client_from, random_address
from tests.factories import PASSWORD, Factory

TOKEN = "/v1/auth/token"
REDIS_URL = "redis://127.0.0.1:6379/15"


async def guesses(client: httpx.AsyncClient, email: str, count: int) -> list[int]:
    responses = await asyncio.gather(
        *(
            client.post(TOKEN, json={"email": email, "password": "wrong guess"})
            for _ in range(count)
        )
    )
    return [r.status_code for r in responses]


async def assert_fifty_guesses_check_at_most_five(app: FastAPI, factory: Factory) -> None:
    staff = await factory.user()
    async with client_from(app, random_address()) as client:
        codes = await guesses(client, staff.email, 50)
        assert set(codes) <= {401, 429}, codes
        assert codes.count(401) <= 5, codes
        assert codes.count(429) >= 45
        # the account stays throttled, for the right password too
        right = await client.post(TOKEN, json={"email": staff.email, "password": PASSWORD})
        assert right.status_code == 429
        assert int(right.headers["retry-after"]) >= 1


async def test_concurrent_wrong_passwords_reach_the_check_at_most_five_times(
    app: FastAPI, factory: Factory
) -> None:
    """Once 17-23 of 50 simultaneous guesses got through a limit of 5."""
    await assert_fifty_guesses_check_at_most_five(app, factory)


@pytest.fixture
async def redis_app(settings: Settings, database: Database) -> AsyncIterator[FastAPI]:
    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.ping()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        await redis.aclose()
    app = create_app(settings.model_copy(update={"redis_url": REDIS_URL}), database)
    async with app.router.lifespan_context(app):
        yield app


async def test_concurrent_guesses_are_counted_on_redis_too(
    redis_app: FastAPI, factory: Factory
) -> None:
    await assert_fifty_guesses_check_at_most_five(redis_app, factory)


async def test_redis_counts_clear_on_success(redis_app: FastAPI, factory: Factory) -> None:
    staff = await factory.user()
    async with client_from(redis_app, random_address()) as client:
        assert await guesses(client, staff.email, 4) == [401] * 4
        good = await client.post(TOKEN, json={"email": staff.email, "password": PASSWORD})
        assert good.status_code == 200
        assert await guesses(client, staff.email, 4) == [401] * 4


def proxied_app(settings: Settings, database: Database, trusted: str) -> FastAPI:
    networks = [ip_network(n) for n in trusted.split(",") if n]
    return create_app(settings.model_copy(update={"trusted_proxies": networks}), database)


async def spread_guesses(app: FastAPI, peer: str, per_ip: int) -> httpx.Response:
    """``per_ip`` failures from one peer, each claiming another address, over several
    accounts; then one more sign-in."""
    async with client_from(app, peer) as client:
        for n in range(per_ip):
            email = f"nobody-{n // 4}-{uuid.uuid4().hex[:6]}@example.com"
            claimed = {"X-Forwarded-For": f"203.0.113.{n + 1}"}
            response = await client.post(
                TOKEN, json={"email": email, "password": "guess"}, headers=claimed
            )
            assert response.status_code == 401, response.text
        return await client.post(
            TOKEN,
            json={"email": "last@example.com", "password": "guess"},
            headers={"X-Forwarded-For": "203.0.113.250"},
        )


async def test_forwarded_for_is_ignored_without_trusted_proxies(
    settings: Settings, database: Database
) -> None:
    """From 127.0.0.1 too: by default the connection's address is the client's."""
    assert settings.trusted_proxies == []
    app = proxied_app(settings, database, "")
    last = await spread_guesses(app, "127.0.0.1", settings.login_max_failures_per_ip)
    assert last.status_code == 429


async def test_forwarded_for_counts_from_a_trusted_proxy(
    settings: Settings, database: Database
) -> None:
    peer = random_address()
    app = proxied_app(settings, database, f"{peer}/32")
    last = await spread_guesses(app, peer, settings.login_max_failures_per_ip)
    assert last.status_code == 401  # each claimed address has its own count


async def test_a_client_cannot_hide_behind_a_forged_chain(
    settings: Settings, database: Database
) -> None:
    """The address the trusted proxy saw is the client's, whatever the client put left of it."""
    peer, client_address = random_address(), random_address()
    app = proxied_app(settings, database, f"{peer}/32")
    async with client_from(app, peer) as client:
        codes = []
        for n in range(settings.login_max_failures_per_ip + 1):
            forged = {"X-Forwarded-For": f"198.51.100.{n + 1}, {client_address}"}
            email = f"nobody-{n // 4}-{uuid.uuid4().hex[:6]}@example.com"
            response = await client.post(
                TOKEN, json={"email": email, "password": "guess"}, headers=forged
            )
            codes.append(response.status_code)
    assert codes[-1] == 429, codes
