"""Data exports: a customer's archive built at once when small, else by the job runner,
kept ``keep_days`` and downloaded through a short-lived signed link."""

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from clientbook.customers.service import get_customer
from clientbook.kit.claims import claim
from clientbook.kit.db import Database, utcnow
from clientbook.kit.errors import Conflict, NotFound
from clientbook.kit.storage import Storage
from clientbook.models import (
    CustomerEvent,
    CustomerFile,
    DataExport,
    PointsEntry,
    Purchase,
    Store,
)
from clientbook.privacy import archive
from clientbook.stores.scope import Role, StoreScope, job_scope

CONTENT_TYPE = "application/zip"


@dataclass(frozen=True)
class ExportRules:
    """From the settings: how long links and archives live, what is built at once."""

    secret: str
    link_seconds: int = 15 * 60
    keep_days: int = 7
    inline_records: int = 2_000


def storage_key(export: DataExport) -> str:
    return f"{export.store_id}/exports/{export.id}.zip"


async def _record_count(session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID) -> int:
    total = 0
    for model in (CustomerEvent, PointsEntry, Purchase, CustomerFile):
        total += int(
            await session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.store_id == scope.store_id, model.customer_id == customer_id)
            )
            or 0
        )
    return total


def _forget_on_rollback(session: AsyncSession, storage: Storage, key: str) -> None:
    def remove(_session: Any) -> None:
        storage.delete(key)

    event.listen(session.sync_session, "after_rollback", remove, once=True)


async def build_now(
    session: AsyncSession, scope: StoreScope, storage: Storage, export: DataExport, keep_days: int
) -> None:
    """Write the archive to storage and mark the export ready."""
    customer = await get_customer(session, scope, export.customer_id, deleted=True)
    built = await archive.build(session, scope, customer, storage)
    key = storage_key(export)
    size = built.seek(0, 2)
    built.seek(0)
    await run_in_threadpool(storage.put, key, built, CONTENT_TYPE)
    _forget_on_rollback(session, storage, key)
    now = utcnow()
    export.storage_key, export.size = key, size
    export.status, export.ready_at = "ready", now
    export.expires_at = now + timedelta(days=keep_days)
    await session.flush()


async def request_export(
    session: AsyncSession,
    scope: StoreScope,
    storage: Storage,
    customer_id: uuid.UUID,
    rules: ExportRules,
) -> DataExport:
    """Start a customer's data export (admin): built now when the record is small."""
    scope.require(Role.admin)
    customer = await get_customer(session, scope, customer_id, deleted=True)
    if customer.anonymized_at is not None:
        raise Conflict("The customer's data was erased: there is nothing to export")
    export = DataExport(
        store_id=scope.store_id,
        id=uuid.uuid4(),
        customer_id=customer.id,
        status="pending",
        summary={},
        requested_by=scope.user_id,
        created_at=utcnow(),
    )
    session.add(export)
    await session.flush()
    if await _record_count(session, scope, customer.id) <= rules.inline_records:
        await build_now(session, scope, storage, export, rules.keep_days)
    return export


async def get_export(session: AsyncSession, scope: StoreScope, export_id: uuid.UUID) -> DataExport:
    scope.require(Role.admin)
    export = await session.get(DataExport, (scope.store_id, export_id))
    if export is None:
        raise NotFound("Data export not found")
    return export


def _signature(secret: str, store_id: uuid.UUID, export_id: uuid.UUID, expires: int) -> str:
    message = f"data-export:{store_id}:{export_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def download_url(export: DataExport, rules: ExportRules, now: datetime | None = None) -> str | None:
    """A link that works for ``link_seconds`` without credentials; None until ready."""
    if export.status != "ready":
        return None
    expires = int((now or utcnow()).timestamp()) + rules.link_seconds
    signature = _signature(rules.secret, export.store_id, export.id, expires)
    return (
        f"/v1/data-exports/{export.id}/download"
        f"?store={export.store_id}&expires={expires}&signature={signature}"
    )


async def signed_export(
    session: AsyncSession,
    rules: ExportRules,
    export_id: uuid.UUID,
    store_id: uuid.UUID,
    expires: int,
    signature: str,
) -> DataExport:
    """The export a signed link names; any wrong, expired or used-up link is 404."""
    expected = _signature(rules.secret, store_id, export_id, expires)
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a 500).
    given = signature.encode()
    if not hmac.compare_digest(expected.encode(), given) or expires < utcnow().timestamp():
        raise NotFound("Data export not found, or the link has expired")
    export = await session.get(DataExport, (store_id, export_id))
    if export is None or export.status != "ready" or export.storage_key is None:
        raise NotFound("Data export not found, or the link has expired")
    return export


def export_document(export: DataExport, store_code: str, rules: ExportRules) -> dict[str, Any]:
    def at(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": str(export.id),
        "customer_id": str(export.customer_id),
        "status": export.status,
        "size": export.size,
        "created_at": at(export.created_at),
        "ready_at": at(export.ready_at),
        "expires_at": at(export.expires_at),
        "download_url": download_url(export, rules),
        "links": {"self": f"/v1/stores/{store_code}/data-exports/{export.id}"},
    }


async def build_pending(database: Database, storage: Storage, keep_days: int) -> int:
    """Build one pending export (the job runner); returns how many were built."""
    async with database.transaction() as session:
        claimed = await claim(
            session,
            database,
            select(DataExport)
            .where(DataExport.status == "pending")
            .order_by(DataExport.created_at)
            .limit(1),
        )
        if not claimed:
            return 0
        export = claimed[0]
        scope = job_scope(await session.get_one(Store, export.store_id))
        await build_now(session, scope, storage, export, keep_days)
        return 1


async def remove_expired(database: Database, storage: Storage, now: datetime) -> int:
    """Archives past ``expires_at`` leave storage and the table."""
    async with database.transaction() as session:
        expired = await claim(
            session, database, select(DataExport).where(DataExport.expires_at < now).limit(500)
        )
        for export in expired:
            if export.storage_key:
                _remove_after_commit(session, storage, export.storage_key)
            await session.delete(export)
    return len(expired)


def _remove_after_commit(session: AsyncSession, storage: Storage, key: str) -> None:
    def remove(_session: Any) -> None:
        storage.delete(key)

    event.listen(session.sync_session, "after_commit", remove, once=True)


async def forget_customer_exports(
    session: AsyncSession, scope: StoreScope, storage: Storage, customer_id: uuid.UUID
) -> None:
    """An erased customer's archives go (the blobs once the erasure commits)."""
    exports = await session.scalars(
        select(DataExport).where(
            DataExport.store_id == scope.store_id, DataExport.customer_id == customer_id
        )
    )
    for export in exports:
        if export.storage_key:
            _remove_after_commit(session, storage, export.storage_key)
        await session.delete(export)
