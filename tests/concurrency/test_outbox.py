"""The outbox under two server processes: both run a sender, each message goes once;
and a store's texts saved at once by many requests are stored once."""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.messages.outbox import enqueue
from clientbook.models import MessageTemplate, OutboxMessage
from clientbook.settings import Settings
from tests.factories import Factory
from tests.messages.servers import Mailbox, smtp_server
from tests.server import LiveServer, assert_statuses, serve

MESSAGES = 60
BURST = 20


@pytest.fixture(scope="module")
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def sending_server(
    live_server: LiveServer, settings: Settings, data_dir: Path, mailbox: Mailbox
) -> Iterator[LiveServer]:
    """``clientbook serve --workers 2`` with its senders on, e-mailing a local SMTP server
    (``live_server`` only makes the module skip on SQLite). Small pools, and stopped
    after its test: it shares the database server with the rest of the suite."""
    with smtp_server(mailbox) as url:
        env = {
            "CLIENTBOOK_OUTBOX_SENDER": "true",
            "CLIENTBOOK_SMTP_URL": url,
            "CLIENTBOOK_OUTBOX_POLL_SECONDS": "0.05",
            "CLIENTBOOK_OUTBOX_BATCH_SIZE": "3",
            "CLIENTBOOK_DB_POOL_SIZE": "2",
        }
        yield from serve(settings, data_dir / "sending-server", workers=2, env=env)


async def _wait_until_sent(database: Database, ids: set[uuid.UUID], seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        async with database.reading() as session:
            sent = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "sent")
            )
        if sent == len(ids) or time.monotonic() > deadline:
            return int(sent or 0)
        await asyncio.sleep(0.1)


async def test_two_workers_deliver_each_message_once(
    sending_server: LiveServer, database: Database, factory: Factory, mailbox: Mailbox
) -> None:
    ctx = await factory.store()
    ids = set()
    for n in range(MESSAGES):
        async with database.transaction() as session:
            ids.add(
                await enqueue(
                    session,
                    store_id=ctx.id,
                    channel="email",
                    to=f"two-workers-{n}@example.com",
                    template="test_message",
                    context={"name": f"n{n}"},
                )
            )
    assert await _wait_until_sent(database, ids, seconds=60) == MESSAGES
    await asyncio.sleep(0.5)  # a second copy would arrive now
    received = Counter(
        m["Message-ID"]
        for _, m in mailbox.received
        if m["Message-ID"] in {f"<{i}@clientbook>" for i in ids}
    )
    assert len(received) == MESSAGES
    assert set(received.values()) == {1}


async def test_a_store_text_saved_at_once_is_stored_once(
    live_server: LiveServer, database: Database, factory: Factory
) -> None:
    ctx = await factory.store()
    url = f"{live_server.base_url}{ctx.base}/message-templates/test_message/sms/fr"
    async with live_server.client() as client:
        responses = await asyncio.gather(
            *(
                client.put(
                    url, json={"body": f"code {{{{ code }}}} #{n}"}, headers=ctx.admin.headers
                )
                for n in range(BURST)
            )
        )
    assert_statuses(responses, {200})
    async with database.reading() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(MessageTemplate)
            .where(MessageTemplate.store_id == ctx.id)
        )
    assert count == 1
