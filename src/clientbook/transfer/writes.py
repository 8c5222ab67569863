"""Writing a batch's new and changed customers, and their audit events.

Two ways, one result. On SQLite: one multi-row ``INSERT``, one executemany ``UPDATE`` and
``audit.record_many``. On PostgreSQL the rows go in with ``COPY`` (asyncpg's binary
protocol) to a temporary staging table, and one set-based ``INSERT ... SELECT`` or
``UPDATE ... FROM`` moves them into ``customers``, so a batch costs a handful of statements
whatever its size; the events are copied straight into ``customer_events``. The
statement-level triggers that keep ``customer_counts`` fire once per statement either way
(on Citus the importer keeps them per batch: ``counts.py``).
"""

import uuid
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, Protocol, cast

import orjson
from sqlalchemy import JSON, Column, MetaData, Table, bindparam, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.kit.db import Database
from clientbook.models import Customer, CustomerEvent
from clientbook.stores.scope import StoreScope
from clientbook.transfer.rows import COLUMNS

_TABLE = cast(Table, Customer.__table__)
_EVENTS = cast(Table, CustomerEvent.__table__)
_JSON_COLUMNS = frozenset(c.name for c in _TABLE.columns if isinstance(c.type, JSON))
_NAMES = [name for name, _ in COLUMNS]
_KEYS = [key for _, key in COLUMNS]
_EVENT_COLUMNS = ["store_id", "id", "customer_id", "actor_user_id", "action", "fields", "at"]

# Columns as in ``customers``, no constraints or indexes; created by the first batch of a
# transaction, dropped when it ends.
_STAGING = Table("import_customers", MetaData(), *(Column(c.name, c.type) for c in _TABLE.columns))
_CREATE_STAGING = text(
    "CREATE TEMPORARY TABLE IF NOT EXISTS import_customers (LIKE customers) ON COMMIT DROP"
)
_EMPTY_STAGING = text("TRUNCATE import_customers")
# Both move only the scope's store's rows (``:scope_store_id``), whatever was staged.
_INSERT_STAGED = (
    postgresql.insert(_TABLE)
    .from_select(_NAMES, select(_STAGING).where(_STAGING.c.store_id == bindparam("scope_store_id")))
    .on_conflict_do_nothing()
    .returning(_TABLE.c.id)
)
_UPDATE_STAGED = (
    update(_TABLE)
    .values({name: _STAGING.c[name] for name in _NAMES if name not in ("store_id", "id")})
    .where(
        _TABLE.c.store_id == bindparam("scope_store_id"),
        _STAGING.c.store_id == _TABLE.c.store_id,
        _TABLE.c.id == _STAGING.c.id,
    )
)

Changes = audit.Changes


class Writes(Protocol):
    async def insert(
        self, session: AsyncSession, scope: StoreScope, customers: list[Customer]
    ) -> set[uuid.UUID]:
        """Insert the store's customers, skipping any whose e-mail, card or id is taken by
        now; the ids of those inserted."""

    async def update(
        self, session: AsyncSession, scope: StoreScope, customers: list[Customer]
    ) -> None:
        """Write every column of the store's customers over their rows (locked by the
        caller)."""

    async def events(
        self, session: AsyncSession, scope: StoreScope, action: str, changes: Changes
    ) -> None:
        """One audit event per customer, as ``audit.record`` writes it."""


def _values_of(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, key) for name, key in COLUMNS}


class StatementWrites:
    """Portable SQL: a multi-row INSERT, an executemany UPDATE."""

    async def insert(
        self, session: AsyncSession, scope: StoreScope, customers: list[Customer]
    ) -> set[uuid.UUID]:
        dialect = session.get_bind().dialect.name
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = dialect_insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.id)
        rows = [_values_of(c) | {"store_id": scope.store_id} for c in customers]
        result = await session.execute(statement, rows)
        return set(result.scalars())

    async def update(
        self, session: AsyncSession, scope: StoreScope, customers: list[Customer]
    ) -> None:
        parameters = []
        for customer in customers:
            values = _values_of(customer)
            del values["store_id"]
            values["b_id"] = values.pop("id")
            parameters.append(values)
        statement = update(_TABLE).where(
            _TABLE.c.store_id == scope.store_id, _TABLE.c.id == bindparam("b_id")
        )
        await session.execute(statement, parameters)

    async def events(
        self, session: AsyncSession, scope: StoreScope, action: str, changes: Changes
    ) -> None:
        await audit.record_many(session, scope, action, changes)


class CopyWrites:
    """PostgreSQL: COPY to a staging table, then one set-based statement."""

    async def insert(
        self, session: AsyncSession, scope: StoreScope, customers: list[Customer]
    ) -> set[uuid.UUID]:
        await self._stage(session, customers)
        result = await session.execute(_INSERT_STAGED, {"scope_store_id": scope.store_id})
        return set(result.scalars())

    async def update(
        self, session: AsyncSession, scope: StoreScope, customers: list[Customer]
    ) -> None:
        await self._stage(session, customers)
        await session.execute(_UPDATE_STAGED, {"scope_store_id": scope.store_id})

    async def events(
        self, session: AsyncSession, scope: StoreScope, action: str, changes: Changes
    ) -> None:
        rows = audit.event_rows(scope, action, changes)
        if rows:
            records = [_event_record(row) for row in rows]
            driver = await _driver(session)
            await driver.copy_records_to_table(
                _EVENTS.name, records=records, columns=_EVENT_COLUMNS
            )

    @staticmethod
    async def _stage(session: AsyncSession, customers: Sequence[Customer]) -> None:
        """The staging table lives until the transaction ends, and holds these rows only."""
        await session.execute(_CREATE_STAGING)
        await session.execute(_EMPTY_STAGING)
        driver = await _driver(session)
        await driver.copy_records_to_table(
            _STAGING.name, records=[_record(c) for c in customers], columns=_NAMES
        )


def _event_record(row: dict[str, Any]) -> tuple[Any, ...]:
    row = {**row, "fields": orjson.dumps(row["fields"]).decode()}
    return tuple(row[name] for name in _EVENT_COLUMNS)


_COLUMN_VALUES = attrgetter(*_KEYS)
_JSON_POSITIONS = [i for i, name in enumerate(_NAMES) if name in _JSON_COLUMNS]


def _record(customer: Customer) -> tuple[Any, ...]:
    values = list(_COLUMN_VALUES(customer))
    for i in _JSON_POSITIONS:
        values[i] = orjson.dumps(values[i]).decode()
    return tuple(values)


async def _driver(session: AsyncSession) -> Any:
    """The asyncpg connection under the session's (already begun) transaction."""
    connection = await session.connection()
    return (await connection.get_raw_connection()).driver_connection


_NEVER_ANALYZED = text(
    "SELECT last_analyze IS NULL AND last_autoanalyze IS NULL "
    "FROM pg_stat_user_tables WHERE relid = 'customers'::regclass"
)


async def analyze_if_never(database: Database) -> None:
    """Give a fresh database's ``customers`` table statistics (PostgreSQL).

    Until autovacuum first analyzes it (a minute or more into an import), the planner may
    check each new event's foreign key by walking the store in an index that does not
    lead with the id, and the connection keeps that plan: every batch is slower than the
    one before. One ``ANALYZE`` after the first batch makes those plans index lookups."""
    if database.dialect != "postgresql":
        return
    async with database.transaction() as session:
        if await session.scalar(_NEVER_ANALYZED):
            await session.execute(text("ANALYZE customers"))


def writes_for(dialect: str) -> Writes:
    return CopyWrites() if dialect == "postgresql" else StatementWrites()
