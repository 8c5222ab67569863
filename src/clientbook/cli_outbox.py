"""``clientbook outbox``: the messages and webhooks waiting to be sent."""

import asyncio
import uuid
from typing import Annotated

import typer

from clientbook import logging
from clientbook.cli_work import fail, run_work
from clientbook.kit.db import Database
from clientbook.messages import operations as outbox_operations
from clientbook.messages.wiring import sender_from
from clientbook.settings import get_settings
from clientbook.webhooks.wiring import webhook_sender_from

outbox_app = typer.Typer(help="The message outbox: e-mail and SMS waiting to be sent.")


@outbox_app.command("run")
def outboxrun_work(
    once: Annotated[bool, typer.Option(help="Send what is due now, then stop")] = False,
) -> None:
    """Send messages and webhooks in the foreground until interrupted (Ctrl-C), or once
    with --once."""
    settings = get_settings()
    logging.configure(settings.log_level, settings.log_json)

    async def main() -> int:
        database = Database(settings.database_url)
        sender = sender_from(settings, database)
        hooks = webhook_sender_from(settings, database)
        try:
            if once:
                total = 0
                while claimed := await sender.run_once() + await hooks.run_once():
                    total += claimed
                return total
            stop = asyncio.Event()
            await asyncio.gather(sender.run(stop), hooks.run(stop))
            return 0
        finally:
            await database.dispose()

    try:
        count = asyncio.run(main())
    except KeyboardInterrupt:
        return
    if once:
        typer.echo(f"{count} messages tried")


@outbox_app.command("list")
def outbox_list(
    status: Annotated[str | None, typer.Option(help="pending, sending, sent or failed")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """The newest messages (without their text, which may hold one-time links)."""
    if status is not None and status not in outbox_operations.STATUSES:
        fail(f"--status must be one of {', '.join(outbox_operations.STATUSES)}", ValueError())
    messages = run_work(lambda s: outbox_operations.list_messages(s, status, limit))
    for m in messages:
        error = f"  {m.last_error}" if m.last_error else ""
        typer.echo(
            f"{m.id}  {m.status:<7}  {m.channel:<5}  {m.template}  store={m.store_id}  "
            f"attempts={m.attempts}  created={m.created_at.isoformat()}{error}"
        )


@outbox_app.command("retry")
def outbox_retry(
    message_id: Annotated[str | None, typer.Argument(help="A failed message's id")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="Every failed message")] = False,
) -> None:
    """Send failed messages again, with a fresh count of attempts."""
    if all_failed == (message_id is not None):
        fail("give a message id or --all-failed", ValueError())
    if all_failed:
        count = run_work(outbox_operations.retry_all_failed)
        typer.echo(f"{count} messages will be sent again")
        return
    try:
        parsed = uuid.UUID(str(message_id))
    except ValueError as exc:
        fail(f"{message_id} is not a message id", exc)
    run_work(lambda s: outbox_operations.retry(s, parsed))
    typer.echo(f"message {parsed} will be sent again")
