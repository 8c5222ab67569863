"""``clientbook outbox run|list|retry``, as an operator uses them (on SQLite)."""

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from clientbook.cli import app as cli
from clientbook.kit.db import Database
from clientbook.messages.outbox import enqueue
from clientbook.models import Store
from clientbook.settings import get_settings
from tests.messages.servers import Mailbox, free_port, smtp_server

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CLIENTBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CLIENTBOOK_DATABASE_URL", raising=False)
    monkeypatch.setenv("CLIENTBOOK_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("CLIENTBOOK_OUTBOX_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("CLIENTBOOK_OUTBOX_RETRY_SECONDS", "0")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _invoke(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _queue(to: str) -> uuid.UUID:
    async def work() -> uuid.UUID:
        database = Database(get_settings().database_url)
        try:
            async with database.transaction() as session:
                store_id = await session.scalar(select(Store.id).where(Store.code == "SHOP"))
                return await enqueue(
                    session,
                    store_id=store_id,
                    channel="email",
                    to=to,
                    template="test_message",
                    context={"name": "Ada"},
                )
        finally:
            await database.dispose()

    return asyncio.run(work())


def test_failed_messages_are_listed_and_sent_again(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _invoke("migrate")
    _invoke("create-store", "SHOP", "--name", "The Shop")
    first, second = _queue("ada@example.com"), _queue("bob@example.com")

    # Nothing listens on this port: every attempt fails, and after 2 the messages fail.
    monkeypatch.setenv("CLIENTBOOK_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    assert "messages tried" in _invoke("outbox", "run", "--once")
    failed = _invoke("outbox", "list", "--status", "failed")
    assert str(first) in failed
    assert str(second) in failed
    assert "attempts=2" in failed
    assert "gave up after 2 attempts" in failed
    assert "Ada" not in failed  # no text, no context: they may hold one-time links
    assert _invoke("outbox", "list", "--status", "sent") == ""

    mailbox = Mailbox()
    with smtp_server(mailbox) as url:
        monkeypatch.setenv("CLIENTBOOK_SMTP_URL", url)
        get_settings.cache_clear()
        assert f"message {first} will be sent again" in _invoke("outbox", "retry", str(first))
        assert str(first) in _invoke("outbox", "list", "--status", "pending")
        _invoke("outbox", "run", "--once")
        assert [m["To"] for _, m in mailbox.received] == ["ada@example.com"]
        assert "1 messages will be sent again" in _invoke("outbox", "retry", "--all-failed")
        _invoke("outbox", "run", "--once")
    assert sorted(m["To"] for _, m in mailbox.received) == ["ada@example.com", "bob@example.com"]
    sent = _invoke("outbox", "list", "--status", "sent")
    assert str(first) in sent
    assert str(second) in sent


def test_retry_needs_a_failed_message(workdir: Path) -> None:
    _invoke("migrate")
    unknown = runner.invoke(cli, ["outbox", "retry", str(uuid.uuid4())])
    assert unknown.exit_code == 1
    assert "no failed message" in unknown.output
    assert runner.invoke(cli, ["outbox", "retry"]).exit_code == 1
    assert runner.invoke(cli, ["outbox", "retry", "not-an-id"]).exit_code == 1
    assert runner.invoke(cli, ["outbox", "list", "--status", "lost"]).exit_code == 1
