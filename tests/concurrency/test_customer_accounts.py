"""Customer accounts under concurrent requests to two server processes: an activation
token, a refresh token and a sign-in throttle each hold exactly."""

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from clientbook.customer_accounts import codes, credentials
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import find_public_store
from clientbook.models import Customer
from tests.customer_accounts.outbox import last_secret, messages
from tests.factories import Factory, StoreCtx
from tests.server import LiveServer, assert_statuses

BURST = 30
PASSWORD = "a customer secret"


async def _burst(
    live_server: LiveServer, url: str, bodies: list[dict[str, Any]]
) -> list[httpx.Response]:
    async with live_server.client() as client:
        return await asyncio.gather(*(client.post(url, json=body) for body in bodies))


async def _account(factory: Factory, ctx: StoreCtx, email: str, *, activate: bool) -> uuid.UUID:
    customer = await factory.customer(ctx, email=email)
    async with factory.database.transaction() as session:
        store = await find_public_store(session, ctx.code)
        await credentials.save_password(session, store, customer.id, PASSWORD, activate=activate)
    return customer.id


async def test_an_activation_token_is_redeemed_once(
    live_server: LiveServer, factory: Factory
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, "race@example.com", activate=False)
    async with factory.database.transaction() as session:
        store = await find_public_store(session, ctx.code)
        config = AccountConfig.of(factory.settings)
        token = await codes.issue(
            session, config, store, customer_id, purpose=codes.ACTIVATION, channel="email"
        )
    url = f"{ctx.base}/customer-auth/activate"
    answers = await _burst(live_server, url, [{"token": token}] * BURST)
    assert assert_statuses(answers, {200, 422}).count(200) == 1


async def test_a_refresh_token_rotates_once(live_server: LiveServer, factory: Factory) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, "tabs@example.com", activate=True)
    # Signed in past the throttle: the live server's count for 127.0.0.1 is shared by
    # every test that signs in.
    refresh = (await factory.customer_tokens(ctx, customer_id)).refresh_token
    url = f"{ctx.base}/customer-auth/refresh"
    answers = await _burst(live_server, url, [{"refresh_token": refresh}] * BURST)
    assert assert_statuses(answers, {200, 401}).count(200) == 1


async def test_simultaneous_wrong_passwords_are_throttled(
    live_server: LiveServer, factory: Factory
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, "guessed@example.com", activate=True)
    url = f"{ctx.base}/customer-auth/token"
    body = {"username": "guessed@example.com", "password": "wrong password"}
    statuses = assert_statuses(await _burst(live_server, url, [body] * BURST), {401, 429})
    assert statuses.count(401) <= factory.settings.login_max_failures_per_account


async def test_a_password_reset_token_is_used_once(
    live_server: LiveServer, factory: Factory
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, "reset-race@example.com", activate=True)
    async with live_server.client() as client:
        asked = await client.post(
            f"{ctx.base}/customer-auth/password-reset",
            json={"username": "reset-race@example.com"},
        )
    assert asked.status_code == 202
    token = (await last_secret(factory.database, ctx.id, "customer_password_reset"))["token"]
    url = f"{ctx.base}/customer-auth/password-reset/confirm"
    bodies = [{"token": token, "password": f"new password {n:02d}"} for n in range(BURST)]
    answers = await _burst(live_server, url, bodies)
    assert assert_statuses(answers, {204, 422}).count(204) == 1


async def test_concurrent_registrations_of_one_email_make_one_customer(
    live_server: LiveServer, factory: Factory
) -> None:
    ctx = await factory.store()
    url = f"{ctx.base}/customer-auth/register"
    body = {"email": "twins@example.com", "password": PASSWORD}
    answers = await _burst(live_server, url, [body] * BURST)
    statuses = assert_statuses(answers, {202, 429})
    assert statuses.count(202) >= 1
    async with factory.database.reading() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.store_id == ctx.id, Customer.email_key == "twins@example.com")
        )
    assert count == 1
    assert len(await messages(factory.database, ctx.id, "customer_activation")) == 1
