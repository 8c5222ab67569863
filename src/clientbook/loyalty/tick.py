"""The scheduled job: unlock pending points and expire old ones, for every store.

Idempotent (a lot is settled once: its status changes) and catching up (it takes every
lot whose time has passed, however long ago). ``serve`` runs it in each worker every
minute, and a PostgreSQL advisory lock lets one of them work at a time.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from clientbook.kit.db import Database, utcnow
from clientbook.loyalty import ledger, lot_times, tiers
from clientbook.loyalty.wallets import wallet_by_id
from clientbook.models import Store
from clientbook.stores.scope import StoreScope, job_scope

log = logging.getLogger(__name__)

BATCH = 500
# Tier reviews per store per run: a store whose whole book falls due at once (every
# member joined on launch day) is spread over several runs instead of one long one.
REVIEWS_PER_RUN = 2_000
# Any fixed 64-bit number: the advisory lock only the tick takes.
TICK_LOCK = 7_310_421_955_001


@dataclass
class TickResult:
    settled: int = 0
    reviewed: int = 0


async def run_tick(
    database: Database, now: datetime | None = None, *, reviews: int = REVIEWS_PER_RUN
) -> TickResult:
    """Settle every lot due at ``now`` and review up to ``reviews`` tiers per store whose
    periodic re-evaluation has come, store by store, each in a short transaction."""
    now = now or utcnow()
    result = TickResult()
    async with database.reading() as session:
        stores = list(await session.scalars(select(Store).order_by(Store.id)))
    for store in stores:
        scope = job_scope(store)
        result.settled += await _settle_store(database, scope, now)
        result.reviewed += await _review_tiers(database, scope, now, reviews)
    return result


async def _review_tiers(database: Database, scope: StoreScope, now: datetime, limit: int) -> int:
    """Re-evaluate the tiers whose review is due; each review moves ``evaluated_at`` to
    ``now``, so a second run finds nothing left to do."""
    async with database.reading() as session:
        rules = await tiers.current_programme(session, scope)
        if rules.downgrade_mode != "periodic" or not rules.downgrade_days:
            return 0
        due = list(await session.scalars(tiers.due_reviews(scope, rules, now, limit)))
    for customer_id in due:
        async with database.transaction() as session:
            await tiers.recalculate(session, scope, customer_id, now)
    return len(due)


async def _settle_store(database: Database, scope: StoreScope, now: datetime) -> int:
    settled = 0
    while True:
        async with database.reading() as session:
            due = (await session.execute(lot_times.due_lots(scope, now, BATCH))).all()
        for lot_id, customer_id, wallet_id in due:
            async with database.transaction() as session:
                wallet = await wallet_by_id(session, scope, wallet_id)
                write = ledger.Write(customer_id, wallet, source="schedule")
                if await lot_times.settle_lot(session, scope, write, lot_id, now):
                    settled += 1
                    await tiers.recalculate(session, scope, customer_id, now)
        if len(due) < BATCH:
            return settled


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
            await _unlock(connection)


async def _unlock(connection: AsyncConnection) -> None:
    """Release the tick's lock; if the connection is broken, drop it instead (a
    session-level advisory lock ends with its session)."""
    try:
        await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": TICK_LOCK})
        await connection.commit()
    except DBAPIError:
        await connection.invalidate()


async def run_forever(database: Database, every_seconds: float) -> None:
    """The loop ``serve`` starts; a failed round is logged and the next one retries."""
    while True:
        try:
            await tick_once_alone(database)
        except Exception:
            log.exception("loyalty tick failed")
        await asyncio.sleep(every_seconds)
