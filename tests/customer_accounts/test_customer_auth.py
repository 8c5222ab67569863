"""Customer sign-in: by e-mail, phone or card; refresh rotation; activation; scope."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import delete, update

from clientbook.customer_accounts import codes, credentials
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import find_public_store
from clientbook.kit.db import Database, utcnow
from clientbook.models import CustomerCode, CustomerRefreshToken, LoginAttempt
from clientbook.settings import Settings
from tests.factories import Factory, StoreCtx

PASSWORD = "a customer secret"
BAD = "Incorrect username or password"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _account(
    factory: Factory, ctx: StoreCtx, *, activate: bool = True, **fields: Any
) -> uuid.UUID:
    customer = await factory.customer(ctx, **fields)
    async with factory.database.transaction() as session:
        store = await find_public_store(session, ctx.code)
        await credentials.save_password(session, store, customer.id, PASSWORD, activate=activate)
    return customer.id


async def _sign_in(
    client: httpx.AsyncClient, ctx: StoreCtx, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        f"{ctx.base}/customer-auth/token", json={"username": username, "password": password}
    )


async def test_sign_in_by_email_phone_in_another_spelling_and_card(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="PL")
    customer_id = await _account(
        factory, ctx, email="Ola@Example.com", phone="+48 601 234 567", loyalty_card_number="C-77"
    )
    for username in ("ola@example.COM", "601-234-567", "0048601234567", "C-77"):
        response = await _sign_in(client, ctx, username)
        assert response.status_code == 200, (username, response.text)
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] > 0
        me = await client.get(f"{ctx.base}/me", headers=bearer(body["access_token"]))
        assert me.status_code == 200
        assert me.json()["id"] == str(customer_id)
    form = await client.post(
        f"{ctx.base}/customer-auth/token", data={"username": "C-77", "password": PASSWORD}
    )
    assert form.status_code == 200, form.text


async def test_unknown_name_and_wrong_password_answer_alike(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="known@example.com")
    wrong = await _sign_in(client, ctx, "known@example.com", "not the password")
    unknown = await _sign_in(client, ctx, "nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == BAD
    other = await factory.store()
    assert (await _sign_in(client, other, "known@example.com")).status_code == 401
    # A name that grows when case-folded still fits the throttle's key: 401, not 500.
    assert (await _sign_in(client, ctx, "ß" * 254)).status_code == 401


async def test_pending_deactivated_and_deleted_accounts_are_refused(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="pending@example.com", activate=False)
    pending = await _sign_in(client, ctx, "pending@example.com")
    assert pending.status_code == 403, pending.text
    assert (await _sign_in(client, ctx, "pending@example.com", "wrong pw!")).json()["detail"] == BAD

    for action in ("deactivate", "delete"):
        customer_id = await _account(factory, ctx, email=f"{action}@example.com")
        tokens = (await _sign_in(client, ctx, f"{action}@example.com")).json()
        url = f"{ctx.base}/customers/{customer_id}"
        if action == "delete":
            assert (await client.delete(url, headers=ctx.owner.headers)).status_code == 204
        else:
            done = await client.post(f"{url}/deactivate", headers=ctx.owner.headers)
            assert done.status_code == 200
        me = await client.get(f"{ctx.base}/me", headers=bearer(tokens["access_token"]))
        assert me.status_code == 401
        again = await client.post(
            f"{ctx.base}/customer-auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert again.status_code == 401
        assert (await _sign_in(client, ctx, f"{action}@example.com")).status_code == 401
        back = "restore" if action == "delete" else "activate"
        assert (await client.post(f"{url}/{back}", headers=ctx.owner.headers)).status_code == 200
        assert (await _sign_in(client, ctx, f"{action}@example.com")).status_code == 200
        # The tokens of before stay dead.
        me = await client.get(f"{ctx.base}/me", headers=bearer(tokens["access_token"]))
        assert me.status_code == 401


async def test_refresh_rotates_and_reuse_revokes_the_session(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="r@example.com")
    first = (await _sign_in(client, ctx, "r@example.com")).json()
    url = f"{ctx.base}/customer-auth/refresh"
    second = await client.post(url, json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    new = second.json()
    assert new["refresh_token"] != first["refresh_token"]
    # Within the grace period a second tab is refused without harm.
    assert (
        await client.post(url, json={"refresh_token": first["refresh_token"]})
    ).status_code == 401
    assert (
        await client.get(f"{ctx.base}/me", headers=bearer(new["access_token"]))
    ).status_code == 200
    async with database.transaction() as session:
        await session.execute(
            update(CustomerRefreshToken)
            .where(
                CustomerRefreshToken.store_id == ctx.id, CustomerRefreshToken.used_at.is_not(None)
            )
            .values(used_at=utcnow() - timedelta(minutes=5))
        )
    reuse = await client.post(url, json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert "revoked" in reuse.json()["detail"]
    assert (await client.post(url, json={"refresh_token": new["refresh_token"]})).status_code == 401
    assert (
        await client.get(f"{ctx.base}/me", headers=bearer(new["access_token"]))
    ).status_code == 401


async def test_a_customer_token_reaches_no_staff_route_and_no_other_store(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, email="me@example.com")
    other = await factory.customer(ctx)
    token = (await _sign_in(client, ctx, "me@example.com")).json()["access_token"]
    headers = bearer(token)
    for method, path in (
        ("GET", f"{ctx.base}/customers"),
        ("GET", f"{ctx.base}/customers/{customer_id}"),
        ("GET", f"{ctx.base}/customers/{other.id}"),
        ("PATCH", f"{ctx.base}/customers/{customer_id}"),
        ("PUT", f"{ctx.base}/customers/{customer_id}/password"),
        ("GET", "/v1/stores"),
    ):
        response = await client.request(method, path, headers=headers, json={"password": "x" * 9})
        assert response.status_code == 401, (method, path, response.text)
    second = await factory.store()
    assert (await client.get(f"{second.base}/me", headers=headers)).status_code == 404


async def test_staff_set_a_password_and_the_old_sessions_end(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx, email="staff-made@example.com")
    url = f"{ctx.base}/customers/{customer.id}/password"
    seller = await client.put(url, json={"password": PASSWORD}, headers=ctx.seller.headers)
    assert seller.status_code == 403
    short = await client.put(url, json={"password": "short"}, headers=ctx.admin.headers)
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "password"
    assert (
        await client.put(url, json={"password": PASSWORD}, headers=ctx.admin.headers)
    ).status_code == 204
    tokens = (await _sign_in(client, ctx, "staff-made@example.com")).json()
    new = {"password": "another secret"}
    assert (await client.put(url, json=new, headers=ctx.admin.headers)).status_code == 204
    me = await client.get(f"{ctx.base}/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 401
    assert (
        await _sign_in(client, ctx, "staff-made@example.com", "another secret")
    ).status_code == 200


async def _issue(
    database: Database, settings: Settings, ctx: StoreCtx, customer_id: uuid.UUID, channel: str
) -> str:
    async with database.transaction() as session:
        return await codes.issue(
            session,
            AccountConfig.of(settings),
            await find_public_store(session, ctx.code),
            customer_id,
            purpose=codes.ACTIVATION,
            channel="sms" if channel == "sms" else "email",
        )


async def test_a_link_token_activates_once(
    client: httpx.AsyncClient, factory: Factory, database: Database, settings: Settings
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, email="link@example.com", activate=False)
    token = await _issue(database, settings, ctx, customer_id, "email")
    url = f"{ctx.base}/customer-auth/activate"
    done = await client.post(url, json={"token": token})
    assert done.status_code == 200
    assert done.json()["customer_id"] == str(customer_id)
    assert (await _sign_in(client, ctx, "link@example.com")).status_code == 200
    again = await client.post(url, json={"token": token})
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "token"


async def test_concurrent_redemptions_of_one_token_succeed_once(
    client: httpx.AsyncClient, factory: Factory, database: Database, settings: Settings
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, email="race@example.com", activate=False)
    token = await _issue(database, settings, ctx, customer_id, "email")
    url = f"{ctx.base}/customer-auth/activate"
    answers = await asyncio.gather(*(client.post(url, json={"token": token}) for _ in range(5)))
    assert sorted(r.status_code for r in answers) == [200, 422, 422, 422, 422]


async def test_an_sms_code_works_once_expires_and_dies_after_wrong_guesses(
    client: httpx.AsyncClient, factory: Factory, database: Database, settings: Settings
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, email="sms@example.com", activate=False)
    url = f"{ctx.base}/customer-auth/activate"
    code = await _issue(database, settings, ctx, customer_id, "sms")
    assert len(code) == 6
    assert code.isdigit()
    body = {"username": "sms@example.com", "code": code}
    assert (await client.post(url, json=body)).status_code == 200
    assert (await client.post(url, json=body)).status_code == 422

    code = await _issue(database, settings, ctx, customer_id, "sms")
    async with database.transaction() as session:
        await session.execute(
            update(CustomerCode)
            .where(CustomerCode.store_id == ctx.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    expired = await client.post(url, json={"username": "sms@example.com", "code": code})
    assert expired.status_code == 422


async def test_a_code_dies_after_wrong_guesses_even_once_the_throttle_forgets(
    client: httpx.AsyncClient, factory: Factory, database: Database, settings: Settings
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, email="guessed@example.com", activate=False)
    url = f"{ctx.base}/customer-auth/activate"
    code = await _issue(database, settings, ctx, customer_id, "sms")
    wrong = str((int(code) + 1) % 1_000_000).zfill(6)
    body = {"username": "guessed@example.com", "code": wrong}
    for _ in range(settings.customer_code_max_attempts):
        assert (await client.post(url, json=body)).status_code == 422
    async with database.transaction() as session:  # the throttle's window passes
        await session.execute(delete(LoginAttempt))
    late = await client.post(url, json={**body, "code": code})
    assert late.status_code == 422, late.text


async def test_code_guessing_is_throttled(
    client: httpx.AsyncClient, factory: Factory, database: Database, settings: Settings
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="guess@example.com", activate=False)
    url = f"{ctx.base}/customer-auth/activate"
    statuses = [
        (
            await client.post(url, json={"username": "guess@example.com", "code": "000000"})
        ).status_code
        for _ in range(settings.login_max_failures_per_account + 1)
    ]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {422}


async def test_a_customer_changes_its_password_with_the_old_one(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="change@example.com")
    here = (await _sign_in(client, ctx, "change@example.com")).json()["access_token"]
    elsewhere = (await _sign_in(client, ctx, "change@example.com")).json()["access_token"]
    url = f"{ctx.base}/me/password"
    wrong = await client.put(
        url,
        json={"current_password": "not it at all", "new_password": "brand new secret"},
        headers=bearer(here),
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "current_password"
    body = {"current_password": PASSWORD, "new_password": "brand new secret"}
    assert (await client.put(url, json=body, headers=bearer(here))).status_code == 204
    assert (await client.get(f"{ctx.base}/me", headers=bearer(here))).status_code == 200
    assert (await client.get(f"{ctx.base}/me", headers=bearer(elsewhere))).status_code == 401
    assert (await _sign_in(client, ctx, "change@example.com")).status_code == 401
    assert (
        await _sign_in(client, ctx, "change@example.com", "brand new secret")
    ).status_code == 200
    staff = await client.put(url, json=body, headers=ctx.owner.headers)
    assert staff.status_code == 401
