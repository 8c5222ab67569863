"""Claiming work rows of any store, so that two runners never take the same one.

On PostgreSQL one statement locks the rows ``FOR UPDATE SKIP LOCKED``. On a Citus
coordinator a statement over every store's shards cannot lock rows (``FOR UPDATE`` needs
a single shard: SQLSTATE 0A000), so the candidates' keys are read without locks and each
row is then locked by its key, skipping one another runner holds, with the statement's
condition checked again: a row another runner claimed and changed meanwhile is not taken
twice. SQLite has one writer at a time and takes no locks.
"""

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import Database

Row = TypeVar("Row")


async def claim(session: AsyncSession, database: Database, query: Select[Row]) -> list[Row]:
    """The rows ``query`` (one model keyed by ``store_id`` and ``id``, with its order and
    limit) selects, locked in ``session``'s transaction; none another runner holds."""
    if not await database.is_citus():
        return list(await session.scalars(query.with_for_update(skip_locked=True)))
    model: Any = query.column_descriptions[0]["entity"]
    keys = await session.execute(query.with_only_columns(model.store_id, model.id))
    claimed = []
    for store_id, row_id in keys.all():
        row = await session.scalar(
            query.where(model.store_id == store_id, model.id == row_id).with_for_update(
                skip_locked=True
            )
        )
        if row is not None:
            claimed.append(row)
    return claimed
