"""``emit``: write an event for each of the store's endpoints that wants it, in the
caller's transaction (the webhook outbox).

The rows commit or roll back with the change, so a receiver never hears of a change that
did not happen, and hears of every one that did even if the process dies right after.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import utcnow
from clientbook.models import WebhookDelivery, WebhookEndpoint
from clientbook.stores.scope import StoreScope


class EventType(StrEnum):
    customer_created = "customer.created"
    customer_updated = "customer.updated"
    customer_deleted = "customer.deleted"
    customer_restored = "customer.restored"
    customer_anonymised = "customer.anonymised"
    customer_merged = "customer.merged"
    consent_changed = "customer.consent_changed"
    points_earned = "points.earned"
    points_spent = "points.spent"
    points_expired = "points.expired"
    tier_changed = "tier.changed"
    purchase_recorded = "purchase.recorded"
    reward_redeemed = "reward.redeemed"
    file_added = "file.added"


EVENT_TYPES = frozenset(EventType)
_CACHE = "webhook_endpoints"
_last = datetime.min.replace(tzinfo=utcnow().tzinfo)


def _now() -> datetime:
    """A time later than any this process gave before: a customer's events written in
    one transaction keep their order even within one clock tick."""
    global _last
    now = utcnow()
    if now <= _last:
        now = _last + timedelta(microseconds=1)
    _last = now
    return now


def new_event_id() -> str:
    """The ``webhook-id``: the same for every attempt, replay and endpoint of one event."""
    return f"msg_{uuid.uuid4().hex}"


async def _subscribers(session: AsyncSession, scope: StoreScope) -> list[tuple[uuid.UUID, Any]]:
    """The store's active endpoints and their event types, read once per transaction."""
    cache: dict[uuid.UUID, list[tuple[uuid.UUID, Any]]] = session.info.setdefault(_CACHE, {})
    if scope.store_id not in cache:
        rows = await session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events).where(
                WebhookEndpoint.store_id == scope.store_id, WebhookEndpoint.active.is_(True)
            )
        )
        cache[scope.store_id] = [(row.id, row.events) for row in rows]
    return cache[scope.store_id]


def no_subscribers(session: AsyncSession, scope: StoreScope) -> None:
    """The caller's own read found no active endpoint: ``emit`` then reads nothing."""
    session.info.setdefault(_CACHE, {})[scope.store_id] = []


async def emit(
    session: AsyncSession,
    scope: StoreScope,
    event: EventType,
    customer_id: uuid.UUID | None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Queue ``event`` for every active endpoint of the store that subscribed to it.

    The payload is thin: ids, the changed field names and the amounts, never the
    customer's personal data; a receiver reads the customer over the API when it needs
    more (it then sees the current state, whatever the order it learns of changes)."""
    wanted = [id_ for id_, events in await _subscribers(session, scope) if event in events]
    if not wanted:
        return
    at = _now()
    body: dict[str, Any] = {"store": scope.store_code}
    if customer_id is not None:
        body["customer_id"] = str(customer_id)
    body.update(data or {})
    payload = {"type": str(event), "timestamp": at.isoformat(), "data": body}
    event_id = new_event_id()
    session.add_all(
        WebhookDelivery(
            store_id=scope.store_id,
            id=uuid.uuid4(),
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_type=str(event),
            customer_id=customer_id,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=at,
            created_at=at,
        )
        for endpoint_id in wanted
    )
    await session.flush()
