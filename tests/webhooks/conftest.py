import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from clientbook.app import create_app
from clientbook.kit.db import Database
from clientbook.settings import Settings
from clientbook.webhooks.sender import Policy, WebhookSender
from tests.webhooks.receiver import Receiver, receiving

# Retries at once and no SSRF check, so a test reaches its local receiver at once.
FAST = Policy(retry_seconds=0, retry_max_seconds=0, lease_seconds=30, allow_private=True)


@pytest.fixture(scope="module")
def local_app(settings: Settings, database: Database) -> FastAPI:
    """The app with local receivers allowed (as CLIENTBOOK_WEBHOOK_ALLOW_PRIVATE does)."""
    return create_app(settings.model_copy(update={"webhook_allow_private": True}), database)


@pytest.fixture
async def local(local_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=local_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving(Receiver()) as r:
        yield r


def sender(database: Database, store: uuid.UUID, policy: Policy = FAST) -> WebhookSender:
    """A sender of one store's deliveries: other tests' are not this test's business."""
    return WebhookSender(database, policy, only_store=store)


async def drain(hooks: WebhookSender, rounds: int = 30) -> None:
    """Run the sender until nothing is due."""
    for _ in range(rounds):
        if not await hooks.run_once():
            return
