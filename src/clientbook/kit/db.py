"""Engine, sessions and column types shared by every domain."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import DateTime, MetaData, Select, TypeDecorator, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.compiler import SQLCompiler

from clientbook.kit.errors import ClientbookError, ServiceUnavailable

CONNECTION_LOST = "The database connection was lost; try again"
DATABASE_BUSY = "The database has no connection free; try again"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


AUTOCOMMIT = "AUTOCOMMIT"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def async_url(url: str) -> str:
    """Accept plain ``sqlite:///`` and ``postgresql://`` URLs and pick the async driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL {parsed.drivername!r}: use sqlite or postgresql")


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    """An engine that never puts bound parameters in its errors or logs (they hold
    password hashes and personal data)."""
    full = async_url(url)
    if full.startswith("sqlite"):
        engine = create_async_engine(full, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    # No pre-ping: it costs three round trips per request (BEGIN, ping, ROLLBACK). A
    # connection lost to a database restart fails one request with 503 and the pool drops
    # every older connection (SQLAlchemy's "optimistic" disconnect handling).
    return create_async_engine(
        full, pool_size=pool_size, max_overflow=pool_size, hide_parameters=True
    )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy drive transactions (pysqlite's own BEGIN handling breaks savepoints),
    # enforce foreign keys, and let readers and a writer work side by side.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking.
    if connection.get_execution_options().get("isolation_level") != AUTOCOMMIT:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# What asyncpg raises when its connection is gone (a database restart, a killed backend):
# an asyncpg connection that saw its server go away can also report a protocol state error.
_CONNECTION_ERRORS = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CannotConnectNowError,
)

# SQLSTATEs that mean "not now" rather than "wrong": the server refused a new connection
# (too many connections, starting up or shutting down) or a connection failed.
_BUSY_STATES = frozenset({"53300", "57P03"})


# SQLSTATEs of a transaction that lost a race: a deadlock the server broke by failing it,
# or a serialization failure. The same request sent again succeeds.
_LOST_RACE_STATES = frozenset({"40P01", "40001"})
LOST_RACE = "The request met another one changing the same records; send it again"


def lost_race(exc: DBAPIError) -> bool:
    return str(getattr(exc.orig, "sqlstate", None) or "") in _LOST_RACE_STATES


def unavailable_reason(exc: DBAPIError) -> str | None:
    """Why a database error is worth retrying (a 503), or None when it is a real error."""
    if exc.connection_invalidated:
        return CONNECTION_LOST
    return _refusal_reason(exc.orig)


def _refusal_reason(driver_error: BaseException | None) -> str | None:
    state = str(getattr(driver_error, "sqlstate", None) or "")
    if state in _BUSY_STATES:
        return DATABASE_BUSY
    if state.startswith("08"):  # class 08: connection exception
        return CONNECTION_LOST
    return None


class FixedQuery:
    """A Core statement whose shape never changes, for the hottest reads.

    ``Database.fetch_all`` runs it. On PostgreSQL that is straight on the pooled asyncpg
    connection, with the statement compiled once: for a one-row read, SQLAlchemy's
    connection and result layers cost as much as the query itself (see bench/RESULTS.md).
    """

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._compiled: SQLCompiler | None = None

    def for_asyncpg(self, dialect: Dialect, params: dict[str, Any]) -> tuple[str, list[Any]]:
        """The SQL text and its positional arguments: ``params`` and the statement's own
        literals (a ``coalesce(..., 0)`` binds its 0).

        Integer parameters marked ``literal_execute`` are written into the text instead: a
        ``LIMIT`` the planner cannot see makes PostgreSQL plan the statement afresh on every
        execution, while one statement per distinct value is planned once.
        """
        if self._compiled is None:
            self._compiled = self.statement.compile(dialect=dialect)
        compiled = self._compiled
        values = {**compiled.params, **params}
        text = compiled.string
        written = {param.key for param in compiled.literal_execute_params}
        for name in written:
            text = text.replace(f"__[POSTCOMPILE_{name}]", str(int(values[name])))
        positional = [values[name] for name in compiled.positiontup or () if name not in written]
        return text, positional


class Database:
    """The process's engine and session factory."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.engine = create_engine(url, pool_size=pool_size)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessionmaker = async_sessionmaker(
            self.engine.execution_options(isolation_level=AUTOCOMMIT), expire_on_commit=False
        )
        self._citus: bool | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def is_citus(self) -> bool:
        """Whether this is a Citus coordinator, asked once: work queues that claim rows
        across stores cannot lock them there (``FOR UPDATE`` needs a single shard)."""
        if self._citus is None:
            # Set only once known: callers asking while the first answer is on its way
            # ask too (a False meanwhile sent the senders' FOR UPDATE to a coordinator).
            found = False
            if self.dialect == "postgresql":
                async with self.reading() as session:
                    found = bool(
                        await session.scalar(
                            text("SELECT count(*) FROM pg_extension WHERE extname = 'citus'")
                        )
                    )
            self._citus = found
        return self._citus

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only: each statement on its own, with no BEGIN or COMMIT."""
        async with self.read_sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on any error."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except ClientbookError as exc:
                await (session.commit() if exc.keep_changes else session.rollback())
                raise
            except BaseException:
                await session.rollback()
                raise

    async def fetch_all(self, query: FixedQuery, params: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows as dicts, read outside any transaction."""
        (rows,) = await self.fetch_each([(query, params)])
        return rows

    async def fetch_each(
        self, reads: Sequence[tuple[FixedQuery, dict[str, Any]]]
    ) -> list[list[dict[str, Any]]]:
        """Each query's rows, one after the other on one connection taken from the pool
        once, outside any transaction (so each in a snapshot of its own)."""
        if self.dialect != "postgresql":
            async with self.read_sessionmaker() as session:
                return [
                    [dict(row._mapping) for row in await session.execute(q.statement, params)]
                    for q, params in reads
                ]
        try:
            pooled = await self.engine.raw_connection()
        except self.engine.dialect.loaded_dbapi.Error as exc:  # no connection to be had
            reason = _refusal_reason(exc)
            if reason is None:
                raise
            raise ServiceUnavailable(reason, retry_after=1) from exc
        driver: asyncpg.Connection = pooled.driver_connection
        answers = []
        try:
            for query, params in reads:
                sql, args = query.for_asyncpg(self.engine.dialect, params)
                records = await driver.fetch(sql, *args)
                answers.append([dict(record) for record in records])
        except _CONNECTION_ERRORS as exc:
            # As SQLAlchemy does on a disconnect: every older connection is suspect too.
            pooled.invalidate(exc)
            await self.engine.dispose(close=False)
            raise ServiceUnavailable(CONNECTION_LOST, retry_after=1) from exc
        finally:
            pooled.close()
        return answers

    async def dispose(self) -> None:
        await self.engine.dispose()
