"""Response headers: no caching of tokens, framing and sniffing refused, HSTS over HTTPS,
and Swagger UI served from this server only."""

import re

import httpx
import pytest
from fastapi import FastAPI

from clientbook.app import create_app
from clientbook.kit.db import Database
from clientbook.settings import Environment, Settings
from tests.factories import PASSWORD, Factory


async def test_token_responses_are_not_stored(client: httpx.AsyncClient, factory: Factory) -> None:
    staff = await factory.user()
    signed_in = await client.post(
        "/v1/auth/token", json={"email": staff.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    refreshed = await client.post(
        "/v1/auth/refresh", json={"refresh_token": signed_in.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200
    for response in (signed_in, refreshed):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"


async def test_every_response_refuses_framing_and_sniffing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    for response in (
        await client.get(ctx.base, headers=ctx.owner.headers),
        await client.get(ctx.base),  # a 401
        await client.get("/v1/nothing-here"),  # a 404
    ):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert "strict-transport-security" not in response.headers  # plain HTTP


async def test_hsts_over_https_only(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await client.get("/v1/stores")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_hsts_when_a_trusted_proxy_says_https(settings: Settings, database: Database) -> None:
    from ipaddress import ip_network

    app = create_app(
        settings.model_copy(update={"trusted_proxies": [ip_network("10.9.9.9/32")]}), database
    )
    transport = httpx.ASGITransport(app=app, client=("10.9.9.9", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        proxied = await client.get("/v1/stores", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" in proxied.headers
    untrusted = httpx.ASGITransport(app=app, client=("10.9.9.10", 1234))
    async with httpx.AsyncClient(transport=untrusted, base_url="http://testserver") as client:
        forged = await client.get("/v1/stores", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in forged.headers


async def test_docs_use_local_assets_only(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls, page.text
    assert "<script>" not in page.text  # no inline script: the policy would block it
    for url in urls:
        assert url.startswith("/"), url  # no CDN
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content
    spec = await client.get("/openapi.json")
    assert spec.status_code == 200
    assert (await client.get("/redoc")).status_code == 404  # it needed a CDN too


def test_a_short_production_secret_is_not_echoed(data_dir: object) -> None:
    secret = "short-but-secret-value"
    with pytest.raises(ValueError, match="at least 32 characters") as refused:
        Settings(env=Environment.production, jwt_secret=secret)
    assert secret not in str(refused.value)
    with pytest.raises(ValueError, match="trusted_proxies") as bad_proxy:
        Settings(env=Environment.test, jwt_secret="x" * 40, trusted_proxies="not-an-address")
    assert "x" * 40 not in str(bad_proxy.value)
