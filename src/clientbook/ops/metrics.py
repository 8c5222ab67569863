"""What ``/metrics`` reads from the database when it is scraped: the outboxes' backlog."""

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.models import OutboxMessage, WebhookDelivery

WAITING = ("pending", "sending", "failed")


async def backlog(session: AsyncSession) -> list[GaugeMetricFamily]:
    """Messages and webhook deliveries waiting or given up, over every store (each count
    an index range on ``(status, next_attempt_at)``)."""
    family = GaugeMetricFamily(
        "clientbook_outbox_backlog",
        "Outbox rows by kind (message, webhook) and status (pending, sending, failed)",
        labels=["kind", "status"],
    )
    for kind, status_column in (
        ("message", OutboxMessage.status),
        ("webhook", WebhookDelivery.status),
    ):
        rows = await session.execute(
            select(status_column, func.count())
            .where(status_column.in_(WAITING))
            .group_by(status_column)
        )
        counts = dict(rows.tuples().all())
        for status in WAITING:
            family.add_metric([kind, status], counts.get(status, 0))
    return [family]
