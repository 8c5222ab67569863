"""A scan of a whole store for duplicates, in steps the job runner takes one at a time.

Each step groups the store's live customers by one key with an aggregate, keeps the
groups of 2 to ``Blocking.most`` customers (a key shared by more is no evidence), judges
every pair in them as the candidates of one customer are judged, and stores the pairs.
The first three keys are exact (phone, names and birth date, card: ``PER_KEY``).
Similar names are found by blocking: customers at one e-mail domain (or post code) with
the same last name and the same first letter of the first name, or the same first name
and the same first letter of the last name, are judged by trigram similarity; such a
group of more than ``SIMILAR_PER_KEY`` is a common name at a busy post code or a large
mail provider, too weak a sign to judge. A typo in both names, or in a first letter,
escapes the scan (the background check of a written customer, a trigram search, still
finds it). Every step is one statement over the store and at most most * (most - 1) / 2
judgements per group, so a scan's time grows with the store and nothing faster.
"""

import itertools
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, and_, distinct, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from clientbook.duplicates.candidates import COLUMNS, PER_KEY, Person, judge
from clientbook.duplicates.found import Found, store_pairs
from clientbook.kit.claims import claim
from clientbook.kit.db import Database, utcnow
from clientbook.kit.errors import NotFound
from clientbook.models import Customer, CustomerAddress, DuplicateScan, Store
from clientbook.stores.scope import Role, StoreScope, job_scope

WRITE_BATCH = 1_000
SIMILAR_PER_KEY = 10


Key = tuple[ColumnElement[Any], ...]


@dataclass(frozen=True)
class Blocking:
    """One step's groups: ``key`` over the customers (joined to their addresses when
    ``addresses``), among those matching ``where``."""

    key: Key
    where: tuple[ColumnElement[bool], ...] = ()
    addresses: bool = False
    most: int = PER_KEY


class EmailDomain(FunctionElement[str]):
    """What follows the ``@`` of an e-mail (``split_part`` on PostgreSQL, ``instr`` on SQLite)."""

    type = String()
    inherit_cache = True
    name = "email_domain"


@compiles(EmailDomain)
def _domain_sqlite(element: EmailDomain, compiler: Any, **kw: Any) -> str:
    email = compiler.process(element.clauses, **kw)
    return f"substr({email}, instr({email}, '@') + 1)"


@compiles(EmailDomain, "postgresql")
def _domain_postgresql(element: EmailDomain, compiler: Any, **kw: Any) -> str:
    return f"split_part({compiler.process(element.clauses, **kw)}, '@', 2)"


def _first(column: Any) -> ColumnElement[str]:
    return func.substr(func.lower(column), 1, 1)


def _phone() -> Blocking:
    return Blocking((Customer.__table__.c.phone_key,))


def _name_and_birth_date() -> Blocking:
    return Blocking(
        (
            Customer.__table__.c.birth_date,
            func.lower(Customer.first_name),
            func.lower(Customer.last_name),
        )
    )


def _card() -> Blocking:
    return Blocking((Customer.__table__.c.card_key,))


def _has_email() -> tuple[ColumnElement[bool], ...]:
    return (Customer.email_key.like("%@%"),)


def _domain_last_name() -> Blocking:
    key = (
        EmailDomain(Customer.email_key),
        func.lower(Customer.last_name),
        _first(Customer.first_name),
    )
    return Blocking(key, _has_email(), most=SIMILAR_PER_KEY)


def _domain_first_name() -> Blocking:
    key = (
        EmailDomain(Customer.email_key),
        func.lower(Customer.first_name),
        _first(Customer.last_name),
    )
    return Blocking(key, _has_email(), most=SIMILAR_PER_KEY)


def _postal_code_last_name() -> Blocking:
    postal = func.lower(CustomerAddress.postal_code)
    key = (postal, func.lower(Customer.last_name), _first(Customer.first_name))
    return Blocking(key, (postal != "",), addresses=True, most=SIMILAR_PER_KEY)


def _postal_code_first_name() -> Blocking:
    postal = func.lower(CustomerAddress.postal_code)
    key = (postal, func.lower(Customer.first_name), _first(Customer.last_name))
    return Blocking(key, (postal != "",), addresses=True, most=SIMILAR_PER_KEY)


STEPS: list[tuple[str, Callable[[], Blocking]]] = [
    ("same_phone", _phone),
    ("same_name_and_birth_date", _name_and_birth_date),
    ("same_loyalty_card", _card),
    ("similar_name_same_email_domain (last name)", _domain_last_name),
    ("similar_name_same_email_domain (first name)", _domain_first_name),
    ("similar_name_same_postal_code (last name)", _postal_code_last_name),
    ("similar_name_same_postal_code (first name)", _postal_code_first_name),
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


async def pairs_by_key(session: AsyncSession, scope: StoreScope, blocking: Blocking) -> list[Found]:
    """The judged pairs among customers sharing the blocking key."""
    key = blocking.key
    live = [
        Customer.store_id == scope.store_id,
        Customer.deleted_at.is_(None),
        *(part.is_not(None) for part in key),
        *blocking.where,
    ]
    people: Any = Customer.__table__
    if blocking.addresses:
        people = people.join(
            CustomerAddress,
            and_(
                CustomerAddress.store_id == Customer.store_id,
                CustomerAddress.customer_id == Customer.id,
            ),
        )
    groups = (
        select(*key)
        .select_from(people)
        .where(*live)
        .group_by(*key)
        .having(
            and_(
                func.count(distinct(Customer.id)) >= 2,
                func.count(distinct(Customer.id)) <= blocking.most,
            )
        )
    )
    target = tuple_(*key) if len(key) > 1 else key[0]
    rows = await session.execute(
        select(*COLUMNS, *key).select_from(people).where(*live, target.in_(groups))
    )
    grouped: dict[tuple[Any, ...], dict[uuid.UUID, Person]] = defaultdict(dict)
    width = len(COLUMNS)
    for row in rows:
        block = tuple(row[width:])
        # A post code step compares customers at that post code: the block's first part.
        codes = [block[0]] if blocking.addresses else []
        grouped[block][row.id] = Person.of(row, codes)
    found = []
    for members in grouped.values():
        for a, b in itertools.combinations(members.values(), 2):
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
