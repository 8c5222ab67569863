"""Every kind of candidate looked up for a customer soon after it is written.

A write costs one more row: the customer is queued in ``duplicate_checks`` inside the
writing transaction (its exact-key duplicates are stored there and then, see
``found.note_written``). The background check, run by every ``serve`` worker every
``duplicate_check_seconds``, takes queued customers (claimed rows, so two workers never
take the same one), looks every candidate up, similar names included (a trigram search,
too slow for a request), and replaces the customer's open pairs with what it found.
A customer written again while its check runs is queued again and checked again. Claimed
rows are removed when taken, so a worker stopped mid-batch loses its checks: the
customer's next write, or a scan, finds those pairs.
"""

import asyncio
import logging
import time
import uuid
from collections import defaultdict

from sqlalchemy import delete, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.duplicates.candidates import candidates_of, ordered
from clientbook.duplicates.found import Found, queue_check, store_pairs
from clientbook.kit.db import Database
from clientbook.models import Customer, DuplicateCheck, DuplicatePair, Store
from clientbook.stores.scope import StoreScope, job_scope

log = logging.getLogger(__name__)

CHECKS_PER_RUN = 200
# After each check the loop rests this many times as long as the check took, so the
# checks take at most a quarter of a worker's time and of the database's: writes come
# first, and a burst of them is worked off after it (bench/RESULTS-lifecycle.md).
REST = 3.0
KEPT = 50  # candidates stored per customer, best first


async def pending(session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID) -> bool:
    """Whether the customer waits for its check (its similar names may be missing)."""
    found = await session.get(DuplicateCheck, (scope.store_id, customer_id))
    return found is not None


async def _take(database: Database, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Claim and remove the oldest queued checks: (store, customer)."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(DuplicateCheck.store_id, DuplicateCheck.customer_id)
            .order_by(DuplicateCheck.queued_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        taken = [(store_id, customer_id) for store_id, customer_id in rows]
        if taken:
            keys = tuple_(DuplicateCheck.store_id, DuplicateCheck.customer_id)
            await session.execute(delete(DuplicateCheck).where(keys.in_(taken)))
        return taken


async def check_customer(session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID) -> int:
    """Look every candidate of the customer up and make them its open pairs (pairs it no
    longer matches are dropped; dismissed ones stay). Returns how many were found."""
    customer = await session.get(Customer, (scope.store_id, customer_id))
    if customer is None or customer.deleted_at is not None:
        return 0
    found = await candidates_of(session, scope, customer, limit=KEPT)
    keep = [ordered(customer_id, c.customer_id) for c in found]
    stale = delete(DuplicatePair).where(
        DuplicatePair.store_id == scope.store_id,
        or_(DuplicatePair.customer_id == customer_id, DuplicatePair.other_id == customer_id),
        DuplicatePair.status == "open",
    )
    if keep:
        stale = stale.where(tuple_(DuplicatePair.customer_id, DuplicatePair.other_id).not_in(keep))
    await session.execute(stale)
    await store_pairs(
        session, scope, (Found(customer_id, c.customer_id, c.score, c.reasons) for c in found)
    )
    return len(found)


async def run_checks(database: Database, *, limit: int = CHECKS_PER_RUN, rest: float = 0.0) -> int:
    """Check up to ``limit`` queued customers, each in its own transaction, resting
    ``rest`` times each check's time after it; returns how many were taken. A check
    that fails is queued again."""
    by_store: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    taken = await _take(database, limit)
    for store_id, customer_id in taken:
        by_store[store_id].append(customer_id)
    for store_id, customer_ids in by_store.items():
        async with database.reading() as session:
            store = await session.get(Store, store_id)
        if store is None:
            continue
        scope = job_scope(store)
        for customer_id in customer_ids:
            started = time.monotonic()
            try:
                async with database.transaction() as session:
                    await check_customer(session, scope, customer_id)
            except Exception:
                log.exception("duplicate check of %s failed", customer_id)
                async with database.transaction() as session:
                    await queue_check(session, scope, customer_id)
            if rest:
                await asyncio.sleep((time.monotonic() - started) * rest)
    return len(taken)


async def run_forever(database: Database, seconds: float) -> None:
    """Check queued customers as they come: a full batch is followed by the next one at
    once, otherwise the loop sleeps ``seconds``."""
    while True:
        try:
            taken = await run_checks(database, rest=REST)
        except Exception:
            log.exception("duplicate checks failed")
            taken = 0
        if taken < CHECKS_PER_RUN:
            await asyncio.sleep(seconds)
