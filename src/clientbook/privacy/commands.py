"""The work behind ``clientbook gdpr export`` and ``clientbook gdpr erase``."""

import shutil
import uuid
from pathlib import Path
from typing import IO

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from clientbook.customers.anonymize import anonymize_customer
from clientbook.customers.service import get_customer
from clientbook.kit.errors import Conflict, ValidationFailed
from clientbook.kit.storage import Storage
from clientbook.privacy import archive
from clientbook.transfer.commands import admin_scope


def customer_id_of(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise ValidationFailed.field("customer_id", "is not a customer id") from exc


async def export_to_file(
    session: AsyncSession,
    storage: Storage,
    store: str,
    customer_id: str,
    output: Path,
    actor: str | None,
) -> int:
    """Write the customer's archive to ``output``; returns its size in bytes."""
    scope = await admin_scope(session, store, actor)
    customer = await get_customer(session, scope, customer_id_of(customer_id), deleted=True)
    if customer.anonymized_at is not None:
        raise Conflict("The customer's data was erased: there is nothing to export")
    built = await archive.build(session, scope, customer, storage)
    await run_in_threadpool(_write, built, output)
    return built.tell()


def _write(source: IO[bytes], output: Path) -> None:
    with output.open("wb") as target:
        shutil.copyfileobj(source, target)


async def erase(
    session: AsyncSession, storage: Storage, store: str, customer_id: str, actor: str | None
) -> uuid.UUID:
    scope = await admin_scope(session, store, actor)
    customer = await anonymize_customer(session, scope, storage, customer_id_of(customer_id))
    return customer.id
