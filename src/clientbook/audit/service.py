"""Record and read customer events: who did what to which fields, never the values."""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import utcnow
from clientbook.models import CustomerEvent
from clientbook.stores.scope import StoreScope


async def record(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    action: str,
    fields: Iterable[str] = (),
) -> None:
    session.add(
        CustomerEvent(
            store_id=scope.store_id,
            customer_id=customer_id,
            actor_user_id=scope.user_id,
            actor_api_key_id=scope.api_key_id,
            actor_customer_id=scope.customer_id,
            action=action,
            fields=sorted(fields),
            at=utcnow(),
        )
    )


Changes = Iterable[tuple[uuid.UUID, Iterable[str]]]


def event_rows(scope: StoreScope, action: str, changes: Changes) -> list[dict[str, Any]]:
    """The ``customer_events`` rows ``record`` would write, one per changed customer."""
    now = utcnow()
    return [
        {
            "store_id": scope.store_id,
            "id": uuid.uuid4(),
            "customer_id": customer_id,
            "actor_user_id": scope.user_id,
            "actor_api_key_id": scope.api_key_id,
            "actor_customer_id": scope.customer_id,
            "action": action,
            "fields": sorted(fields),
            "at": now,
        }
        for customer_id, fields in changes
    ]


async def record_many(
    session: AsyncSession, scope: StoreScope, action: str, changes: Changes
) -> None:
    """``record`` for many customers in one INSERT (bulk imports)."""
    await write_rows(session, scope, event_rows(scope, action, changes))


async def write_rows(session: AsyncSession, scope: StoreScope, rows: list[dict[str, Any]]) -> None:
    """Rows ``event_rows`` made for this scope, in one INSERT on the session's connection:
    a hot path's events without the ORM's unit of work."""
    if any(row["store_id"] != scope.store_id for row in rows):
        raise ValueError("an event row of another store")
    if rows:
        connection = await session.connection()
        await connection.execute(insert(CustomerEvent), rows)


async def events_of(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, *, offset: int, limit: int
) -> list[CustomerEvent]:
    rows = await session.scalars(
        select(CustomerEvent)
        .where(CustomerEvent.store_id == scope.store_id, CustomerEvent.customer_id == customer_id)
        .order_by(CustomerEvent.at.desc(), CustomerEvent.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows)


async def count_events(session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(CustomerEvent)
        .where(CustomerEvent.store_id == scope.store_id, CustomerEvent.customer_id == customer_id)
    )
    return int(total or 0)
