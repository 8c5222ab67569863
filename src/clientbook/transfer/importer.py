"""Importing customers in batches, with the rules of the canonical API.

Each row is validated by ``CustomerCreate`` and written by ``customers.fields``
(``apply_changes``, ``check_identifiable``, ``derive``), exactly as ``POST``/``PATCH``
would. Rows go in batches of ``BATCH_SIZE``, one transaction each, so an import that stops
keeps the batches before it and the same file imported again finishes the job. Per batch:

1. outside any transaction (in a worker thread, while the batch before is written): read,
   validate and build each row's customer (``rows.py``; validation is most of the time);
2. one index lookup per kind of key finds the store's customers with the batch's e-mails,
   loyalty cards and content ids (``lookup.py``; locked ``FOR UPDATE`` in upsert mode);
3. each row is matched in memory, in file order (so the first of two rows with one e-mail
   wins), and created, updated or skipped;
4. the new customers go in with ``ON CONFLICT DO NOTHING`` (a customer added meanwhile by
   someone else is skipped, never an error), the changed ones are updated, and the audit
   events recorded (``writes.py``: COPY and set-based statements on PostgreSQL).

A row with neither e-mail nor loyalty card gets a deterministic id (UUIDv5 of the store
and the row's canonical content), so importing it again finds it instead of adding it twice.
"""

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

from anyio import to_thread
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers.fields import apply_changes, check_identifiable, derive
from clientbook.customers.service import UNIQUES
from clientbook.kit.db import Database, utcnow
from clientbook.kit.errors import ClientbookError, Conflict, FieldError
from clientbook.models import Customer
from clientbook.pricing.service import active_price_list
from clientbook.stores.scope import Role, StoreScope
from clientbook.transfer import lookup
from clientbook.transfer.formats import SourceRow
from clientbook.transfer.rows import COLUMNS, PreparedRow, error_message, prepare_batch
from clientbook.transfer.writes import Writes, analyze_if_never, writes_for

# Large enough that a batch's fixed costs (lookups, statements, commit) are a small share;
# small enough that memory stays flat and a stopped import redoes little.
BATCH_SIZE = 5000
_EMAIL_RULE, _CARD_RULE = UNIQUES
NO_PRICE_LIST = "default_price_list_id: no active price list with this id in the store"
RACED = "skipped: a customer with this e-mail or loyalty card number was added meanwhile"


class Mode(StrEnum):
    skip = "skip"
    upsert = "upsert"


class Result(StrEnum):
    created = "created"
    updated = "updated"
    skipped = "skipped"
    error = "error"


@dataclass
class RowReport:
    row: int
    identifier: str
    result: Result
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "identifier": self.identifier,
            "result": self.result.value,
            "message": self.message,
        }


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, reports: Iterable[RowReport]) -> None:
        for report in reports:
            match report.result:
                case Result.created:
                    self.created += 1
                case Result.updated:
                    self.updated += 1
                case Result.skipped:
                    self.skipped += 1
                case Result.error:
                    self.errors += 1

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.skipped + self.errors

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
        }

    def line(self) -> str:
        return (
            f"{self.rows} rows: {self.created} created, {self.updated} updated, "
            f"{self.skipped} skipped, {self.errors} errors "
            f"in {self.seconds:.1f} s ({self.rows_per_second:.0f} rows/s)"
        )


@dataclass(eq=False)
class _Target:
    """A customer a batch writes: a new one (inserted) or an existing one (updated)."""

    customer: Customer
    new: bool
    row: int
    fields: set[str] = field(default_factory=set)
    reports: list[RowReport] = field(default_factory=list)


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
            yield await _import_batch(database, scope, batch, mode)
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
    candidates = [(customer, _snapshot(customer)) for customer in changeable]
    for attempt in range(2):
        try:
            async with database.transaction() as session:
                reports = await _write_batch(session, scope, rows, mode)
            return reports
        except IntegrityError:
            # Someone took an e-mail or card between the lookup and the write: look again.
            if attempt == 0:
                for customer, values in candidates:
                    _restore(customer, values)
    message = "the batch conflicted with concurrent changes twice; import the file again"
    return [RowReport(r.number, r.identifier, Result.error, r.error or message) for r in rows]


async def _write_batch(
    session: AsyncSession, scope: StoreScope, rows: list[PreparedRow], mode: Mode
) -> list[RowReport]:
    usable = await _usable_price_lists(session, scope, rows)
    existing = await _existing(session, scope, rows, lock=mode is Mode.upsert)
    batch = _Batch(scope, mode, existing)
    reports = [batch.take(row, usable) for row in rows]
    writes = writes_for(session.get_bind().dialect.name)
    await _insert(session, scope, writes, batch.created)
    await _update(session, scope, writes, batch.updated)
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
        ids={r.content_id for r in rows if r.content_id},
        lock=lock,
    )
    for customer in found:
        session.expunge(customer)  # changed here, written by one UPDATE for the batch
    return found


