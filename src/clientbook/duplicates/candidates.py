"""Who may be the same person as a customer, with a score and the reasons.

Each reason comes from a lookup an index answers: the same phone (``phone_key``), the same
names and birth date (``birth_date``), the same card written differently (``card_key``),
and, for one customer at a time, a similar name (trigrams: ``sort_name`` on PostgreSQL)
at one of its post codes or at its e-mail domain. The score is the sum of the reasons'
weights, at most 1; both databases score alike (``similarity`` counts as pg_trgm does).
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, exists, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.duplicates.similarity import similarity
from clientbook.models import Customer, CustomerAddress, DuplicatePair
from clientbook.stores.scope import StoreScope

WEIGHTS = {
    "same_phone": 0.5,
    "same_name_and_birth_date": 0.6,
    "same_loyalty_card": 0.6,
    "similar_name_same_postal_code": 0.35,
    "similar_name_same_email_domain": 0.3,
}
SIMILAR = 0.5  # names at least this similar (0..1) count as similar
PER_KEY = 50  # candidates read per lookup: a key shared by more is no evidence of one person
SIMILAR_ROWS = 200  # similar names read for one customer before the post code/domain check

COLUMNS = (
    Customer.id,
    Customer.first_name,
    Customer.last_name,
    Customer.sort_name,
    Customer.birth_date,
    Customer.phone_key,
    Customer.card_key,
    Customer.email_key,
)


@dataclass(frozen=True)
class Person:
    """What duplicates are judged on, for one customer."""

    id: uuid.UUID
    first_name: str
    last_name: str
    sort_name: str
    birth_date: date | None
    phone_key: str | None
    card_key: str | None
    domain: str | None
    postal_codes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, row: Row[Any] | Customer, postal_codes: Iterable[str] = ()) -> "Person":
        email = row.email_key or ""
        return cls(
            id=row.id,
            first_name=(row.first_name or "").strip().lower(),
            last_name=(row.last_name or "").strip().lower(),
            sort_name=row.sort_name or "",
            birth_date=row.birth_date,
            phone_key=row.phone_key,
            card_key=row.card_key,
            domain=email.rpartition("@")[2] or None if "@" in email else None,
            postal_codes=frozenset(postal_codes),
        )


@dataclass(frozen=True)
class Candidate:
    customer_id: uuid.UUID
    score: float
    reasons: list[str]


def judge(a: Person, b: Person) -> Candidate | None:
    """How likely ``b`` is the same person as ``a``; None when nothing points to it."""
    reasons = []
    if a.phone_key and a.phone_key == b.phone_key:
        reasons.append("same_phone")
    if (
        a.birth_date is not None
        and a.birth_date == b.birth_date
        and a.first_name
        and a.last_name
        and (a.first_name, a.last_name) == (b.first_name, b.last_name)
    ):
        reasons.append("same_name_and_birth_date")
    if a.card_key and a.card_key == b.card_key:
        reasons.append("same_loyalty_card")
    if a.sort_name and similarity(a.sort_name, b.sort_name) >= SIMILAR:
        if a.postal_codes & b.postal_codes:
            reasons.append("similar_name_same_postal_code")
        if a.domain and a.domain == b.domain:
            reasons.append("similar_name_same_email_domain")
    if not reasons:
        return None
    return Candidate(b.id, score_of(reasons), reasons)


def score_of(reasons: Iterable[str]) -> float:
    """The reasons' weights added up, at most 1."""
    return min(1.0, round(sum(WEIGHTS[r] for r in reasons), 2))


def _live(scope: StoreScope, not_id: uuid.UUID) -> list[ColumnElement[bool]]:
    return [
        Customer.store_id == scope.store_id,
        Customer.deleted_at.is_(None),
        Customer.id != not_id,
    ]


def _postal_key(column: Any) -> Any:
    return func.lower(column)


async def postal_codes(
    session: AsyncSession, scope: StoreScope, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, set[str]]:
    """Each customer's post codes, lower-cased."""
    found: dict[uuid.UUID, set[str]] = {i: set() for i in ids}
    if not ids:
        return found
    rows = await session.execute(
        select(CustomerAddress.customer_id, _postal_key(CustomerAddress.postal_code)).where(
            CustomerAddress.store_id == scope.store_id,
            CustomerAddress.customer_id.in_(ids),
            CustomerAddress.postal_code.is_not(None),
        )
    )
    for customer_id, code in rows:
        if code:
            found[customer_id].add(code)
    return found


async def person(session: AsyncSession, scope: StoreScope, customer: Customer) -> Person:
    codes = await postal_codes(session, scope, [customer.id])
    return Person.of(customer, codes[customer.id])


