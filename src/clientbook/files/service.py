"""File use cases. Blobs are written before the transaction commits and removed again if it
rolls back, so a failed request leaves neither a row nor an orphan file."""

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from clientbook.audit import service as audit
from clientbook.customers.service import get_customer
from clientbook.files.uploads import CheckedUpload, check_upload
from clientbook.kit.errors import NotFound
from clientbook.kit.requests import Upload
from clientbook.kit.storage import Storage
from clientbook.models import CustomerFile
from clientbook.stores.scope import Role, StoreScope
from clientbook.webhooks.events import EventType, emit


def check_uploads(uploads: Sequence[Upload], max_bytes: int) -> list[CheckedUpload]:
    """Check every file before anything is stored: one bad file refuses them all."""
    return [check_upload(upload, max_bytes) for upload in uploads]


async def attach_files(
    session: AsyncSession,
    scope: StoreScope,
    storage: Storage,
    customer_id: uuid.UUID,
    uploads: Sequence[CheckedUpload],
) -> list[CustomerFile]:
    await get_customer(session, scope, customer_id)
    attached = []
    for upload in uploads:
        file_id = uuid.uuid4()
        key = f"{scope.store_id}/{customer_id}/{file_id}"
        _forget_on_rollback(session, storage, key)
        await run_in_threadpool(storage.put, key, upload.file, upload.content_type)
        record = CustomerFile(
            store_id=scope.store_id,
            id=file_id,
            customer_id=customer_id,
            kind=upload.kind,
            original_name=upload.filename,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            storage_key=key,
            uploaded_by=scope.user_id,
        )
        session.add(record)
        attached.append(record)
    if attached:
        await session.flush()
        await audit.record(session, scope, customer_id, "files_added", ["files"])
        for record in attached:
            await emit(
                session,
                scope,
                EventType.file_added,
                customer_id,
                {"file_id": str(record.id), "kind": record.kind},
            )
    return attached


async def list_files(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, kind: str | None = None
) -> list[CustomerFile]:
    await get_customer(session, scope, customer_id)
    statement = select(CustomerFile).where(
        CustomerFile.store_id == scope.store_id, CustomerFile.customer_id == customer_id
    )
    if kind is not None:
        statement = statement.where(CustomerFile.kind == kind)
    rows = await session.scalars(statement.order_by(CustomerFile.created_at, CustomerFile.id))
    return list(rows)


async def get_file(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, file_id: uuid.UUID
) -> CustomerFile:
    await get_customer(session, scope, customer_id)
    record = await session.get(CustomerFile, (scope.store_id, file_id))
    if record is None or record.customer_id != customer_id:
        raise NotFound("File not found")
    return record


def read_file(storage: Storage, record: CustomerFile) -> Iterator[bytes]:
    return storage.get(record.storage_key)


async def delete_file(
    session: AsyncSession,
    scope: StoreScope,
    storage: Storage,
    customer_id: uuid.UUID,
    file_id: uuid.UUID,
) -> None:
    """Remove a file; the blob goes once the deletion is committed."""
    scope.require(Role.admin)
    record = await get_file(session, scope, customer_id, file_id)
    remove_after_commit(session, storage, record.storage_key)
    await session.delete(record)
    await session.flush()
    await audit.record(session, scope, customer_id, "file_deleted", ["files"])


def _forget_on_rollback(session: AsyncSession, storage: Storage, key: str) -> None:
    def remove(_session: Any) -> None:
        storage.delete(key)

    event.listen(session.sync_session, "after_rollback", remove, once=True)


def remove_after_commit(session: AsyncSession, storage: Storage, key: str) -> None:
    def remove(_session: Any) -> None:
        storage.delete(key)

    event.listen(session.sync_session, "after_commit", remove, once=True)
