"""The sender as the settings configure it, for ``clientbook serve`` and the CLI."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

from clientbook.kit.db import Database
from clientbook.messages.backends import backends
from clientbook.messages.sender import Policy, Sender
from clientbook.settings import Environment, Settings


def sender_from(settings: Settings, database: Database) -> Sender:
    policy = Policy(
        max_attempts=settings.outbox_max_attempts,
        retry_seconds=settings.outbox_retry_seconds,
        retry_max_seconds=settings.outbox_retry_max_seconds,
        lease_seconds=settings.outbox_lease_seconds,
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
    )
    chosen = backends(
        smtp_url=settings.smtp_url,
        mail_from=settings.mail_from,
        sms_webhook_url=settings.sms_webhook_url,
        show_text=settings.env is Environment.development,
    )
    return Sender(database, chosen, policy)


class Runs(Protocol):
    async def run(self, stop: asyncio.Event) -> None: ...


@contextlib.asynccontextmanager
async def running(sender: Runs, name: str = "outbox-sender") -> AsyncIterator[None]:
    """The sender runs in the background while the block runs, and stops with it."""
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop), name=name)
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=10)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
