"""Locks on a value rather than a row: for rules no index enforces (a key being
processed, a phone number a surface wants unique)."""

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def hold_value_lock(session: AsyncSession, *parts: object) -> None:
    """Hold a lock on the value ``parts`` names until the transaction ends, so a second
    transaction checking the same value waits and then sees what the first committed.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: every writing transaction
    already runs alone, so there is nothing to take.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(":".join(str(part) for part in parts).encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    await session.execute(text("SELECT pg_advisory_xact_lock(:lock_id)"), {"lock_id": lock_id})
