"""Retention: what a store keeps no longer than it allows.

Per store (``stores.retention_deleted_days``, ``retention_unconfirmed_days``; None keeps
them): a customer soft-deleted more than N days ago, and a self-registration whose
sign-in was never confirmed more than M days after it was made (and which holds no
purchase and no points), are purged. Purging is the erasure (``customers.anonymize``): the
person's data goes for good, the amounts accounting needs stay. Each customer is purged in
its own short transaction, so a long backlog never holds locks for long and a second run
finds only what is left.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers.anonymize import anonymize_customer
from clientbook.kit.db import Database, utcnow
from clientbook.kit.storage import Storage
from clientbook.models import Customer, CustomerCredential, PointsEntry, Purchase, Store
from clientbook.stores.scope import StoreScope, job_scope

BATCH = 500  # customers per store and kind per run; the next run takes the rest


@dataclass
class PurgeResult:
    deleted: int = 0
    unconfirmed: int = 0


async def _due_deleted(
    session: AsyncSession, scope: StoreScope, days: int, now: datetime
) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(Customer.id)
        .where(
            Customer.store_id == scope.store_id,
            Customer.deleted_at < now - timedelta(days=days),
            Customer.anonymized_at.is_(None),
        )
        .limit(BATCH)
    )
    return list(rows)


async def _due_unconfirmed(
    session: AsyncSession, scope: StoreScope, days: int, now: datetime
) -> list[uuid.UUID]:
    holds = [
        exists().where(model.store_id == Customer.store_id, model.customer_id == Customer.id)
        for model in (Purchase, PointsEntry)
    ]
    rows = await session.scalars(
        select(Customer.id)
        .join(
            CustomerCredential,
            (CustomerCredential.store_id == Customer.store_id)
            & (CustomerCredential.customer_id == Customer.id),
        )
        .where(
            Customer.store_id == scope.store_id,
            Customer.anonymized_at.is_(None),
            CustomerCredential.activated_at.is_(None),
            CustomerCredential.created_at < now - timedelta(days=days),
            ~holds[0],
            ~holds[1],
        )
        .limit(BATCH)
    )
    return list(rows)


async def _erase_each(
    database: Database, storage: Storage, scope: StoreScope, ids: list[uuid.UUID]
) -> int:
    for customer_id in ids:
        async with database.transaction() as session:
            await anonymize_customer(session, scope, storage, customer_id)
    return len(ids)


async def purge_due(
    database: Database, storage: Storage, now: datetime | None = None
) -> PurgeResult:
    """Purge, in every store with a retention setting, what is due at ``now``."""
    now = now or utcnow()
    result = PurgeResult()
    async with database.reading() as session:
        stores = list(
            await session.scalars(
                select(Store)
                .where(
                    Store.retention_deleted_days.is_not(None)
                    | Store.retention_unconfirmed_days.is_not(None)
                )
                .order_by(Store.id)
            )
        )
    for store in stores:
        scope = job_scope(store)
        if store.retention_deleted_days:
            async with database.reading() as session:
                ids = await _due_deleted(session, scope, store.retention_deleted_days, now)
            result.deleted += await _erase_each(database, storage, scope, ids)
        if store.retention_unconfirmed_days:
            async with database.reading() as session:
                days = store.retention_unconfirmed_days
                ids = await _due_unconfirmed(session, scope, days, now)
            result.unconfirmed += await _erase_each(database, storage, scope, ids)
    return result
