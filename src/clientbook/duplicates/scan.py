"""A scan of a whole store for duplicates, in steps the job runner takes one at a time.

Each step groups the store's live customers by one exact key (phone, names and birth
date, card) with an aggregate the index serves, keeps the groups of 2 to ``PER_KEY``
customers (a key shared by more is no evidence), judges every pair in them as the
candidates of one customer are judged, and stores the pairs. Similar names are not
scanned (a trigram self-join of a million rows has no bound); they are found for one
customer at a time (``GET /duplicates?customer_id=``).
"""

import itertools
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.duplicates.candidates import COLUMNS, PER_KEY, Person, judge
from clientbook.duplicates.found import Found, store_pairs
from clientbook.kit.claims import claim
from clientbook.kit.db import Database, utcnow
from clientbook.kit.errors import NotFound
from clientbook.models import Customer, DuplicateScan, Store
from clientbook.stores.scope import Role, StoreScope, job_scope

WRITE_BATCH = 1_000


Key = tuple[ColumnElement[Any], ...]


def _phone() -> Key:
    return (Customer.__table__.c.phone_key,)


def _name_and_birth_date() -> Key:
    return (
        Customer.__table__.c.birth_date,
        func.lower(Customer.first_name),
        func.lower(Customer.last_name),
    )


def _card() -> Key:
    return (Customer.__table__.c.card_key,)


STEPS: list[tuple[str, Callable[[], Key]]] = [
    ("same_phone", _phone),
    ("same_name_and_birth_date", _name_and_birth_date),
    ("same_loyalty_card", _card),
]


async def start_scan(session: AsyncSession, scope: StoreScope) -> DuplicateScan:
    """Queue a scan of the store (admin); one already queued or running is answered."""
    scope.require(Role.admin)
    running = await session.scalar(
        select(DuplicateScan).where(
            DuplicateScan.store_id == scope.store_id,
            DuplicateScan.status.in_(("queued", "running")),
        )
    )
    if running is not None:
        return running
    scan = DuplicateScan(
        store_id=scope.store_id,
        id=uuid.uuid4(),
        status="queued",
        steps=len(STEPS),
        done=0,
        pairs=0,
        requested_by=scope.user_id,
        created_at=utcnow(),
    )
    session.add(scan)
    await session.flush()
    return scan


async def get_scan(session: AsyncSession, scope: StoreScope, scan_id: uuid.UUID) -> DuplicateScan:
    scope.require(Role.admin)
    scan = await session.get(DuplicateScan, (scope.store_id, scan_id))
    if scan is None:
        raise NotFound("Scan not found")
    return scan


async def pairs_by_key(
    session: AsyncSession, scope: StoreScope, key: Sequence[ColumnElement[Any]]
) -> list[Found]:
    """The judged pairs among customers sharing ``key``."""
    live = [
        Customer.store_id == scope.store_id,
        Customer.deleted_at.is_(None),
        *(part.is_not(None) for part in key),
    ]
    groups = (
        select(*key)
        .where(*live)
        .group_by(*key)
        .having(and_(func.count() >= 2, func.count() <= PER_KEY))
    )
    target = tuple_(*key) if len(key) > 1 else key[0]
    rows = await session.execute(select(*COLUMNS, *key).where(*live, target.in_(groups)))
    grouped: dict[tuple[Any, ...], list[Person]] = defaultdict(list)
    width = len(COLUMNS)
    for row in rows:
        grouped[tuple(row[width:])].append(Person.of(row))
    found = []
    for people in grouped.values():
        for a, b in itertools.combinations(people, 2):
            match = judge(a, b)
            if match is not None:
                found.append(Found(a.id, b.id, match.score, match.reasons))
    return found


async def _claim(database: Database) -> tuple[uuid.UUID, uuid.UUID, int] | None:
    """The oldest unfinished scan, marked running: (store, scan, next step)."""
    async with database.transaction() as session:
        claimed = await claim(
            session,
            database,
            select(DuplicateScan)
            .where(DuplicateScan.status.in_(("queued", "running")))
            .order_by(DuplicateScan.created_at)
            .limit(1),
        )
        if not claimed:
            return None
        scan = claimed[0]
        scan.status = "running"
        scan.started_at = scan.started_at or utcnow()
        return scan.store_id, scan.id, scan.done


async def run_step(database: Database) -> bool:
    """Take one step of the oldest unfinished scan; False when there is none."""
    claimed = await _claim(database)
    if claimed is None:
        return False
    store_id, scan_id, step = claimed
    async with database.transaction() as session:
        scope = job_scope(await session.get_one(Store, store_id))
        await _take_step(session, scope, scan_id, step)
    return True


async def _take_step(
    session: AsyncSession, scope: StoreScope, scan_id: uuid.UUID, step: int
) -> None:
    scan = await session.get_one(DuplicateScan, (scope.store_id, scan_id), with_for_update=True)
    if scan.status != "running" or scan.done != step:
        return  # another runner took this step meanwhile
    if step < len(STEPS):
        found = await pairs_by_key(session, scope, STEPS[step][1]())
        for start in range(0, len(found), WRITE_BATCH):
            await store_pairs(session, scope, found[start : start + WRITE_BATCH])
        scan.pairs += len(found)
    scan.done = step + 1
    if scan.done >= scan.steps:
        scan.status = "done"
        scan.finished_at = utcnow()


async def run_scans(database: Database, *, steps: int = 10) -> int:
    """Up to ``steps`` steps of pending scans; returns how many were taken."""
    taken = 0
    while taken < steps and await run_step(database):
        taken += 1
    return taken


def scan_document(scan: DuplicateScan) -> dict[str, Any]:
    return {
        "id": str(scan.id),
        "status": scan.status,
        "steps": scan.steps,
        "done": scan.done,
        "progress": round(scan.done / scan.steps, 2) if scan.steps else 1.0,
        "pairs": scan.pairs,
        "created_at": scan.created_at.isoformat(),
        "started_at": scan.started_at.isoformat() if scan.started_at else None,
        "finished_at": scan.finished_at.isoformat() if scan.finished_at else None,
    }
