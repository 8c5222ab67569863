"""Exporting a store's customers: a keyset walk, one short transaction per page.

The walk is ``customers.queries.find_customers`` sorted by ``(created_at, id)`` with the
cursor of the page before, so memory stays flat however large the store is, and a
customer that existed when the export began is written exactly once. Soft-deleted
customers are left out.
"""

from collections.abc import AsyncIterator
from typing import Any

from clientbook.customers.conditions import CustomerFilter
from clientbook.customers.queries import Sort, cursor_of, find_customers
from clientbook.kit.db import Database
from clientbook.stores.scope import Role, StoreScope
from clientbook.transfer.formats import Format, csv_header, csv_lines, export_record, jsonl_lines

PAGE_SIZE = 1000
ORDER = Sort("created_at", "asc")


async def export_records(
    database: Database, scope: StoreScope, *, page_size: int | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """The store's customers as export records, a page at a time, oldest first."""
    scope.require(Role.admin)
    page_size = page_size or PAGE_SIZE
    cursor: str | None = None
    while True:
        async with database.transaction() as session:
            page = await find_customers(
                session, scope, CustomerFilter(), ORDER, limit=page_size, after=cursor
            )
            records = [export_record(customer) for customer in page]
        if records:
            yield records
        if len(page) < page_size:
            return
        cursor = cursor_of(page[-1], ORDER)


async def export_text(
    database: Database, scope: StoreScope, fmt: Format, *, page_size: int | None = None
) -> AsyncIterator[str]:
    """The export file, in chunks of text (the CSV header first)."""
    scope.require(Role.admin)
    if fmt is Format.csv:
        yield csv_header()
    async for records in export_records(database, scope, page_size=page_size):
        yield csv_lines(records) if fmt is Format.csv else jsonl_lines(records)
