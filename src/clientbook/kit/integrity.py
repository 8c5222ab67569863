"""Turn unique-constraint violations into 409 field errors, so a race never becomes a 500."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from clientbook.kit.errors import Conflict, FieldError


@dataclass(frozen=True)
class UniqueRule:
    """A unique index, named as PostgreSQL reports it and by columns as SQLite does."""

    index: str
    table: str
    columns: tuple[str, ...]
    field: str
    message: str

    def matches(self, error_text: str) -> bool:
        # PostgreSQL names the index; so does SQLite when the index has expressions.
        if f'"{self.index}"' in error_text or f"index '{self.index}'" in error_text:
            return True
        sqlite_columns = ", ".join(f"{self.table}.{column}" for column in self.columns)
        return f"UNIQUE constraint failed: {sqlite_columns}" in error_text


@asynccontextmanager
async def unique_violations(rules: Sequence[UniqueRule]) -> AsyncIterator[None]:
    try:
        yield
    except IntegrityError as exc:
        text = str(exc.orig)
        for rule in rules:
            if rule.matches(text):
                raise Conflict(rule.message, errors=[FieldError(rule.field, rule.message)]) from exc
        raise
