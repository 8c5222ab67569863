"""Browsers on another origin: the store's own origins on its own domains, and
``CLIENTBOOK_CORS_ORIGINS`` everywhere; a preflight is not Aimeos' discovery."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from clientbook.app import create_app
from clientbook.kit.db import Database
from clientbook.settings import Settings
from tests.factories import Factory
from tests.surfaces.aimeos.browser import shop

SHOP = "https://shop.example.com"


async def _origins(client: httpx.AsyncClient, ctx: Any, host: str, origins: list[str]) -> None:
    answer = await client.put(
        f"{ctx.base}/sites",
        json={"domains": [host.split(":")[0]], "cors_origins": origins},
        headers=ctx.owner.headers,
    )
    assert answer.status_code == 200, answer.text


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "content-type, x-csrf-token",
    }


async def test_a_stores_origin_is_answered_on_its_domain(
    factory: Factory, client: httpx.AsyncClient
) -> None:
    ctx, host = await shop(factory, client)
    await _origins(client, ctx, host, [SHOP])
    url = f"http://{host}/jsonapi/customer"
    pre = await client.options(url, headers=_preflight(SHOP))
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == SHOP
    assert pre.headers["access-control-allow-credentials"] == "true"
    assert "PATCH" in pre.headers["access-control-allow-methods"]
    assert pre.headers["access-control-allow-headers"] == "content-type, x-csrf-token"
    got = await client.get(url, headers={"Origin": SHOP})
    assert got.headers["access-control-allow-origin"] == SHOP
    assert "Origin" in got.headers["vary"]
    # Aimeos' own OPTIONS (no Access-Control-Request-Method) still answers its document.
    discovery = await client.options(f"http://{host}/jsonapi", headers={"Origin": SHOP})
    assert discovery.status_code == 200
    assert discovery.json()["meta"]["prefix"] == "ai"
    assert discovery.headers["access-control-allow-origin"] == SHOP


async def test_other_origins_and_other_stores_domains_get_nothing(
    factory: Factory, client: httpx.AsyncClient
) -> None:
    ctx, host = await shop(factory, client)
    await _origins(client, ctx, host, [SHOP])
    _, other_host = await shop(factory, client)
    evil = await client.options(
        f"http://{host}/jsonapi/customer", headers=_preflight("https://evil.example")
    )
    assert evil.status_code == 403
    assert "access-control-allow-origin" not in evil.headers
    # The store's origin opens its own domain only, not another store's.
    elsewhere = await client.options(
        f"http://{other_host}/jsonapi/customer", headers=_preflight(SHOP)
    )
    assert elsewhere.status_code == 403
    simple = await client.get(f"http://{other_host}/jsonapi/customer", headers={"Origin": SHOP})
    assert "access-control-allow-origin" not in simple.headers


@pytest.fixture
async def everywhere(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings.model_copy(update={"cors_origins": [SHOP]}), database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://any.host") as c:
        yield c


async def test_configured_origins_are_answered_for_every_store(
    everywhere: httpx.AsyncClient,
) -> None:
    pre = await everywhere.options("/api/customers/profile", headers=_preflight(SHOP))
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == SHOP
    assert pre.headers["access-control-allow-origin"] != "*"
    staff = await everywhere.options("/v1/stores", headers=_preflight(SHOP))
    assert "access-control-allow-origin" not in staff.headers  # not a browser surface