class _Batch:
    """The batch's customers by e-mail, card and id, as the rows before have left them."""

    def __init__(self, scope: StoreScope, mode: Mode, existing: list[Customer]) -> None:
        self.scope = scope
        self.mode = mode
        self.by_email: dict[str, _Target] = {}
        self.by_card: dict[str, _Target] = {}
        self.by_id: dict[uuid.UUID, _Target] = {}
        self.created: list[_Target] = []
        self.updated: list[_Target] = []
        for customer in existing:
            target = _Target(customer, new=False, row=0)
            self.by_id[customer.id] = target
            if customer.deleted_at is None:
                self._index(target)

    def _index(self, target: _Target) -> None:
        customer = target.customer
        if customer.email_key:
            self.by_email[customer.email_key] = target
        if customer.loyalty_card_number:
            self.by_card[customer.loyalty_card_number] = target

    def _unindex(self, target: _Target, email_key_: str, card: str | None) -> None:
        if email_key_ and self.by_email.get(email_key_) is target:
            del self.by_email[email_key_]
        if card and self.by_card.get(card) is target:
            del self.by_card[card]

    def take(self, row: PreparedRow, usable_price_lists: set[uuid.UUID]) -> RowReport:
        if row.error is not None:
            return RowReport(row.number, row.identifier, Result.error, row.error)
        price_list = row.changes.get("default_price_list_id")
        if price_list is not None and price_list not in usable_price_lists:
            return RowReport(row.number, row.identifier, Result.error, NO_PRICE_LIST)
        if row.content_id is not None:
            if row.content_id in self.by_id:
                message = "already imported: a customer with the same content exists"
                return RowReport(row.number, row.identifier, Result.skipped, message)
            return self._create(row)
        found = self._match(row)
        if found is None:
            return self._create(row)
        target, via = found
        if self.mode is Mode.skip:
            return RowReport(row.number, row.identifier, Result.skipped, self._exists(target, via))
        return self._update(target, row)

    def _match(self, row: PreparedRow) -> tuple[_Target, str] | None:
        if row.email_key and (target := self.by_email.get(row.email_key)):
            return target, "e-mail"
        if row.card and (target := self.by_card.get(row.card)):
            return target, "loyalty card number"
        return None

    @staticmethod
    def _exists(target: _Target, via: str) -> str:
        if target.new:
            return f"same {via} as row {target.row}, which was imported"
        return _EMAIL_RULE.message if via == "e-mail" else _CARD_RULE.message

    def _create(self, row: PreparedRow) -> RowReport:
        if row.create_error is not None:
            return RowReport(row.number, row.identifier, Result.error, row.create_error)
        assert row.candidate is not None
        target = _Target(row.candidate, new=True, row=row.number)
        target.fields = set(row.changes) | ({"is_active"} if row.is_active is not None else set())
        report = RowReport(row.number, row.identifier, Result.created)
        target.reports.append(report)
        self.by_id[row.candidate.id] = target
        self._index(target)
        self.created.append(target)
        return report

    def _update(self, target: _Target, row: PreparedRow) -> RowReport:
        """Write the row's fields over the customer, as ``update_customer`` does."""
        customer = target.customer
        before = _snapshot(customer)
        try:
            changed = apply_changes(customer, self._changes(customer, row), self.scope.country)
            if row.is_active is not None and customer.is_active != row.is_active:
                customer.is_active = row.is_active
                changed.add("is_active")
            if not changed:
                return RowReport(row.number, row.identifier, Result.skipped, "no changes")
            check_identifiable(customer)
            self._check_unique(target)
            derive(customer)
        except ClientbookError as exc:
            _restore(customer, before)
            return RowReport(row.number, row.identifier, Result.error, error_message(exc))
        self._unindex(target, before["email_key"], before["loyalty_card_number"])
        self._index(target)
        target.fields |= changed
        if not target.new and not target.reports:
            self.updated.append(target)
        report = RowReport(row.number, row.identifier, Result.updated, ", ".join(sorted(changed)))
        target.reports.append(report)
        return report

    @staticmethod
    def _changes(customer: Customer, row: PreparedRow) -> dict[str, Any]:
        """A CSV row's company columns are separate cells: one not given is kept."""
        changes = row.changes
        company = changes.get("company")
        if company is None or not row.company_given:
            return changes
        current = {"name": customer.company_name, "tax_id": customer.company_tax_id}
        merged = {k: company[k] if k in row.company_given else current[k] for k in current}
        return {**changes, "company": merged}

    def _check_unique(self, target: _Target) -> None:
        customer = target.customer
        for rule, index, value in (
            (_EMAIL_RULE, self.by_email, customer.email_key),
            (_CARD_RULE, self.by_card, customer.loyalty_card_number),
        ):
            other = index.get(value) if value else None
            if other is not None and other is not target:
                raise _conflict(rule.field, rule.message)


def _conflict(field_name: str, message: str) -> ClientbookError:
    return Conflict(message, errors=[FieldError(field_name, message)])


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {key: getattr(customer, key) for _, key in COLUMNS}


def _restore(customer: Customer, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(customer, key, value)


async def _insert(
    session: AsyncSession, scope: StoreScope, writes: Writes, created: list[_Target]
) -> None:
    """The batch's new customers; one some other writer has meanwhile taken (e-mail, card
    or id) is skipped by ON CONFLICT DO NOTHING, never an error."""
    if not created:
        return
    inserted = await writes.insert(session, scope, [t.customer for t in created])
    for target in created:
        if target.customer.id not in inserted:
            for report in target.reports:
                report.result, report.message = Result.skipped, RACED
    done = [t for t in created if t.customer.id in inserted]
    await writes.events(session, scope, "created", [(t.customer.id, t.fields) for t in done])


async def _update(
    session: AsyncSession, scope: StoreScope, writes: Writes, updated: list[_Target]
) -> None:
    """The batch's changed customers (locked by the lookup)."""
    if not updated:
        return
    now = utcnow()
    for target in updated:
        target.customer.updated_at = now
        target.customer.version += 1
    await writes.update(session, scope, [t.customer for t in updated])
    await writes.events(session, scope, "updated", [(t.customer.id, t.fields) for t in updated])
