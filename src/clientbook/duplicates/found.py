"""Duplicate pairs written as they are found: by a customer's write and by scans."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.duplicates.candidates import candidates_of, ordered
from clientbook.kit.db import utcnow
from clientbook.models import Customer, DuplicateCheck, DuplicatePair
from clientbook.stores.scope import StoreScope

# A write changing one of these looks the customer's exact-key duplicates up again.
WATCHED = frozenset(
    {"first_name", "last_name", "birth_date", "phone", "loyalty_card_number", "email"}
)


@dataclass(frozen=True)
class Found:
    customer_id: uuid.UUID
    other_id: uuid.UUID
    score: float
    reasons: list[str]


async def store_pairs(session: AsyncSession, scope: StoreScope, found: Iterable[Found]) -> int:
    """Insert new pairs; a known open pair takes the new score and reasons, a dismissed
    one stays dismissed. Returns how many rows were written."""
    now = utcnow()
    rows: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]] = {}
    for pair in found:
        low, high = ordered(pair.customer_id, pair.other_id)
        rows[(low, high)] = {
            "store_id": scope.store_id,
            "customer_id": low,
            "other_id": high,
            "score": pair.score,
            "reasons": sorted(pair.reasons),
            "status": "open",
            "found_at": now,
        }
    if not rows:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DuplicatePair).values(list(rows.values()))
    statement = statement.on_conflict_do_update(
        index_elements=["store_id", "customer_id", "other_id"],
        set_={"score": statement.excluded.score, "reasons": statement.excluded.reasons},
        where=DuplicatePair.status == "open",
    )
    await session.execute(statement)
    return len(rows)


async def note_written(
    session: AsyncSession, scope: StoreScope, customer: Customer, changed: Iterable[str]
) -> None:
    """After a customer is created or changed: its exact-key duplicates (same phone,
    names and birth date, card: an index lookup each) become open pairs now, and the
    customer is queued for the background check, which looks similar names up too
    (``duplicates.checks``)."""
    if not WATCHED.intersection(changed):
        return
    found = await candidates_of(session, scope, customer, similar=False)
    await store_pairs(
        session,
        scope,
        (Found(customer.id, c.customer_id, c.score, c.reasons) for c in found),
    )
    await queue_check(session, scope, customer.id)


async def queue_check(session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID) -> None:
    """Have the background check look the customer's candidates up (once, however
    often it is written before the check comes)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DuplicateCheck).values(
        store_id=scope.store_id, customer_id=customer_id, queued_at=utcnow()
    )
    await session.execute(statement.on_conflict_do_nothing())
