"""enqueue: the row commits with the caller's change, or not at all."""

import uuid

import pytest
from sqlalchemy import select

from clientbook.kit.db import Database
from clientbook.kit.errors import ValidationFailed
from clientbook.messages.outbox import enqueue
from clientbook.models import OutboxMessage
from tests.factories import Factory
from tests.messages.helpers import Recorder, drain, message, recording_sender


async def _rows(database: Database, store_id: uuid.UUID) -> list[OutboxMessage]:
    async with database.reading() as session:
        query = select(OutboxMessage).where(OutboxMessage.store_id == store_id)
        return list((await session.scalars(query)).all())


async def test_a_committed_message_is_stored_pending(database: Database, factory: Factory) -> None:
    ctx = await factory.store()
    async with database.transaction() as session:
        message_id = await enqueue(
            session,
            store_id=ctx.id,
            channel="email",
            to="  ada@example.com ",
            template="test_message",
            context={"name": "Ada", "link": "https://shop.example/activate?t=secret"},
        )
    [row] = await _rows(database, ctx.id)
    assert row.id == message_id
    assert (row.status, row.attempts, row.recipient) == ("pending", 0, "ada@example.com")
    assert row.language == "en"
    assert row.context == {"name": "Ada", "link": "https://shop.example/activate?t=secret"}


async def test_a_rolled_back_change_sends_nothing(database: Database, factory: Factory) -> None:
    ctx = await factory.store()

    async def change_that_fails() -> None:
        async with database.transaction() as session:
            await enqueue(
                session,
                store_id=ctx.id,
                channel="sms",
                to="+41 79 123 45 67",
                template="test_message",
                context={"code": "123456"},
            )
            raise RuntimeError("the change that caused the message failed")

    with pytest.raises(RuntimeError):
        await change_that_fails()
    assert await _rows(database, ctx.id) == []
    recorder = Recorder()
    await drain(recording_sender(database, recorder))
    assert [m for m in recorder.sent if m.store_id == ctx.id] == []


async def test_language_falls_back_to_the_stores(database: Database, factory: Factory) -> None:
    ctx = await factory.store(language="fr")
    async with database.transaction() as session:
        french = await enqueue(
            session,
            store_id=ctx.id,
            channel="email",
            to="a@example.com",
            template="test_message",
            context={},
        )
        swiss = await enqueue(
            session,
            store_id=ctx.id,
            channel="email",
            to="a@example.com",
            template="test_message",
            context={},
            language="de-CH",
        )
    assert (await message(database, french)).language == "fr"
    assert (await message(database, swiss)).language == "de-CH"
    recorder = Recorder()
    await drain(recording_sender(database, recorder))
    subjects = {m.id: m.subject for m in recorder.sent}
    assert subjects[french] == f"Un message d'essai de {ctx.store.name}"
    assert subjects[swiss] == f"A test message from {ctx.store.name}"  # no German: English


@pytest.mark.parametrize(
    ("channel", "to", "template", "language", "field"),
    [
        ("email", "not an address", "test_message", None, "to"),
        ("sms", "079 123 45 67", "test_message", None, "to"),  # not international
        ("sms", "+41791234567", "no_such_template", None, "template"),
        ("email", "a@example.com", "test_message", "not a language!", "language"),
        ("fax", "a@example.com", "test_message", None, "channel"),
    ],
)
async def test_bad_messages_are_refused_naming_the_field(
    database: Database,
    factory: Factory,
    channel: str,
    to: str,
    template: str,
    language: str | None,
    field: str,
) -> None:
    ctx = await factory.store()
    with pytest.raises(ValidationFailed) as refused:
        async with database.transaction() as session:
            await enqueue(
                session,
                store_id=ctx.id,
                channel=channel,  # type: ignore[arg-type]
                to=to,
                template=template,
                context={},
                language=language,
            )
    assert [e.field for e in refused.value.errors] == [field]
    assert await _rows(database, ctx.id) == []


async def test_an_sms_number_is_stored_in_e164(database: Database, factory: Factory) -> None:
    ctx = await factory.store()
    async with database.transaction() as session:
        message_id = await enqueue(
            session,
            store_id=ctx.id,
            channel="sms",
            to="+41 (79) 123-45-67",
            template="test_message",
            context={"code": "123456"},
        )
    assert (await message(database, message_id)).recipient == "+41791234567"
