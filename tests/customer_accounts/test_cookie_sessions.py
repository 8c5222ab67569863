"""Cookie sessions for browsers: flags, CSRF on every unsafe method and on the sign-in,
sign-out, and a cookie reaches only the customer's own routes."""

from http.cookies import SimpleCookie
from pathlib import Path

import httpx

from clientbook.customer_accounts.config import AccountConfig
from clientbook.settings import Settings
from tests.customer_accounts.test_customer_auth import PASSWORD, _account
from tests.factories import Factory, StoreCtx

SESSION = "clientbook_customer"
PRE = "clientbook_csrf"


def _cookie(response: httpx.Response, name: str) -> tuple[str, dict[str, str | bool]]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    morsel = jar[name]
    raw = " ".join(response.headers.get_list("set-cookie")).lower()
    return morsel.value, {
        "path": morsel["path"],
        "samesite": str(morsel["samesite"]).lower(),
        "httponly": "httponly" in raw,
        "secure": "secure" in raw,
    }


async def _send(
    client: httpx.AsyncClient, method: str, url: str, cookie: str, **kwargs: object
) -> httpx.Response:
    """Send with exactly this Cookie header (the client's own jar stays out of it)."""
    client.cookies.clear()
    headers = {"Cookie": cookie, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    response = await client.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]
    client.cookies.clear()
    return response


async def _signed_in(
    client: httpx.AsyncClient, ctx: StoreCtx, email: str
) -> tuple[str, str, httpx.Response]:
    """The session cookie header, its CSRF token, and the sign-in's response."""
    pre = await client.get(f"{ctx.base}/customer-auth/csrf")
    assert pre.status_code == 200
    token = pre.json()["csrf_token"]
    value, _ = _cookie(pre, PRE)
    assert value == token
    signed = await _send(
        client,
        "POST",
        f"{ctx.base}/customer-auth/session",
        f"{PRE}={value}",
        json={"username": email, "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    assert signed.status_code == 200, signed.text
    session_value, _ = _cookie(signed, SESSION)
    return f"{SESSION}={session_value}", signed.json()["csrf_token"], signed


async def test_the_sign_in_needs_the_pre_session_token_and_sets_a_guarded_cookie(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="browser@example.com")
    url = f"{ctx.base}/customer-auth/session"
    body = {"username": "browser@example.com", "password": PASSWORD}
    pre = await client.get(f"{ctx.base}/customer-auth/csrf")
    value, flags = _cookie(pre, PRE)
    assert flags["httponly"]
    assert flags["secure"]
    missing = await _send(client, "POST", url, f"{PRE}={value}", json=body)
    assert missing.status_code == 403
    wrong = await _send(
        client, "POST", url, f"{PRE}={value}", json=body, headers={"X-CSRF-Token": "forged"}
    )
    assert wrong.status_code == 403
    no_cookie = await _send(client, "POST", url, "", json=body, headers={"X-CSRF-Token": value})
    assert no_cookie.status_code == 403

    _, csrf, signed = await _signed_in(client, ctx, "browser@example.com")
    _, flags = _cookie(signed, SESSION)
    assert flags == {
        "path": ctx.base,
        "samesite": "lax",
        "httponly": True,
        "secure": True,  # the tests run outside development
    }
    assert "access_token" not in signed.json()
    assert csrf
    assert signed.headers["Cache-Control"] == "no-store"


def test_cookies_are_not_secure_only_in_development(tmp_path: Path) -> None:
    development = Settings(env="development", data_dir=tmp_path)
    production = Settings(env="production", data_dir=tmp_path, jwt_secret="x" * 40)
    assert AccountConfig.of(development).secure_cookies is False
    assert AccountConfig.of(production).secure_cookies is True


async def test_unsafe_methods_with_the_cookie_need_the_csrf_token(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, email="csrf@example.com")
    cookie, csrf, _ = await _signed_in(client, ctx, "csrf@example.com")
    me = await _send(client, "GET", f"{ctx.base}/me", cookie)
    assert me.status_code == 200
    assert me.json()["id"] == str(customer_id)
    patch = {"first_name": "Changed"}
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": csrf + "x"}):
        refused = await _send(
            client, "PATCH", f"{ctx.base}/me", cookie, json=patch, headers=headers
        )
        assert refused.status_code == 403, headers
    stored = await factory.get_customer(ctx, customer_id)
    assert stored is not None
    assert stored.first_name != "Changed"
    done = await _send(
        client, "PATCH", f"{ctx.base}/me", cookie, json=patch, headers={"X-CSRF-Token": csrf}
    )
    assert done.status_code == 200
    assert done.json()["first_name"] == "Changed"


async def test_a_cookie_reaches_no_staff_route_and_no_other_store(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, email="own@example.com")
    cookie, csrf, _ = await _signed_in(client, ctx, "own@example.com")
    headers = {"X-CSRF-Token": csrf}
    for method, path in (
        ("GET", "/customers"),
        ("GET", f"/customers/{customer_id}"),
        ("PATCH", f"/customers/{customer_id}"),
        ("GET", ""),
    ):
        answer = await _send(client, method, f"{ctx.base}{path}", cookie, json={}, headers=headers)
        assert answer.status_code == 401, (method, path, answer.text)
    other = await factory.store()
    assert (await _send(client, "GET", f"{other.base}/me", cookie)).status_code == 401


async def test_signing_out_ends_the_cookie_session(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    await _account(factory, ctx, email="bye@example.com")
    cookie, csrf, _ = await _signed_in(client, ctx, "bye@example.com")
    logout = f"{ctx.base}/customer-auth/logout"
    assert (await _send(client, "POST", logout, cookie)).status_code == 403  # no CSRF
    out = await _send(client, "POST", logout, cookie, headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204
    cleared, _ = _cookie(out, SESSION)
    assert cleared == ""
    assert (await _send(client, "GET", f"{ctx.base}/me", cookie)).status_code == 401


async def test_deactivating_the_customer_ends_its_cookie_session(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer_id = await _account(factory, ctx, email="gone@example.com")
    cookie, _, _ = await _signed_in(client, ctx, "gone@example.com")
    done = await client.post(
        f"{ctx.base}/customers/{customer_id}/deactivate", headers=ctx.owner.headers
    )
    assert done.status_code == 200
    assert (await _send(client, "GET", f"{ctx.base}/me", cookie)).status_code == 401
