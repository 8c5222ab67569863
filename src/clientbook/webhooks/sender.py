"""The webhook sender: claims due deliveries, signs and POSTs them, records each attempt.

It runs beside the message sender in every worker of ``clientbook serve`` (and in
``clientbook outbox run``), with the same claims: rows are taken ``FOR UPDATE SKIP
LOCKED`` and marked ``sending`` under a lease and the sender's ``claim_id``, and an
outcome is recorded only while that claim holds. A delivery is due only when no earlier
delivery of the same customer to the same endpoint is still pending or sending, so one
customer's events arrive in the order they happened (a failing one holds the later ones
back until it is delivered or given up).

Each request is signed as the Standard Webhooks specification says (``webhook-id``,
``webhook-timestamp``, ``webhook-signature``) with the ``standardwebhooks`` library. The
``webhook-id`` is the event's, the same on every attempt and replay, so a receiver that
remembers the ids it has handled sees each event once.
"""

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from standardwebhooks import Webhook

from clientbook import __version__
from clientbook.kit import metrics
from clientbook.kit.background import run_until_stopped
from clientbook.kit.db import Database, utcnow
from clientbook.messages.outbox import enqueue
from clientbook.models import Membership, User, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from clientbook.webhooks.urls import RefusedURL, check_destination

log = structlog.get_logger("clientbook.webhooks")

MAX_ERROR = 500
UNFINISHED = ("pending", "sending")


@dataclass(frozen=True)
class Policy:
    timeout_seconds: float = 10.0
    retry_seconds: float = 30.0
    retry_max_seconds: float = 6 * 3600.0
    give_up_seconds: float = 3 * 24 * 3600.0
    disable_after_seconds: float = 3 * 24 * 3600.0
    allow_private: bool = False
    lease_seconds: float = 120.0
    batch_size: int = 20
    poll_seconds: float = 2.0

    def retry_delay(self, attempts: int) -> timedelta:
        """30 s, 1 min, 2 min, 4 min, ... after each failure, up to the longest delay."""
        seconds = self.retry_seconds * 2 ** min(attempts - 1, 30)
        return timedelta(seconds=min(seconds, self.retry_max_seconds))


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    latency_ms: int
    error: str | None


