"""Importing customers in batches, with the rules of the canonical API.

Each row is validated by ``CustomerCreate`` and written by ``customers.fields``
(``apply_changes``, ``check_identifiable``, ``derive``), exactly as ``POST``/``PATCH``
would. Rows go in batches of ``BATCH_SIZE``, one transaction each, so an import that stops
keeps the batches before it and the same file imported again finishes the job. Per batch:

1. outside any transaction (in a worker thread, while the batch before is written): read,
   validate and build each row's customer (``rows.py``; validation is most of the time);
2. one index lookup per kind of key finds the store's customers with the batch's e-mails,
   loyalty cards and ids (given or content ids; ``lookup.py``; locked ``FOR UPDATE`` in
   upsert mode);
3. each row is matched in memory, in file order (so the first of two rows with one e-mail
   wins): by its ``id``, else its e-mail, else its card; and created, updated or skipped
   (``matching.py``);
4. the new customers go in with ``ON CONFLICT DO NOTHING`` (a customer added meanwhile by
   someone else is skipped, never an error), the changed ones are updated, and the audit
   events recorded (``writes.py``: COPY and set-based statements on PostgreSQL);
5. on Citus, where a row-level trigger keeps the customer counts, the batch adds to them
   in one upsert instead (``counts.py``).

A row with neither e-mail nor loyalty card gets a deterministic id (UUIDv5 of the store
and the row's canonical content), so importing it again finds it instead of adding it twice.
An export carries each customer's id, so importing it back into its store changes nothing.
"""

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from functools import partial

from anyio import to_thread
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit import metrics
from clientbook.kit.db import Database, utcnow
from clientbook.models import Customer
from clientbook.pricing.service import active_price_list
from clientbook.stores.scope import Role, StoreScope
from clientbook.transfer import counts, lookup
from clientbook.transfer.formats import SourceRow
from clientbook.transfer.matching import Batch, Target, restore, snapshot
from clientbook.transfer.reports import Mode, Result, RowReport, Summary
from clientbook.transfer.rows import PreparedRow, prepare_batch
from clientbook.transfer.writes import Writes, analyze_if_never, writes_for

# Large enough that a batch's fixed costs (lookups, statements, commit) are a small share;
# small enough that memory stays flat and a stopped import redoes little.
BATCH_SIZE = 5000
RACED = "skipped: a customer with this e-mail or loyalty card number was added meanwhile"

__all__ = ["BATCH_SIZE", "Mode", "Result", "RowReport", "Summary", "import_rows"]


async def import_rows(
    database: Database,
    scope: StoreScope,
    rows: Iterable[SourceRow],
    mode: Mode = Mode.skip,
    *,
    batch_size: int | None = None,
) -> AsyncIterator[list[RowReport]]:
    """Import the rows batch by batch; yield each batch's reports once it is committed."""
    scope.require(Role.admin)
    source = iter(rows)
    size = batch_size or BATCH_SIZE

    def prepare() -> "asyncio.Future[list[PreparedRow]]":
        # In a worker thread, while the batch before is written.
        work = partial(prepare_batch, scope, source, size)
        return asyncio.ensure_future(to_thread.run_sync(work))

    upcoming = prepare()
    try:
        first = True
        while True:
            batch = await upcoming
            if not batch:
                return
            upcoming = prepare()
            reports = await _import_batch(database, scope, batch, mode)
            for result, count in Counter(r.result.value for r in reports).items():
                metrics.IMPORT_ROWS.labels(result).inc(count)
            yield reports
            if first:
                await analyze_if_never(database)
                first = False
    finally:
        if not upcoming.done():
            upcoming.cancel()
            with contextlib.suppress(BaseException):
                await upcoming


# --- 2.-4. match and write, one transaction per batch ---------------------------------------


async def _import_batch(
    database: Database, scope: StoreScope, rows: list[PreparedRow], mode: Mode
) -> list[RowReport]:
    # In upsert mode a later row may change a new customer; a retry starts from the file's.
    changeable = [r.candidate for r in rows if r.candidate] if mode is Mode.upsert else []
    candidates = [(customer, snapshot(customer)) for customer in changeable]
    for attempt in range(2):
        try:
            async with database.transaction() as session:
                reports = await _write_batch(session, scope, rows, mode)
            return reports
        except IntegrityError:
            # Someone took an e-mail or card between the lookup and the write: look again.
            if attempt == 0:
                for customer, values in candidates:
                    restore(customer, values)
    message = "the batch conflicted with concurrent changes twice; import the file again"
    return [RowReport(r.number, r.identifier, Result.error, r.error or message) for r in rows]


async def _write_batch(
    session: AsyncSession, scope: StoreScope, rows: list[PreparedRow], mode: Mode
) -> list[RowReport]:
    by_batch = await counts.count_by_batch(session)
    usable = await _usable_price_lists(session, scope, rows)
    existing = await _existing(session, scope, rows, lock=mode is Mode.upsert)
    before = counts.tally(existing)
    batch = Batch(scope, mode, existing)
    reports = [batch.take(row, usable) for row in rows]
    writes = writes_for(session.get_bind().dialect.name)
    inserted = await _insert(session, scope, writes, batch.created)
    updated = await _update(session, scope, writes, batch.updated)
    if by_batch and (inserted or updated):
        await counts.add(session, scope.store_id, *counts.change(inserted + updated, before))
    return reports


async def _usable_price_lists(
    session: AsyncSession, scope: StoreScope, rows: list[PreparedRow]
) -> set[uuid.UUID]:
    """The batch's price lists that a customer may get (a handful of lookups per batch)."""
    wanted: set[uuid.UUID] = {
        r.changes["default_price_list_id"]
        for r in rows
        if r.changes.get("default_price_list_id") is not None
    }
    usable = set()
    for price_list_id in wanted:
        if await active_price_list(session, scope, price_list_id) is not None:
            usable.add(price_list_id)
    return usable


async def _existing(
    session: AsyncSession, scope: StoreScope, rows: list[PreparedRow], *, lock: bool
) -> list[Customer]:
    """The customers the batch's rows may match (by e-mail, card or content id)."""
    found = await lookup.existing(
        session,
        scope,
        email_keys={r.email_key for r in rows if r.email_key},
        cards={r.card for r in rows if r.card},
        ids={i for r in rows for i in (r.given_id, r.content_id) if i},
        lock=lock,
    )
    for customer in found:
        session.expunge(customer)  # changed here, written by one UPDATE for the batch
    return found


async def _insert(
    session: AsyncSession, scope: StoreScope, writes: Writes, created: list[Target]
) -> list[Customer]:
    """The batch's new customers (those inserted); one some other writer has meanwhile
    taken (e-mail, card or id) is skipped by ON CONFLICT DO NOTHING, never an error."""
    if not created:
        return []
    inserted = await writes.insert(session, scope, [t.customer for t in created])
    for target in created:
        if target.customer.id not in inserted:
            for report in target.reports:
                report.result, report.message = Result.skipped, RACED
    done = [t for t in created if t.customer.id in inserted]
    await writes.events(session, scope, "created", [(t.customer.id, t.fields) for t in done])
    return [t.customer for t in done]


async def _update(
    session: AsyncSession, scope: StoreScope, writes: Writes, updated: list[Target]
) -> list[Customer]:
    """The batch's changed customers (locked by the lookup)."""
    if not updated:
        return []
    now = utcnow()
    for target in updated:
        target.customer.updated_at = now
        target.customer.version += 1
    await writes.update(session, scope, [t.customer for t in updated])
    await writes.events(session, scope, "updated", [(t.customer.id, t.fields) for t in updated])
    return [t.customer for t in updated]
