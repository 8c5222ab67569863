"""Building senders for tests, and driving them until the outbox is quiet."""

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select

from clientbook.kit.db import Database
from clientbook.messages.backends import Backends, DeliveryFailed, Outgoing, backends
from clientbook.messages.sender import Policy, Sender
from clientbook.models import OutboxMessage

# Retries at once, so a test sees every attempt without waiting.
FAST = Policy(max_attempts=3, retry_seconds=0, retry_max_seconds=0, lease_seconds=30)


@dataclass
class Recorder:
    """A backend that keeps what it is given (or refuses it, when ``fail``)."""

    fail: bool = False
    sent: list[Outgoing] = field(default_factory=list)

    async def deliver(self, message: Outgoing) -> None:
        if self.fail:
            raise DeliveryFailed("refused by the test")
        self.sent.append(message)


def recording_sender(database: Database, recorder: Recorder, policy: Policy = FAST) -> Sender:
    return Sender(database, Backends(email=recorder, sms=recorder), policy)


def configured_sender(
    database: Database, *, smtp_url: str = "", sms_webhook_url: str = "", policy: Policy = FAST
) -> Sender:
    chosen = backends(
        smtp_url=smtp_url,
        mail_from="Shop <shop@example.com>",
        sms_webhook_url=sms_webhook_url,
        show_text=False,
    )
    return Sender(database, chosen, policy)


async def drain(sender: Sender, rounds: int = 50) -> None:
    """Run the sender until nothing is due (the outbox may hold other tests' messages)."""
    for _ in range(rounds):
        if not await sender.run_once():
            return


async def message(database: Database, message_id: uuid.UUID) -> OutboxMessage:
    async with database.reading() as session:
        return (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.id == message_id))
        ).one()
