"""The loop of a background worker that claims rows and handles them (the outbox sender,
the webhook sender)."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy.exc import SQLAlchemyError

from clientbook.kit.errors import ClientbookError

log = structlog.get_logger("clientbook.background")


async def run_until_stopped(
    stop: asyncio.Event, run_once: Callable[[], Awaitable[int]], poll_seconds: float, name: str
) -> None:
    """Call ``run_once`` (how many rows it handled) until ``stop`` is set, resting
    ``poll_seconds`` after a call that found nothing. A database outage is logged and
    waited out; a bug is logged too and must not stop the work: rows a failed call had
    claimed come back when their lease runs out."""
    while not stop.is_set():
        try:
            busy = await run_once()
        except (SQLAlchemyError, OSError, ClientbookError):
            log.warning(f"{name}_error", exc_info=True)
            busy = 0
        except Exception:
            log.exception(f"{name}_crash")
            busy = 0
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)
