"""Running imports and exports in-process, on the test database."""

import io
import uuid
from typing import Any

from sqlalchemy import select

from clientbook.kit.db import Database
from clientbook.models import Customer
from clientbook.stores.scope import StoreScope, member_scope
from clientbook.transfer.exporter import export_records, export_text
from clientbook.transfer.formats import Format, open_rows
from clientbook.transfer.importer import Mode, RowReport, Summary, import_rows
from tests.factories import StoreCtx


async def owner_scope(database: Database, ctx: StoreCtx) -> StoreScope:
    async with database.transaction() as session:
        return await member_scope(session, ctx.id, ctx.owner.user.id)


async def run_import(
    database: Database,
    ctx: StoreCtx,
    content: str | bytes,
    fmt: Format = Format.csv,
    mode: Mode = Mode.skip,
    *,
    batch_size: int | None = None,
) -> list[RowReport]:
    """Import a file's content as the store's owner; every row's report, in order."""
    scope = await owner_scope(database, ctx)
    raw = content.encode() if isinstance(content, str) else content
    reports: list[RowReport] = []
    async for batch in import_rows(
        database, scope, open_rows(io.BytesIO(raw), fmt), mode, batch_size=batch_size
    ):
        reports.extend(batch)
    return reports


def results(reports: list[RowReport]) -> list[tuple[int, str, str, str]]:
    return [(r.row, r.identifier, r.result.value, r.message) for r in reports]


def summary_of(reports: list[RowReport]) -> dict[str, int]:
    summary = Summary()
    summary.add(reports)
    return {
        "created": summary.created,
        "updated": summary.updated,
        "skipped": summary.skipped,
        "errors": summary.errors,
    }


async def exported(
    database: Database, ctx: StoreCtx, fmt: Format = Format.csv, *, page_size: int | None = None
) -> str:
    scope = await owner_scope(database, ctx)
    return "".join(
        [chunk async for chunk in export_text(database, scope, fmt, page_size=page_size)]
    )


async def records(database: Database, ctx: StoreCtx) -> list[dict[str, Any]]:
    scope = await owner_scope(database, ctx)
    return [r async for page in export_records(database, scope) for r in page]


async def stored(database: Database, ctx: StoreCtx) -> list[Customer]:
    """Every customer row of the store (deleted ones too), oldest first."""
    async with database.transaction() as session:
        scope = await member_scope(session, ctx.id, ctx.owner.user.id)
        rows = await session.scalars(
            select(Customer)
            .where(Customer.store_id == scope.store_id)
            .order_by(Customer.created_at, Customer.id)
        )
        return list(rows)


def by_email(customers: list[Customer]) -> dict[str, Customer]:
    return {c.email_key: c for c in customers if c.email_key}


def new_id() -> str:
    return uuid.uuid4().hex[:10]