async def _exact_rows(session: AsyncSession, scope: StoreScope, me: Person) -> list[Row[Any]]:
    """Customers sharing the phone, the names and birth date, or the card; a key that
    more than ``PER_KEY`` customers share (a shop's own number given for walk-in
    customers) is no evidence and gives none, as in the whole-store scan. Pairing a new
    customer with 20 of them made every create with that number write 20 pairs."""
    lookups = []
    if me.phone_key:
        lookups.append(Customer.phone_key == me.phone_key)
    if me.birth_date is not None and me.first_name and me.last_name:
        lookups.append(
            and_(
                Customer.birth_date == me.birth_date,
                func.lower(Customer.first_name) == me.first_name,
                func.lower(Customer.last_name) == me.last_name,
            )
        )
    if me.card_key:
        lookups.append(Customer.card_key == me.card_key)
    rows: list[Row[Any]] = []
    for lookup in lookups:
        statement = select(*COLUMNS).where(*_live(scope, me.id), lookup).limit(PER_KEY)
        sharing: list[Row[Any]] = list(await session.execute(statement))
        if len(sharing) < PER_KEY:  # with me, at most PER_KEY customers hold the key
            rows.extend(sharing)
    return rows


async def _similar_rows(session: AsyncSession, scope: StoreScope, me: Person) -> list[Row[Any]]:
    """Customers at one of the post codes or the e-mail domain whose name may be similar:
    on PostgreSQL those the trigram index finds (pg_trgm's ``%``), checked again by
    ``judge``; on SQLite the first of them, checked by ``judge`` alone."""
    if not me.sort_name or not (me.postal_codes or me.domain):
        return []
    places: list[ColumnElement[bool]] = []
    if me.domain:
        escaped = me.domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        places.append(Customer.email_key.like(f"%@{escaped}", escape="\\"))
    if me.postal_codes:
        places.append(
            exists().where(
                CustomerAddress.store_id == Customer.store_id,
                CustomerAddress.customer_id == Customer.id,
                _postal_key(CustomerAddress.postal_code).in_(sorted(me.postal_codes)),
            )
        )
    statement = select(*COLUMNS).where(*_live(scope, me.id), or_(*places))
    if session.get_bind().dialect.name == "postgresql":
        # ``%`` finds names at least this similar: the index then hands back only those
        # (pg_trgm's default, 0.3, hands back more, for ``judge`` to drop). The setting
        # lasts to the end of the transaction (the background check's).
        await session.execute(
            select(func.set_config("pg_trgm.similarity_threshold", str(SIMILAR), True))
        )
        statement = statement.where(Customer.sort_name.op("%")(me.sort_name))
    return list(await session.execute(statement.limit(SIMILAR_ROWS)))


async def _dismissed(
    session: AsyncSession, scope: StoreScope, me: uuid.UUID, others: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    keys = [ordered(me, other) for other in others]
    if not keys:
        return set()
    rows = await session.execute(
        select(DuplicatePair.customer_id, DuplicatePair.other_id).where(
            DuplicatePair.store_id == scope.store_id,
            tuple_(DuplicatePair.customer_id, DuplicatePair.other_id).in_(keys),
            DuplicatePair.status == "dismissed",
        )
    )
    return {b if a == me else a for a, b in rows}


def ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """A pair's key: the lower id first, as ``duplicate_pairs`` stores it."""
    return (a, b) if a.hex < b.hex else (b, a)


async def candidates_of(
    session: AsyncSession,
    scope: StoreScope,
    customer: Customer,
    *,
    similar: bool = True,
    limit: int = 20,
) -> list[Candidate]:
    """The customer's likely duplicates, best first, without pairs marked "not a
    duplicate"; ``similar=False`` looks up the exact keys only (cheap: on every write)."""
    me = await person(session, scope, customer) if similar else Person.of(customer)
    rows = await _exact_rows(session, scope, me)
    if similar:
        rows.extend(await _similar_rows(session, scope, me))
    if not rows:
        return []
    unique = {row.id: row for row in rows}
    codes = await postal_codes(session, scope, list(unique)) if me.postal_codes else {}
    judged = [judge(me, Person.of(row, codes.get(row.id, ()))) for row in unique.values()]
    found = [c for c in judged if c is not None]
    dismissed = await _dismissed(session, scope, me.id, (c.customer_id for c in found))
    found = [c for c in found if c.customer_id not in dismissed]
    found.sort(key=lambda c: (-c.score, c.customer_id.hex))
    return found[:limit]
