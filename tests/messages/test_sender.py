"""The sender against real local servers: SMTP (aiosmtpd) and an SMS webhook."""

import asyncio
import json
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update

from clientbook import logging as clientbook_logging
from clientbook.kit.db import Database, utcnow
from clientbook.messages.backends import LogBackend, Outgoing
from clientbook.messages.outbox import enqueue
from clientbook.messages.sender import Policy
from clientbook.models import MessageTemplate, OutboxMessage
from tests.factories import Factory, StoreCtx
from tests.messages.helpers import (
    FAST,
    Recorder,
    configured_sender,
    drain,
    message,
    recording_sender,
)
from tests.messages.servers import Mailbox, Webhook, smtp_server, webhook_server


async def _queue(
    database: Database, ctx: StoreCtx, channel: str = "email", to: str | None = None, **context: str
) -> uuid.UUID:
    to = to or (f"c-{uuid.uuid4().hex[:8]}@example.com" if channel == "email" else "+41791234567")
    async with database.transaction() as session:
        return await enqueue(
            session,
            store_id=ctx.id,
            channel=channel,  # type: ignore[arg-type]
            to=to,
            template="test_message",
            context=context,
        )


async def test_smtp_delivers_subject_body_from_and_to(database: Database, factory: Factory) -> None:
    ctx = await factory.store()
    link = f"https://shop.example/activate?token={uuid.uuid4().hex}"
    message_id = await _queue(database, ctx, to="ada@example.com", name="Ada", link=link)
    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        await drain(configured_sender(database, smtp_url=url))
    [mail] = mailbox.to("ada@example.com")
    assert mail["Subject"] == f"A test message from {ctx.store.name}"
    assert mail["From"] == "Shop <shop@example.com>"
    assert mail["To"] == "ada@example.com"
    assert mail["Message-ID"] == f"<{message_id}@clientbook>"
    body = mail.get_payload(decode=True).decode()
    assert body.startswith("Hello Ada,")
    assert link in body
    assert f"You receive this message because of your customer account at {ctx.store.name}" in body
    row = await message(database, message_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None


async def test_a_failing_smtp_server_means_retries_then_failed(
    database: Database, factory: Factory
) -> None:
    ctx = await factory.store()
    message_id = await _queue(database, ctx, to="bob@example.com")
    mailbox = Mailbox(refuse=True)
    with smtp_server(mailbox) as url:
        sender = configured_sender(database, smtp_url=url)
        await sender.run_once()
        row = await message(database, message_id)
        assert (row.status, row.attempts) == ("pending", 1)
        assert "451" in (row.last_error or "")
        await drain(sender)
    row = await message(database, message_id)
    assert (row.status, row.attempts) == ("failed", FAST.max_attempts)
    assert row.last_error is not None
    assert row.last_error.startswith("gave up after 3 attempts")
    assert mailbox.received == []


async def test_retries_back_off_exponentially(database: Database, factory: Factory) -> None:
    policy = Policy(max_attempts=5, retry_seconds=60, retry_max_seconds=300)
    assert [policy.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 300]
    ctx = await factory.store()
    message_id = await _queue(database, ctx)
    before = utcnow()
    await recording_sender(database, Recorder(fail=True), policy).run_once()
    row = await message(database, message_id)
    assert row.status == "pending"
    assert before + timedelta(seconds=59) < row.next_attempt_at < utcnow() + timedelta(seconds=61)
    # Not due yet: a second run leaves it alone.
    await recording_sender(database, Recorder(), policy).run_once()
    assert (await message(database, message_id)).attempts == 1


async def test_sms_webhook_gets_json_and_a_2xx_is_delivered(
    database: Database, factory: Factory
) -> None:
    ctx = await factory.store()
    message_id = await _queue(database, ctx, channel="sms", to="+41 79 765 43 21", code="482913")
    hook = Webhook()
    with webhook_server(hook) as url:
        await drain(configured_sender(database, sms_webhook_url=url))
    [call] = [c for c in hook.calls if c["to"] == "+41797654321"]
    assert call == {"to": "+41797654321", "text": f"{ctx.store.name}: test message, code 482913.\n"}
    assert hook.content_types[0].startswith("application/json")
    assert (await message(database, message_id)).status == "sent"


async def test_a_failing_sms_webhook_means_retries(database: Database, factory: Factory) -> None:
    ctx = await factory.store()
    message_id = await _queue(database, ctx, channel="sms", to="+41797650000", code="1")
    hook = Webhook(status=503)
    with webhook_server(hook) as url:
        sender = configured_sender(database, sms_webhook_url=url)
        await sender.run_once()
        row = await message(database, message_id)
        assert (row.status, row.last_error) == ("pending", "SMS webhook answered 503")
        await drain(sender)
    assert (await message(database, message_id)).status == "failed"
    assert len([c for c in hook.calls if c["to"] == "+41797650000"]) == FAST.max_attempts


async def test_two_senders_at_once_deliver_each_message_once(
    database: Database, factory: Factory
) -> None:
    ctx = await factory.store()
    ids = {await _queue(database, ctx) for _ in range(30)}
    first, second = Recorder(), Recorder()
    small = Policy(max_attempts=3, retry_seconds=0, batch_size=4)
    await asyncio.gather(
        drain(recording_sender(database, first, small)),
        drain(recording_sender(database, second, small)),
    )
    delivered = Counter(m.id for m in [*first.sent, *second.sent] if m.id in ids)
    assert set(delivered) == ids
    assert set(delivered.values()) == {1}
    for message_id in ids:
        assert (await message(database, message_id)).status == "sent"


async def test_an_expired_lease_hands_the_message_to_another_sender(
    database: Database, factory: Factory
) -> None:
    ctx = await factory.store()
    message_id = await _queue(database, ctx)
    crashed = recording_sender(database, Recorder(fail=True))
    claim = uuid.uuid4()
    claimed = [m for m in await crashed.claim(claim) if m.id == message_id]
    assert claimed  # ...and the sender dies before delivering it
    other = Recorder()
    await drain(recording_sender(database, other))  # the lease still holds
    assert message_id not in {m.id for m in other.sent}
    async with database.transaction() as session:  # time passes: the lease runs out
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    await drain(recording_sender(database, other))
    assert [m.id for m in other.sent].count(message_id) == 1
    row = await message(database, message_id)
    assert (row.status, row.attempts) == ("sent", 2)
    # The first sender comes back: its outcome no longer counts.
    await crashed.send(claimed[0], claim)
    assert (await message(database, message_id)).status == "sent"


async def test_a_template_error_fails_the_message_not_the_sender(
    database: Database, factory: Factory
) -> None:
    ctx = await factory.store()
    async with database.transaction() as session:
        session.add(
            MessageTemplate(
                store_id=ctx.id,
                template="test_message",
                channel="sms",
                language="en",
                body="Code {{ code }} for {{ no_such_value }}",
            )
        )
    broken = await _queue(database, ctx, channel="sms", code="1")
    other_store = await factory.store()
    fine = await _queue(database, other_store, channel="sms", code="2")
    recorder = Recorder()
    await drain(recording_sender(database, recorder))
    row = await message(database, broken)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error is not None
    assert "template: rendering failed" in row.last_error
    assert "no_such_value" in row.last_error
    assert (await message(database, fine)).status == "sent"


@pytest.mark.parametrize("development", [True, False])
async def test_the_log_backend_shows_the_text_only_in_development(
    capsys: pytest.CaptureFixture[str], development: bool
) -> None:
    outgoing = Outgoing(
        id=uuid.uuid4(),
        store_id=uuid.uuid4(),
        channel="sms",
        to="+41791234567",
        template="customer_activation",
        subject=None,
        text="Your code is 739184",
    )
    clientbook_logging.configure("INFO", json=True)
    capsys.readouterr()
    try:
        await LogBackend(show_text=development).deliver(outgoing)
    finally:
        clientbook_logging.configure("WARNING", json=True)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    [logged] = [line for line in lines if line.get("message_id") == str(outgoing.id)]
    assert logged["event"] == "message_logged"
    assert logged["phone"] == "[redacted]"
    assert "+41791234567" not in json.dumps(logged)
    assert ("739184" in json.dumps(logged)) is development
