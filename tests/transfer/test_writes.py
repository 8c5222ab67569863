"""The two ways a batch is written (COPY on PostgreSQL, statements elsewhere) store the
same customers and events, and the lookups find customers by each kind of key."""

from typing import Any

import pytest
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import Customer, CustomerCount, CustomerEvent
from clientbook.transfer import writes
from clientbook.transfer.importer import Mode
from tests.factories import Factory, StoreCtx
from tests.transfer.helpers import results, run_import, stored
from tests.transfer.test_import import FULL_ROW, csv_of

ROWS: list[dict[str, Any]] = [
    FULL_ROW,
    {"first_name": "Grace", "email": "grace@example.com", "phone": "+1 202 555 0143"},
    {"last_name": "Nobody", "metadata": {"source": "paper"}},  # a content id
    {"display_name": "Carded", "loyalty_card_number": "CARD-9", "labels": [{"key": "a"}]},
    {"first_name": "Bad", "email": "not-an-email"},
]
CHANGES: list[dict[str, Any]] = [
    {"email": "grace@example.com", "last_name": "Hopper", "consents": {"agreement1": True}},
    {"loyalty_card_number": "CARD-9", "first_name": "Card", "is_active": False},
    {"first_name": "Newest", "email": "newest@example.com"},
]
SAME_EVERYWHERE = {"store_id", "id", "created_at", "updated_at", "consents"}


def _columns(customer: Customer) -> dict[str, Any]:
    values = {
        column.key: getattr(customer, column.key)
        for column in Customer.__mapper__.column_attrs
        if column.key not in SAME_EVERYWHERE
    }
    values["consents"] = {k: v["granted"] for k, v in customer.consents.items()}
    return values


async def _events(database: Database, ctx: StoreCtx) -> list[tuple[str, list[str]]]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(CustomerEvent.action, CustomerEvent.fields).where(
                CustomerEvent.store_id == ctx.id
            )
        )
        return sorted((action, fields) for action, fields in rows)


async def _counted(database: Database, ctx: StoreCtx) -> int:
    async with database.transaction() as session:
        total = await session.scalar(
            select(func.sum(CustomerCount.total)).where(CustomerCount.store_id == ctx.id)
        )
        return int(total or 0)


async def _kept(database: Database, ctx: StoreCtx) -> tuple[int, int, int]:
    """The store's kept total, active count and write version."""
    async with database.transaction() as session:
        row = (
            await session.execute(
                select(
                    func.sum(CustomerCount.total),
                    func.sum(CustomerCount.active),
                    func.sum(CustomerCount.writes),
                ).where(CustomerCount.store_id == ctx.id)
            )
        ).one()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


async def _import_twice(database: Database, ctx: StoreCtx) -> list[tuple[int, str, str, str]]:
    created = await run_import(database, ctx, csv_of(ROWS), batch_size=2)
    updated = await run_import(database, ctx, csv_of(CHANGES), mode=Mode.upsert, batch_size=2)
    return results(created) + results(updated)


async def test_copy_and_statements_store_the_same_rows(
    factory: Factory, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.dialect != "postgresql":
        pytest.skip("COPY is the PostgreSQL way; SQLite always writes with statements")
    copied, written = await factory.store(country="DE"), await factory.store(country="DE")
    assert isinstance(writes.writes_for(database.dialect), writes.CopyWrites)
    copied_reports = await _import_twice(database, copied)

    monkeypatch.setattr(writes, "writes_for", lambda dialect: writes.StatementWrites())
    written_reports = await _import_twice(database, written)

    assert copied_reports == written_reports
    assert [r[2] for r in copied_reports] == [
        *("created", "created", "created", "created", "error"),
        *("updated", "updated", "created"),
    ]
    copied_rows, written_rows = await stored(database, copied), await stored(database, written)
    assert [_columns(c) for c in copied_rows] == [_columns(c) for c in written_rows]
    assert [c.version for c in copied_rows] == [1, 2, 1, 2, 1]
    assert await _events(database, copied) == await _events(database, written)
    assert await _counted(database, copied) == await _counted(database, written) == 5


async def test_the_kept_counts_follow_an_import(factory: Factory, database: Database) -> None:
    """Counted once whichever way the counts are kept (statement triggers, row triggers,
    or per batch by the importer on Citus): four created, one more and two changed, one
    of them made inactive (the full row is inactive too); the write version moves, so no
    remembered count goes stale."""
    ctx = await factory.store(country="DE")
    await factory.customer(ctx, is_active=False)
    _, _, version = await _kept(database, ctx)
    await _import_twice(database, ctx)
    total, active, after = await _kept(database, ctx)
    assert (total, active) == (6, 3)
    assert after > version


async def test_existing_customers_are_found_by_each_kind_of_key(
    factory: Factory, database: Database
) -> None:
    """E-mail (any case), loyalty card and content id, across batches and on re-runs."""
    ctx = await factory.store(country="DE")
    await factory.customer(ctx, email="Known@Example.com")
    await factory.customer(ctx, first_name="Card", email=None, loyalty_card_number="CARD-7")
    content = csv_of(
        [
            {"first_name": "Again", "email": "known@example.COM"},
            {"first_name": "Again", "loyalty_card_number": "CARD-7"},
            {"last_name": "Plain"},
        ]
    )
    first = await run_import(database, ctx, content, batch_size=2)
    assert [r.result.value for r in first] == ["skipped", "skipped", "created"]
    again = await run_import(database, ctx, content, mode=Mode.upsert, batch_size=2)
    assert results(again) == [
        (1, "known@example.COM", "updated", "email, first_name"),
        (2, "CARD-7", "updated", "first_name"),
        (3, "row 3", "skipped", "already imported: a customer with the same content exists"),
    ]
    assert len(await stored(database, ctx)) == 3


async def test_a_fresh_table_gets_statistics_once(database: Database) -> None:
    """Harmless wherever it runs: a no-op on SQLite and once the table has statistics."""
    await writes.analyze_if_never(database)
    await writes.analyze_if_never(database)
