"""Turn constraint violations into 409/404 answers, so a race never becomes a 500, and
insert rows that may already exist without a violation at all."""

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from clientbook.kit.errors import ClientbookError, Conflict, FieldError

# PostgreSQL's numeric_value_out_of_range: a sum past its column's precision.
_OUT_OF_RANGE = "22003"

# PostgreSQL's message: duplicate key value violates unique constraint "<name>"
_NAMED_CONSTRAINT = re.compile(r'violates unique constraint "([^"]+)"')


@dataclass(frozen=True)
class UniqueRule:
    """A unique index, named as PostgreSQL reports it and by columns as SQLite does."""

    index: str
    table: str
    columns: tuple[str, ...]
    field: str
    message: str

    def matches(self, error_text: str, constraint: str | None = None) -> bool:
        if constraint is not None:
            # PostgreSQL names the index; on Citus, its shard's copy (``<index>_102010``).
            return constraint == self.index or _is_shard_of(constraint, self.index)
        # SQLite names the index when it has expressions, and the columns otherwise.
        if f'"{self.index}"' in error_text or f"index '{self.index}'" in error_text:
            return True
        sqlite_columns = ", ".join(f"{self.table}.{column}" for column in self.columns)
        return f"UNIQUE constraint failed: {sqlite_columns}" in error_text


def violated_constraint(exc: IntegrityError) -> str | None:
    """The constraint PostgreSQL names: from the error's diagnostics, or from its message
    when Citus relays a worker's error (which keeps the message only). None on SQLite."""
    for error in (exc.orig, getattr(exc.orig, "__cause__", None)):
        name = getattr(error, "constraint_name", None)
        if name:
            return str(name)
    named = _NAMED_CONSTRAINT.search(str(exc.orig))
    return named.group(1) if named else None


def _is_shard_of(constraint: str, index: str) -> bool:
    suffix = constraint.removeprefix(index)
    return suffix != constraint and suffix[:1] == "_" and suffix[1:].isdigit()


@asynccontextmanager
async def unique_violations(rules: Sequence[UniqueRule]) -> AsyncIterator[None]:
    try:
        yield
    except IntegrityError as exc:
        text = str(exc.orig)
        constraint = violated_constraint(exc)
        for rule in rules:
            if rule.matches(text, constraint):
                raise Conflict(rule.message, errors=[FieldError(rule.field, rule.message)]) from exc
        raise


class TooLarge(Exception):
    """A kept sum past its column's largest value, found in Python (``check_fits``)."""


def check_fits(value: Decimal, column: Any) -> None:
    """SQLite keeps any number; PostgreSQL refuses one past the column's ``Numeric``
    precision. The same check on both, for a sum a statement returned."""
    largest = Decimal(10) ** (column.type.precision - column.type.scale)
    if abs(value) >= largest:
        raise TooLarge(column.key)


@asynccontextmanager
async def out_of_range(field: str, message: str) -> AsyncIterator[None]:
    """A write that would take a kept sum (a points balance, a purchase total) past its
    column's largest value: a 409 on ``field``, with nothing written, not a 500."""
    try:
        yield
    except TooLarge as exc:
        raise Conflict(message, errors=[FieldError(field, message)]) from exc
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != _OUT_OF_RANGE:
            raise
        raise Conflict(message, errors=[FieldError(field, message)]) from exc


@asynccontextmanager
async def missing_references(error: ClientbookError) -> AsyncIterator[None]:
    """A foreign key that no longer holds (its row was deleted by a concurrent request)
    becomes ``error``, usually a 404."""
    try:
        yield
    except IntegrityError as exc:
        text = str(exc.orig).lower()
        if "foreign key" in text:
            raise error from exc
        raise


async def insert_new(
    session: AsyncSession,
    model: Any,
    rows: list[dict[str, Any]],
    returning: InstrumentedAttribute[Any],
) -> list[Any]:
    """Insert the rows whose key is not taken yet (``ON CONFLICT DO NOTHING``, so two
    requests adding the same row both succeed and it is stored once); ``returning`` of the
    rows this call inserted."""
    if not rows:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(rows).on_conflict_do_nothing().returning(returning)
    return list(await session.scalars(statement))
