import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import Factory, StoreCtx
from tests.surfaces.aimeos.browser import Browser, shop


@pytest.fixture
async def store(factory: Factory, client: httpx.AsyncClient) -> tuple[StoreCtx, str]:
    return await shop(factory, client)


@pytest.fixture
async def browsers(app: FastAPI) -> AsyncIterator[Callable[[str], Browser]]:
    """Browsers on a host, each from an address of its own (the sign-up limit counts
    per address)."""
    made: list[Browser] = []

    def browser(host: str) -> Browser:
        number = uuid.uuid4().int
        made.append(Browser(app, host, address=f"10.{number % 250}.{number // 250 % 250}.7"))
        return made[-1]

    yield browser
    for one in made:
        await one.close()


@pytest.fixture
def browser(browsers: Callable[[str], Browser], store: tuple[StoreCtx, str]) -> Browser:
    return browsers(store[1])