class WebhookSender:
    def __init__(
        self, database: Database, policy: Policy, *, only_store: uuid.UUID | None = None
    ) -> None:
        """``only_store``: send that store's deliveries only (a test, or an operator
        looking into one store)."""
        self.database = database
        self.policy = policy
        self.only_store = only_store
        self.user_agent = f"Clientbook-Webhooks/{__version__}"

    async def run_once(self) -> int:
        """Claim one batch of due deliveries and try each once; how many were claimed."""
        claim_id = uuid.uuid4()
        claimed = await self.claim(claim_id)
        if claimed:
            async with httpx.AsyncClient(
                timeout=self.policy.timeout_seconds, follow_redirects=False, trust_env=False
            ) as client:
                for delivery, url, secret in claimed:
                    outcome = await self.post(client, delivery, url, secret)
                    await self.finish(delivery, claim_id, outcome)
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; a database outage is logged and waited out."""
        await run_until_stopped(stop, self.run_once, self.policy.poll_seconds, "webhook_sender")

    async def claim(self, claim_id: uuid.UUID) -> list[tuple[WebhookDelivery, str, str]]:
        now = utcnow()
        earlier = aliased(WebhookDelivery)
        waits = exists().where(
            earlier.store_id == WebhookDelivery.store_id,
            earlier.endpoint_id == WebhookDelivery.endpoint_id,
            earlier.customer_id == WebhookDelivery.customer_id,
            earlier.status.in_(UNFINISHED),
            or_(
                earlier.created_at < WebhookDelivery.created_at,
                and_(
                    earlier.created_at == WebhookDelivery.created_at,
                    earlier.id < WebhookDelivery.id,
                ),
            ),
        )
        due = or_(
            (WebhookDelivery.status == "pending") & (WebhookDelivery.next_attempt_at <= now),
            (WebhookDelivery.status == "sending") & (WebhookDelivery.lease_until < now),
        )
        if self.only_store is not None:
            due = due & (WebhookDelivery.store_id == self.only_store)
        keys = (
            select(WebhookDelivery.store_id, WebhookDelivery.id)
            .join(
                WebhookEndpoint,
                (WebhookEndpoint.store_id == WebhookDelivery.store_id)
                & (WebhookEndpoint.id == WebhookDelivery.endpoint_id),
            )
            .where(due, WebhookEndpoint.active.is_(True), ~waits)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(self.policy.batch_size)
        )
        if not await self.database.is_citus():
            keys = keys.with_for_update(skip_locked=True, of=WebhookDelivery)
        async with self.database.transaction() as session:
            found = (await session.execute(keys)).all()
            if not found:
                return []
            rows = list(
                await session.scalars(
                    update(WebhookDelivery)
                    .where(
                        WebhookDelivery.id.in_([id_ for _, id_ in found]),
                        WebhookDelivery.store_id.in_({store for store, _ in found}),
                        due,  # still due once locked (on Citus they were read unlocked)
                    )
                    .values(
                        status="sending",
                        claim_id=claim_id,
                        lease_until=now + timedelta(seconds=self.policy.lease_seconds),
                        attempts=WebhookDelivery.attempts + 1,
                    )
                    .returning(WebhookDelivery),
                    execution_options={"synchronize_session": False},
                )
            )
            targets = {
                (row.store_id, row.id): (row.url, row.secret)
                for row in await session.execute(
                    select(
                        WebhookEndpoint.store_id,
                        WebhookEndpoint.id,
                        WebhookEndpoint.url,
                        WebhookEndpoint.secret,
                    ).where(
                        WebhookEndpoint.store_id.in_({r.store_id for r in rows}),
                        WebhookEndpoint.id.in_({r.endpoint_id for r in rows}),
                    )
                )
            }
        rows.sort(key=lambda r: (r.created_at, r.id))
        # An endpoint deleted meanwhile took its deliveries with it: nothing to send.
        return [
            (r, *targets[(r.store_id, r.endpoint_id)])
            for r in rows
            if (r.store_id, r.endpoint_id) in targets
        ]

    async def post(
        self, client: httpx.AsyncClient, delivery: WebhookDelivery, url: str, secret: str
    ) -> Outcome:
        body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
        started = time.monotonic()
        try:
            await check_destination(url, allow_private=self.policy.allow_private)
            now = utcnow()
            headers = {
                "content-type": "application/json",
                "user-agent": self.user_agent,
                "webhook-id": delivery.event_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": Webhook(secret).sign(delivery.event_id, now, body),
            }
            response = await client.post(url, content=body.encode(), headers=headers)
        except RefusedURL as exc:
            return Outcome(False, None, _ms(started), f"refused: {exc}")
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, OSError) as exc:
            return Outcome(False, None, _ms(started), f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
        ok = 200 <= response.status_code < 300
        error = None if ok else f"HTTP {response.status_code}"
        return Outcome(ok, response.status_code, _ms(started), error)

    async def finish(
        self, delivery: WebhookDelivery, claim_id: uuid.UUID, outcome: Outcome
    ) -> None:
        now = utcnow()
        values: dict[str, Any] = {
            "lease_until": None,
            "claim_id": None,
            "last_attempt_at": now,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
        }
        started = delivery.replayed_at or delivery.created_at
        if outcome.ok:
            values |= {"status": "delivered", "delivered_at": now}
        elif now - started >= timedelta(seconds=self.policy.give_up_seconds):
            values |= {"status": "failed"}
        else:
            next_at: datetime = now + self.policy.retry_delay(delivery.attempts)
            values |= {"status": "pending", "next_attempt_at": next_at}
        async with self.database.transaction() as session:
            held = await session.scalar(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.store_id == delivery.store_id,
                    WebhookDelivery.id == delivery.id,
                    WebhookDelivery.claim_id == claim_id,
                )
                .values(values)
                .returning(WebhookDelivery.id)
                .execution_options(synchronize_session=False)
            )
            if held is None:
                return  # another sender took it over (or it was replayed): not ours to say
            session.add(
                WebhookAttempt(
                    store_id=delivery.store_id,
                    id=uuid.uuid4(),
                    delivery_id=delivery.id,
                    at=now,
                    ok=outcome.ok,
                    status_code=outcome.status_code,
                    latency_ms=outcome.latency_ms,
                    error=outcome.error,
                )
            )
            await self._endpoint_health(session, delivery, outcome, now)
        outcome_name = {"delivered": "sent", "pending": "retry"}.get(values["status"], "failed")
        metrics.DELIVERIES.labels("webhook", outcome_name).inc()
        log.info(
            "webhook_" + values["status"],
            delivery_id=str(delivery.id),
            event_id=delivery.event_id,
            store_id=str(delivery.store_id),
            endpoint_id=str(delivery.endpoint_id),
            attempts=delivery.attempts,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            reason=outcome.error,
        )

    async def _endpoint_health(
        self, session: AsyncSession, delivery: WebhookDelivery, outcome: Outcome, now: datetime
    ) -> None:
        """A success clears ``failing_since``; a failure sets it, and one that has lasted
        long enough disables the endpoint and mails the store's owners (once)."""
        this = (WebhookEndpoint.store_id == delivery.store_id) & (
            WebhookEndpoint.id == delivery.endpoint_id
        )
        if outcome.ok:
            await session.execute(
                update(WebhookEndpoint)
                .where(this, WebhookEndpoint.failing_since.is_not(None))
                .values(failing_since=None)
            )
            return
        await session.execute(
            update(WebhookEndpoint)
            .where(this, WebhookEndpoint.failing_since.is_(None))
            .values(failing_since=now)
        )
        limit = now - timedelta(seconds=self.policy.disable_after_seconds)
        reason = f"failing since {{since}}; last: {outcome.error}"[:MAX_ERROR]
        disabled = (
            await session.execute(
                update(WebhookEndpoint)
                .where(
                    this, WebhookEndpoint.active.is_(True), WebhookEndpoint.failing_since <= limit
                )
                .values(active=False, disabled_at=now)
                .returning(WebhookEndpoint.url, WebhookEndpoint.failing_since)
            )
        ).one_or_none()
        if disabled is None:
            return
        since = disabled.failing_since.isoformat(timespec="minutes")
        await session.execute(
            update(WebhookEndpoint).where(this).values(disabled_reason=reason.format(since=since))
        )
        await _tell_owners(session, delivery, disabled.url, since, outcome.error or "")
        log.warning(
            "webhook_endpoint_disabled",
            store_id=str(delivery.store_id),
            endpoint_id=str(delivery.endpoint_id),
        )


async def _tell_owners(
    session: AsyncSession, delivery: WebhookDelivery, url: str, since: str, error: str
) -> None:
    owners = await session.scalars(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.store_id == delivery.store_id,
            Membership.role == "owner",
            Membership.is_active.is_(True),
            User.is_active.is_(True),
        )
        .order_by(User.email)
    )
    for email in owners:
        await enqueue(
            session,
            store_id=delivery.store_id,
            channel="email",
            to=email,
            template="webhook_disabled",
            context={
                "url": url,
                "webhook_id": str(delivery.endpoint_id),
                "failing_since": since,
                "reason": error,
            },
        )


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
