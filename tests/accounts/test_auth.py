"""Staff sign-in: tokens, refresh rotation, sign-out, throttling and bad tokens."""

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from clientbook.accounts.tokens import AccessClaims, issue_access_token
from clientbook.kit.db import utcnow
from clientbook.models import AuthSession, LoginAttempt, RefreshToken, User
from clientbook.settings import Settings
from tests.factories import PASSWORD, Factory, Staff

TOKEN = "/v1/auth/token"
REFRESH = "/v1/auth/refresh"
LOGOUT = "/v1/auth/logout"
BAD_LOGIN = "Incorrect e-mail or password"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    return body


def assert_unauthorized(response: httpx.Response) -> dict[str, Any]:
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert body["title"] == "Unauthorized"
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(TOKEN, json={"email": email, "password": password})


async def sign_in(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await login(client, email)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def session_id_of(access_token: str) -> uuid.UUID:
    claims = jwt.decode(access_token, options={"verify_signature": False})
    return uuid.UUID(claims["sid"])


@asynccontextmanager
async def client_from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def random_address() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def unknown_email() -> str:
    return f"nobody-{uuid.uuid4().hex[:12]}@example.com"


# --- issuing tokens ------------------------------------------------------------------


async def test_json_login_returns_a_token_pair_that_works(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    ctx = await factory.store()
    response = await login(client, ctx.seller.email)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_ttl_seconds
    assert isinstance(body["access_token"], str)
    assert isinstance(body["refresh_token"], str)
    assert body["access_token"] != body["refresh_token"]

    stores = await client.get("/v1/stores", headers=bearer(body["access_token"]))
    assert stores.status_code == 200, stores.text
    assert [(s["code"], s["role"]) for s in stores.json()["data"]] == [(ctx.code, "seller")]


async def test_access_token_names_the_user_and_expires_as_announced(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    staff = await factory.user()
    body = await sign_in(client, staff.email)
    claims = jwt.decode(body["access_token"], settings.jwt_secret, algorithms=["HS256"])
    assert claims["sub"] == str(staff.user.id)
    assert claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl_seconds
    async with factory.database.transaction() as session:
        auth_session = await session.get(AuthSession, uuid.UUID(claims["sid"]))
        assert auth_session is not None
        assert auth_session.user_id == staff.user.id
        assert auth_session.revoked_at is None


async def test_oauth2_password_form_login(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": ctx.admin.email, "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["refresh_token"]
    stores = await client.get("/v1/stores", headers=bearer(body["access_token"]))
    assert stores.status_code == 200
    assert [(s["code"], s["role"]) for s in stores.json()["data"]] == [(ctx.code, "admin")]


async def test_form_login_without_grant_type_is_accepted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    response = await client.post(TOKEN, data={"username": staff.email, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def test_form_login_with_another_grant_type_is_refused(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    response = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "username": staff.email, "password": PASSWORD},
    )
    body = assert_problem(response, 422)
    assert error_fields(body) == {"grant_type"}


async def test_email_is_matched_without_regard_to_case_or_spaces(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user(f"Mixed-{uuid.uuid4().hex[:8]}@Example.com")
    response = await login(client, f"  {staff.email.upper()} ")
    assert response.status_code == 200, response.text


async def test_each_login_is_a_session_of_its_own(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    first = await sign_in(client, staff.email)
    second = await sign_in(client, staff.email)
    assert session_id_of(first["access_token"]) != session_id_of(second["access_token"])
    assert first["refresh_token"] != second["refresh_token"]
    logout = await client.post(LOGOUT, headers=bearer(first["access_token"]))
    assert logout.status_code == 204
    still = await client.get("/v1/stores", headers=bearer(second["access_token"]))
    assert still.status_code == 200


# --- refused sign-ins ----------------------------------------------------------------


async def test_wrong_password_and_unknown_email_look_alike(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    wrong = await login(client, staff.email, "not the password")
    unknown = await login(client, unknown_email(), PASSWORD)
    wrong_body = assert_unauthorized(wrong)
    unknown_body = assert_unauthorized(unknown)
    assert wrong_body["detail"] == BAD_LOGIN
    assert wrong_body == unknown_body
    assert "access_token" not in wrong.text


async def test_wrong_password_in_the_form_is_refused(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    response = await client.post(
        TOKEN, data={"grant_type": "password", "username": staff.email, "password": "nope"}
    )
    assert assert_unauthorized(response)["detail"] == BAD_LOGIN


async def test_disabled_account_cannot_sign_in(client: httpx.AsyncClient, factory: Factory) -> None:
    staff = await factory.user()
    async with factory.database.transaction() as session:
        await session.execute(update(User).where(User.id == staff.user.id).values(is_active=False))
    response = await login(client, staff.email)
    assert assert_unauthorized(response)["detail"] == BAD_LOGIN
    # and the tokens it already had stop working
    stores = await client.get("/v1/stores", headers=staff.headers)
    assert_unauthorized(stores)


@pytest.mark.parametrize(
    ("payload", "missing"),
    [
        ({}, {"email", "password"}),
        ({"email": "someone@example.com"}, {"password"}),
        ({"password": PASSWORD}, {"email"}),
        ({"email": "", "password": PASSWORD}, {"email"}),
        ({"email": "someone@example.com", "password": ""}, {"password"}),
    ],
)
async def test_json_login_with_missing_fields_is_422(
    client: httpx.AsyncClient, payload: dict[str, str], missing: set[str]
) -> None:
    response = await client.post(TOKEN, json=payload)
    body = assert_problem(response, 422)
    assert error_fields(body) == missing
    for field in missing:
        assert field in body["detail"]


@pytest.mark.parametrize(
    ("form", "missing"),
    [
        ({"grant_type": "password"}, {"username", "password"}),
        ({"grant_type": "password", "username": "someone@example.com"}, {"password"}),
        ({"grant_type": "password", "password": PASSWORD}, {"username"}),
    ],
)
async def test_form_login_with_missing_fields_names_the_form_field(
    client: httpx.AsyncClient, form: dict[str, str], missing: set[str]
) -> None:
    response = await client.post(TOKEN, data=form)
    body = assert_problem(response, 422)
    assert error_fields(body) == missing


async def test_json_login_with_an_unknown_field_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        TOKEN, json={"email": "a@example.com", "password": PASSWORD, "remember": True}
    )
    body = assert_problem(response, 422)
    assert error_fields(body) == {"remember"}


async def test_json_login_with_an_empty_json_body_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        TOKEN, content=b"null", headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 422)
    assert error_fields(body) == {"email", "password"}


async def test_login_with_broken_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        TOKEN, content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)


async def test_login_in_another_media_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(TOKEN, content=b"email=a", headers={"Content-Type": "text/plain"})
    assert_problem(response, 415)


# --- refresh -------------------------------------------------------------------------


async def test_refresh_rotates_the_pair(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    staff = await factory.user()
    first = await sign_in(client, staff.email)
    response = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200, response.text
    second = response.json()
    assert set(second) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert second["token_type"] == "bearer"
    assert second["expires_in"] == settings.access_token_ttl_seconds
    assert second["refresh_token"] != first["refresh_token"]
    assert session_id_of(second["access_token"]) == session_id_of(first["access_token"])
    stores = await client.get("/v1/stores", headers=bearer(second["access_token"]))
    assert stores.status_code == 200

    # the new refresh token works once in turn
    third = await client.post(REFRESH, json={"refresh_token": second["refresh_token"]})
    assert third.status_code == 200, third.text


async def test_refresh_accepts_a_form(client: httpx.AsyncClient, factory: Factory) -> None:
    staff = await factory.user()
    first = await sign_in(client, staff.email)
    response = await client.post(
        REFRESH, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] != first["refresh_token"]


async def test_reusing_a_refresh_token_revokes_the_whole_session(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    first = await sign_in(client, staff.email)
    other_session = await sign_in(client, staff.email)
    rotated = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()

    reused = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert_unauthorized(reused)

    # the chain is dead: the newest refresh token and every access token of the session
    assert_unauthorized(await client.post(REFRESH, json={"refresh_token": second["refresh_token"]}))
    assert_unauthorized(await client.get("/v1/stores", headers=bearer(second["access_token"])))
    assert_unauthorized(await client.get("/v1/stores", headers=bearer(first["access_token"])))
    async with factory.database.transaction() as session:
        auth_session = await session.get_one(AuthSession, session_id_of(first["access_token"]))
        assert auth_session.revoked_at is not None

    # another sign-in of the same user is untouched
    ok = await client.get("/v1/stores", headers=bearer(other_session["access_token"]))
    assert ok.status_code == 200
    ok_refresh = await client.post(REFRESH, json={"refresh_token": other_session["refresh_token"]})
    assert ok_refresh.status_code == 200


async def test_two_refreshes_at_once_give_one_pair_and_revoke_the_session(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    first = await sign_in(client, staff.email)
    responses = await asyncio.gather(
        client.post(REFRESH, json={"refresh_token": first["refresh_token"]}),
        client.post(REFRESH, json={"refresh_token": first["refresh_token"]}),
    )
    assert sorted(r.status_code for r in responses) == [200, 401]
    winner = next(r for r in responses if r.status_code == 200).json()
    assert_unauthorized(await client.get("/v1/stores", headers=bearer(winner["access_token"])))


@pytest.mark.parametrize("token", ["not-a-refresh-token", "x" * 43])
async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient, token: str) -> None:
    assert_unauthorized(await client.post(REFRESH, json={"refresh_token": token}))


async def test_an_access_token_is_not_a_refresh_token(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    pair = await sign_in(client, staff.email)
    assert_unauthorized(await client.post(REFRESH, json={"refresh_token": pair["access_token"]}))


async def test_expired_refresh_token_is_401(client: httpx.AsyncClient, factory: Factory) -> None:
    staff = await factory.user()
    pair = await sign_in(client, staff.email)
    async with factory.database.transaction() as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.session_id == session_id_of(pair["access_token"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_unauthorized(await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}))


async def test_refresh_without_a_token_is_422(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post(REFRESH, json={}), 422)
    assert error_fields(body) == {"refresh_token"}


async def test_refresh_for_a_disabled_account_is_401(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    pair = await sign_in(client, staff.email)
    async with factory.database.transaction() as session:
        await session.execute(update(User).where(User.id == staff.user.id).values(is_active=False))
    assert_unauthorized(await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}))


# --- logout --------------------------------------------------------------------------


async def test_logout_ends_the_session(client: httpx.AsyncClient, factory: Factory) -> None:
    staff = await factory.user()
    pair = await sign_in(client, staff.email)
    response = await client.post(LOGOUT, headers=bearer(pair["access_token"]))
    assert response.status_code == 204
    assert response.content == b""

    assert_unauthorized(await client.get("/v1/stores", headers=bearer(pair["access_token"])))
    assert_unauthorized(await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}))
    # signing out twice with the dead token is refused like any other use of it
    assert_unauthorized(await client.post(LOGOUT, headers=bearer(pair["access_token"])))
    async with factory.database.transaction() as session:
        auth_session = await session.get_one(AuthSession, session_id_of(pair["access_token"]))
        assert auth_session.revoked_at is not None


async def test_logout_leaves_other_sessions_alone(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    pair = await sign_in(client, staff.email)
    assert (await client.post(LOGOUT, headers=bearer(pair["access_token"]))).status_code == 204
    assert (await client.get("/v1/stores", headers=staff.headers)).status_code == 200


async def test_logout_without_a_token_is_401(client: httpx.AsyncClient) -> None:
    assert_unauthorized(await client.post(LOGOUT))


async def test_a_new_login_after_logout_works(client: httpx.AsyncClient, factory: Factory) -> None:
    staff = await factory.user()
    pair = await sign_in(client, staff.email)
    assert (await client.post(LOGOUT, headers=bearer(pair["access_token"]))).status_code == 204
    again = await sign_in(client, staff.email)
    assert (
        await client.get("/v1/stores", headers=bearer(again["access_token"]))
    ).status_code == 200


# --- throttling ----------------------------------------------------------------------


async def test_repeated_failures_throttle_the_account(
    app: FastAPI, client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    limit = settings.login_max_failures_per_account
    assert limit == 5
    staff = await factory.user()
    for _ in range(limit):
        assert_unauthorized(await login(client, staff.email, "wrong password"))
    throttled = await login(client, staff.email, "wrong password")
    body = assert_problem(throttled, 429)
    assert body["title"] == "Too Many Requests"
    retry_after = int(throttled.headers["retry-after"])
    assert 1 <= retry_after <= settings.login_failure_window_seconds

    # the right password is refused too while the account is throttled
    right = await login(client, staff.email)
    assert_problem(right, 429)
    assert "retry-after" in right.headers
    form = await client.post(TOKEN, data={"username": staff.email, "password": PASSWORD})
    assert_problem(form, 429)

    # from another address as well: the count belongs to the account
    async with client_from(app, random_address()) as other:
        assert_problem(await login(other, staff.email), 429)


async def test_failures_below_the_limit_do_not_throttle_and_success_clears_them(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    staff = await factory.user()
    for _ in range(settings.login_max_failures_per_account - 1):
        assert_unauthorized(await login(client, staff.email, "wrong password"))
    assert (await login(client, staff.email)).status_code == 200
    async with factory.database.transaction() as session:
        left = await session.scalars(
            select(LoginAttempt).where(LoginAttempt.key == f"account:{staff.email.lower()}")
        )
        assert left.all() == []
    for _ in range(settings.login_max_failures_per_account - 1):
        assert_unauthorized(await login(client, staff.email, "wrong password"))
    assert (await login(client, staff.email)).status_code == 200


async def test_throttling_one_account_leaves_another_alone(
    app: FastAPI, client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    victim, bystander = await factory.user(), await factory.user()
    for _ in range(settings.login_max_failures_per_account):
        assert_unauthorized(await login(client, victim.email, "wrong password"))
    assert_problem(await login(client, victim.email), 429)

    async with client_from(app, random_address()) as other:
        response = await login(other, bystander.email)
        assert response.status_code == 200, response.text
        assert_unauthorized(await login(other, bystander.email, "wrong password"))


async def test_unknown_emails_are_throttled_too(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    email = unknown_email()
    for _ in range(settings.login_max_failures_per_account):
        assert_unauthorized(await login(client, email, "guess"))
    assert_problem(await login(client, email, "guess"), 429)


async def test_failures_count_per_address(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    per_ip = settings.login_max_failures_per_ip
    per_account = settings.login_max_failures_per_account
    assert per_ip == 20
    # spread over many accounts, so no single account reaches its own limit
    emails = [unknown_email() for _ in range(per_ip // (per_account - 1) + 1)]
    failures = 0
    for email in emails:
        for _ in range(per_account - 1):
            if failures == per_ip:
                break
            assert_unauthorized(await login(client, email, "guess"))
            failures += 1
    assert failures == per_ip
    fresh = await factory.user()
    response = await login(client, fresh.email)
    assert_problem(response, 429)
    assert int(response.headers["retry-after"]) >= 1


async def test_old_failures_no_longer_count(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    staff = await factory.user()
    for _ in range(settings.login_max_failures_per_account):
        assert_unauthorized(await login(client, staff.email, "wrong password"))
    assert_problem(await login(client, staff.email), 429)
    async with factory.database.transaction() as session:
        await session.execute(
            update(LoginAttempt)
            .where(LoginAttempt.key == f"account:{staff.email.lower()}")
            .values(
                window_start=utcnow() - timedelta(seconds=settings.login_failure_window_seconds + 1)
            )
        )
    assert (await login(client, staff.email)).status_code == 200


# --- bad access tokens ---------------------------------------------------------------


def claims_of(staff: Staff) -> AccessClaims:
    return AccessClaims(staff.user.id, session_id_of(staff.token))


async def test_a_fresh_token_made_the_same_way_works(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    """The control for the bad-token tests below: only the flaw under test differs."""
    staff = await factory.user()
    token = issue_access_token(settings.jwt_secret, claims_of(staff), timedelta(minutes=5))
    assert (await client.get("/v1/stores", headers=bearer(token))).status_code == 200


async def test_expired_token_is_401(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    staff = await factory.user()
    token = issue_access_token(settings.jwt_secret, claims_of(staff), timedelta(seconds=-30))
    body = assert_unauthorized(await client.get("/v1/stores", headers=bearer(token)))
    assert "expired" in body["detail"]


async def test_a_token_that_worked_is_refused_once_it_expires(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    """Verified tokens are remembered (see accounts/tokens.py), but never past their expiry."""
    staff = await factory.user()
    token = issue_access_token(settings.jwt_secret, claims_of(staff), timedelta(seconds=2))
    assert (await client.get("/v1/stores", headers=bearer(token))).status_code == 200
    await asyncio.sleep(2.1)
    body = assert_unauthorized(await client.get("/v1/stores", headers=bearer(token)))
    assert "expired" in body["detail"]


async def test_token_signed_with_another_secret_is_401(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    token = issue_access_token("another-secret-" + "y" * 40, claims_of(staff), timedelta(minutes=5))
    assert_unauthorized(await client.get("/v1/stores", headers=bearer(token)))


async def test_unsigned_token_is_401(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    staff = await factory.user()
    good = jwt.decode(staff.token, settings.jwt_secret, algorithms=["HS256"])
    token = jwt.encode(good, key="", algorithm="none")
    assert_unauthorized(await client.get("/v1/stores", headers=bearer(token)))


async def test_token_of_another_type_is_401(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    staff = await factory.user()
    good = jwt.decode(staff.token, settings.jwt_secret, algorithms=["HS256"])
    token = jwt.encode({**good, "typ": "refresh"}, settings.jwt_secret, algorithm="HS256")
    assert_unauthorized(await client.get("/v1/stores", headers=bearer(token)))


async def test_token_for_a_session_that_does_not_exist_is_401(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    staff = await factory.user()
    claims = AccessClaims(staff.user.id, uuid.uuid4())
    token = issue_access_token(settings.jwt_secret, claims, timedelta(minutes=5))
    assert_unauthorized(await client.get("/v1/stores", headers=bearer(token)))


async def test_token_with_another_users_session_is_401(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    ctx = await factory.store()
    # the seller's session with the owner's id must not make the seller an owner
    claims = AccessClaims(ctx.owner.user.id, session_id_of(ctx.seller.token))
    token = issue_access_token(settings.jwt_secret, claims, timedelta(minutes=5))
    assert_unauthorized(await client.get("/v1/stores", headers=bearer(token)))
    assert_unauthorized(await client.get(ctx.base, headers=bearer(token)))


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer garbage",
        "Bearer ",
        "Bearer a.b.c",
        "Basic dXNlcjpwYXNz",
        "garbage",
        "",
    ],
)
async def test_garbage_authorization_is_401(client: httpx.AsyncClient, authorization: str) -> None:
    response = await client.get("/v1/stores", headers={"Authorization": authorization})
    assert_unauthorized(response)


async def test_no_authorization_is_401(client: httpx.AsyncClient) -> None:
    assert_unauthorized(await client.get("/v1/stores"))


async def test_bad_tokens_are_401_on_store_routes_too(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    ctx = await factory.store()
    expired = issue_access_token(settings.jwt_secret, claims_of(ctx.owner), timedelta(seconds=-5))
    for headers in ({}, bearer("garbage"), bearer(expired)):
        assert_unauthorized(await client.get(ctx.base, headers=headers))
        assert_unauthorized(await client.get(f"{ctx.base}/members", headers=headers))
        assert_unauthorized(await client.get("/v1/stores/no-such-store", headers=headers))
    assert (await client.get(ctx.base, headers=ctx.owner.headers)).status_code == 200
