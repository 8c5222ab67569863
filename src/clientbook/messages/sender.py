"""The background sender: claims due messages, renders and delivers them, and records
the outcome.

Any number of senders may run (one per worker of ``clientbook serve``, plus ``clientbook
outbox run``): a sender claims rows in one statement that locks them ``FOR UPDATE SKIP
LOCKED`` (PostgreSQL; SQLite has one writer at a time) and marks them ``sending`` under a
lease (``lease_until``) and its own ``claim_id``. So each row goes to one sender, and the
rows of a sender that died are claimed again once the lease runs out. A sender records an
outcome only while it still holds the claim. Delivery is at least once: a crash between
delivering and recording means the message goes again (e-mails carry the outbox id as
their Message-ID).
"""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit import metrics
from clientbook.kit.background import run_until_stopped
from clientbook.kit.db import Database, utcnow
from clientbook.messages.backends import Backends, DeliveryFailed, Outgoing
from clientbook.messages.templates import TemplateProblem, render
from clientbook.models import OutboxMessage, Store

log = structlog.get_logger("clientbook.messages")

MAX_ERROR = 500


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 8
    retry_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    lease_seconds: float = 120.0
    batch_size: int = 20
    poll_seconds: float = 2.0

    def retry_delay(self, attempts: int) -> timedelta:
        """30 s, 1 min, 2 min, ... after the 1st, 2nd, 3rd failure, up to the maximum."""
        seconds = self.retry_seconds * 2 ** min(attempts - 1, 30)
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


class Sender:
    def __init__(self, database: Database, backends: Backends, policy: Policy) -> None:
        self.database = database
        self.backends = backends
        self.policy = policy

    async def run_once(self) -> int:
        """Claim one batch of due messages and try each once; how many were claimed."""
        claim_id = uuid.uuid4()
        claimed = await self.claim(claim_id)
        for message in claimed:
            await self.send(message, claim_id)
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; a database outage is logged and waited out."""
        await run_until_stopped(stop, self.run_once, self.policy.poll_seconds, "outbox_sender")

    async def claim(self, claim_id: uuid.UUID) -> list[OutboxMessage]:
        now = utcnow()
        due = or_(
            (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
            (OutboxMessage.status == "sending") & (OutboxMessage.lease_until < now),
        )
        ids = (
            select(OutboxMessage.store_id, OutboxMessage.id)
            .where(due)
            .order_by(OutboxMessage.next_attempt_at)
            .limit(self.policy.batch_size)
        )
        if not await self.database.is_citus():
            ids = ids.with_for_update(skip_locked=True)
        async with self.database.transaction() as session:
            keys = (await session.execute(ids)).all()
            if not keys:
                return []
            rows = await session.scalars(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_([id_ for _, id_ in keys]),
                    OutboxMessage.store_id.in_({store for store, _ in keys}),
                    # Still due once locked: on Citus the rows were read unlocked, and a
                    # message another sender claimed meanwhile is not claimed twice.
                    due,
                )
                .values(
                    status="sending",
                    claim_id=claim_id,
                    lease_until=now + timedelta(seconds=self.policy.lease_seconds),
                    attempts=OutboxMessage.attempts + 1,
                )
                .returning(OutboxMessage),
                execution_options={"synchronize_session": False},
            )
            return list(rows)

    async def send(self, message: OutboxMessage, claim_id: uuid.UUID) -> None:
        try:
            outgoing = await self._render(message)
        except TemplateProblem as exc:
            await self._finish(message, claim_id, failed=f"template: {exc}")
            return
        try:
            await self.backends.for_channel(message.channel).deliver(outgoing)
        except DeliveryFailed as exc:
            await self._finish(message, claim_id, retry=str(exc))
            return
        await self._finish(message, claim_id)

    async def _render(self, message: OutboxMessage) -> Outgoing:
        async with self.database.reading() as session:
            context = {**message.context, "store": await _store_context(session, message)}
            rendered = await render(
                session,
                message.store_id,
                message.template,
                message.channel,
                message.language,
                context,
            )
        return Outgoing(
            id=message.id,
            store_id=message.store_id,
            channel=message.channel,
            to=message.recipient,
            template=message.template,
            subject=rendered.subject,
            text=rendered.text,
        )

    async def _finish(
        self,
        message: OutboxMessage,
        claim_id: uuid.UUID,
        *,
        retry: str | None = None,
        failed: str | None = None,
    ) -> None:
        now = utcnow()
        values: dict[str, Any] = {"lease_until": None, "claim_id": None}
        if retry is not None and message.attempts >= self.policy.max_attempts:
            failed = f"gave up after {message.attempts} attempts; last: {retry}"
        if failed is not None:
            values |= {"status": "failed", "last_error": failed[:MAX_ERROR]}
        elif retry is not None:
            next_at: datetime = now + self.policy.retry_delay(message.attempts)
            values |= {"status": "pending", "last_error": retry[:MAX_ERROR]}
            values["next_attempt_at"] = next_at
        else:
            values |= {"status": "sent", "sent_at": now, "last_error": None}
        async with self.database.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.store_id == message.store_id,
                    OutboxMessage.id == message.id,
                    OutboxMessage.claim_id == claim_id,
                )
                .values(values)
                .execution_options(synchronize_session=False)
            )
        outcome = {"sent": "sent", "pending": "retry"}.get(values["status"], "failed")
        metrics.DELIVERIES.labels(message.channel, outcome).inc()
        log.info(
            "message_" + values["status"],
            message_id=str(message.id),
            store_id=str(message.store_id),
            channel=message.channel,
            attempts=message.attempts,
            reason=values.get("last_error"),
        )


async def _store_context(session: AsyncSession, message: OutboxMessage) -> dict[str, Any]:
    row = (
        await session.execute(select(Store.name, Store.code).where(Store.id == message.store_id))
    ).one()
    return {"name": row.name, "code": row.code}
