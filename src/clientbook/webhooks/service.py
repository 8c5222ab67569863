"""Webhook endpoint use cases: owners and admins, signed in as themselves, register a
store's endpoints, read their delivery log and replay a delivery."""

import base64
import secrets
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import utcnow
from clientbook.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from clientbook.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from clientbook.stores.scope import Role, StoreScope
from clientbook.webhooks.schemas import WebhookCreate, WebhookUpdate
from clientbook.webhooks.urls import RefusedURL, check_url

MAX_ENDPOINTS = 20
LOG_ATTEMPTS = 10
STATUSES = ("pending", "sending", "delivered", "failed")


def _require_manager(scope: StoreScope) -> None:
    """Owners and admins, signed in: an endpoint receives every change of the store's
    customers and outlives the API key that would have made it."""
    scope.require(Role.admin)
    if scope.api_key_id is not None:
        raise Forbidden("API keys cannot manage webhooks; sign in as an owner or admin")


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _checked(url: str, allow_private: bool) -> str:
    try:
        return check_url(url, allow_private=allow_private)
    except RefusedURL as exc:
        raise ValidationFailed.field("url", str(exc)) from exc


async def create_endpoint(
    session: AsyncSession, scope: StoreScope, data: WebhookCreate, *, allow_private: bool
) -> WebhookEndpoint:
    _require_manager(scope)
    url = _checked(data.url, allow_private)
    count = await session.scalar(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.store_id == scope.store_id)
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise Conflict(f"A store has at most {MAX_ENDPOINTS} webhook endpoints")
    now = utcnow()
    endpoint = WebhookEndpoint(
        store_id=scope.store_id,
        id=uuid.uuid4(),
        url=url,
        events=sorted({str(e) for e in data.events}),
        secret=new_secret(),
        active=data.active,
        created_by=scope.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def list_endpoints(session: AsyncSession, scope: StoreScope) -> list[WebhookEndpoint]:
    _require_manager(scope)
    rows = await session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.store_id == scope.store_id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(rows)


async def get_endpoint(
    session: AsyncSession, scope: StoreScope, endpoint_id: uuid.UUID, *, for_update: bool = False
) -> WebhookEndpoint:
    _require_manager(scope)
    endpoint = await session.get(
        WebhookEndpoint, (scope.store_id, endpoint_id), with_for_update=for_update or None
    )
    if endpoint is None:
        raise NotFound("Webhook endpoint not found")
    return endpoint


async def update_endpoint(
    session: AsyncSession,
    scope: StoreScope,
    endpoint_id: uuid.UUID,
    data: WebhookUpdate,
    *,
    allow_private: bool,
) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, scope, endpoint_id, for_update=True)
    if data.url is not None:
        endpoint.url = _checked(data.url, allow_private)
    if data.events is not None:
        endpoint.events = sorted({str(e) for e in data.events})
    if data.active is not None:
        endpoint.active = data.active
        if data.active:
            endpoint.failing_since = None
            endpoint.disabled_at = None
            endpoint.disabled_reason = None
    endpoint.updated_at = utcnow()
    await session.flush()
    return endpoint


async def delete_endpoint(session: AsyncSession, scope: StoreScope, endpoint_id: uuid.UUID) -> None:
    """The endpoint goes with its deliveries and their log."""
    await get_endpoint(session, scope, endpoint_id, for_update=True)
    deliveries = select(WebhookDelivery.id).where(
        WebhookDelivery.store_id == scope.store_id, WebhookDelivery.endpoint_id == endpoint_id
    )
    await session.execute(
        delete(WebhookAttempt).where(
            WebhookAttempt.store_id == scope.store_id,
            WebhookAttempt.delivery_id.in_(deliveries.scalar_subquery()),
        )
    )
    await session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.store_id == scope.store_id, WebhookDelivery.endpoint_id == endpoint_id
        )
    )
    await session.execute(
        delete(WebhookEndpoint).where(
            WebhookEndpoint.store_id == scope.store_id, WebhookEndpoint.id == endpoint_id
        )
    )


async def deliveries_of(
    session: AsyncSession,
    scope: StoreScope,
    endpoint_id: uuid.UUID,
    *,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of the endpoint's deliveries, newest first, each with its latest attempts."""
    await get_endpoint(session, scope, endpoint_id)
    where = [WebhookDelivery.store_id == scope.store_id, WebhookDelivery.endpoint_id == endpoint_id]
    if status is not None:
        where.append(WebhookDelivery.status == status)
    total = await session.scalar(select(func.count()).select_from(WebhookDelivery).where(*where))
    rows = list(
        await session.scalars(
            select(WebhookDelivery)
            .where(*where)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )
    logs = await _logs(session, scope, [d.id for d in rows])
    return [_delivery(d, logs.get(d.id, [])) for d in rows], int(total or 0)


async def _logs(
    session: AsyncSession, scope: StoreScope, delivery_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[WebhookAttempt]]:
    if not delivery_ids:
        return {}
    attempts = await session.scalars(
        select(WebhookAttempt)
        .where(
            WebhookAttempt.store_id == scope.store_id,
            WebhookAttempt.delivery_id.in_(delivery_ids),
        )
        .order_by(WebhookAttempt.at.desc(), WebhookAttempt.id)
    )
    logs: dict[uuid.UUID, list[WebhookAttempt]] = defaultdict(list)
    for attempt in attempts:
        if len(logs[attempt.delivery_id]) < LOG_ATTEMPTS:
            logs[attempt.delivery_id].append(attempt)
    return logs


def _delivery(delivery: WebhookDelivery, log: list[WebhookAttempt]) -> dict[str, Any]:
    return {
        **{
            name: getattr(delivery, name)
            for name in (
                "id",
                "event_id",
                "event_type",
                "customer_id",
                "status",
                "attempts",
                "next_attempt_at",
                "last_attempt_at",
                "last_status_code",
                "last_error",
                "created_at",
                "replayed_at",
                "delivered_at",
            )
        },
        "log": log,
    }


async def replay(
    session: AsyncSession, scope: StoreScope, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> dict[str, Any]:
    """Send a delivered or failed delivery again, with the same ``webhook-id``."""
    endpoint = await get_endpoint(session, scope, endpoint_id)
    delivery = await session.get(
        WebhookDelivery, (scope.store_id, delivery_id), with_for_update=True
    )
    if delivery is None or delivery.endpoint_id != endpoint_id:
        raise NotFound("Delivery not found")
    if not endpoint.active:
        raise Conflict("The endpoint is disabled; enable it before replaying")
    if delivery.status in ("pending", "sending"):
        raise Conflict("The delivery is already queued")
    now = utcnow()
    delivery.status = "pending"
    delivery.next_attempt_at = now
    delivery.replayed_at = now
    delivery.claim_id = None
    delivery.lease_until = None
    await session.flush()
    logs = await _logs(session, scope, [delivery.id])
    return _delivery(delivery, logs.get(delivery.id, []))
