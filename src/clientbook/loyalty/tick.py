"""The scheduled job: unlock pending points and expire old ones, for every store.

Idempotent (a lot is settled once: its status changes) and catching up (it takes every
lot whose time has passed, however long ago). ``serve`` runs it in each worker every
minute, and a PostgreSQL advisory lock lets one of them work at a time.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from clientbook.kit.db import Database, utcnow
from clientbook.loyalty import ledger
from clientbook.models import Wallet

log = logging.getLogger(__name__)

BATCH = 500
# Any fixed 64-bit number: the advisory lock only the tick takes.
TICK_LOCK = 7_310_421_955_001


@dataclass
class TickResult:
    settled: int = 0


async def run_tick(database: Database, now: datetime | None = None) -> TickResult:
    """Settle every lot due at ``now``, each in a short transaction of its own."""
    now = now or utcnow()
    result = TickResult()
    while True:
        async with database.transaction() as session:
            due = (await session.execute(ledger.due_lots(now, BATCH))).all()
        for store_id, lot_id, customer_id, wallet_id in due:
            async with database.transaction() as session:
                wallet = await session.get_one(Wallet, (store_id, wallet_id))
                write = ledger.Write(store_id, customer_id, wallet, source="schedule")
                if await ledger.settle_lot(session, write, lot_id, now):
                    result.settled += 1
        if len(due) < BATCH:
            return result


async def tick_once_alone(database: Database) -> TickResult | None:
    """``run_tick`` unless another process is running it (then None)."""
    if database.dialect != "postgresql":
        return await run_tick(database)
    async with database.engine.connect() as connection:
        got = await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": TICK_LOCK})
        await connection.commit()
        if not got:
            return None
        try:
            return await run_tick(database)
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": TICK_LOCK})
            await connection.commit()


async def run_forever(database: Database, every_seconds: float) -> None:
    """The loop ``serve`` starts; a failed round is logged and the next one retries."""
    while True:
        try:
            await tick_once_alone(database)
        except Exception:
            log.exception("loyalty tick failed")
        await asyncio.sleep(every_seconds)
