"""Stored duplicate pairs listed for review and marked "not a duplicate"."""

import uuid
from collections.abc import Sequence

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from clientbook.customers.service import get_customer
from clientbook.duplicates.candidates import (
    PER_KEY,
    Candidate,
    candidates_of,
    ordered,
    score_of,
)
from clientbook.kit.db import utcnow
from clientbook.kit.errors import ValidationFailed
from clientbook.models import Customer, DuplicateCheck, DuplicatePair
from clientbook.stores.scope import Role, StoreScope


async def candidates_for(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, limit: int
) -> list[Candidate]:
    """The customer's candidates, best first: its open stored pairs (found as it was
    written, by its background check and by scans) with its exact-key duplicates looked
    up now (an index lookup each: customers loaded past the service count too). No
    trigram search runs here: similar names come from the stored pairs."""
    customer = await get_customer(session, scope, customer_id)
    found = {
        c.customer_id: set(c.reasons) for c in await stored_candidates(session, scope, customer)
    }
    for live in await candidates_of(session, scope, customer, similar=False, limit=PER_KEY):
        found.setdefault(live.customer_id, set()).update(live.reasons)
    ranked = [
        Candidate(other, score_of(reasons), sorted(reasons)) for other, reasons in found.items()
    ]
    ranked.sort(key=lambda c: (-c.score, c.customer_id.hex))
    return ranked[:limit]


async def stored_candidates(
    session: AsyncSession, scope: StoreScope, customer: Customer
) -> list[Candidate]:
    """The open pairs naming the customer whose other side is live (two index lookups)."""
    found: list[Candidate] = []
    for mine, theirs in (
        (DuplicatePair.customer_id, DuplicatePair.other_id),
        (DuplicatePair.other_id, DuplicatePair.customer_id),
    ):
        rows = await session.execute(
            select(theirs, DuplicatePair.reasons)
            .join(
                Customer,
                and_(
                    Customer.store_id == DuplicatePair.store_id,
                    Customer.id == theirs,
                    Customer.deleted_at.is_(None),
                ),
            )
            .where(
                DuplicatePair.store_id == scope.store_id,
                mine == customer.id,
                DuplicatePair.status == "open",
            )
        )
        found.extend(Candidate(other, score_of(reasons), list(reasons)) for other, reasons in rows)
    return found


async def list_pairs(
    session: AsyncSession, scope: StoreScope, *, status: str, offset: int, limit: int
) -> tuple[list[DuplicatePair], int]:
    """Pairs of live customers, best score first (each side a primary-key lookup)."""
    first, second = aliased(Customer), aliased(Customer)
    statement = (
        select(DuplicatePair)
        .join(
            first,
            and_(
                first.store_id == DuplicatePair.store_id,
                first.id == DuplicatePair.customer_id,
                first.deleted_at.is_(None),
            ),
        )
        .join(
            second,
            and_(
                second.store_id == DuplicatePair.store_id,
                second.id == DuplicatePair.other_id,
                second.deleted_at.is_(None),
            ),
        )
        .where(DuplicatePair.store_id == scope.store_id, DuplicatePair.status == status)
    )
    rows = await session.scalars(
        statement.order_by(
            DuplicatePair.score.desc(), DuplicatePair.customer_id, DuplicatePair.other_id
        )
        .offset(offset)
        .limit(limit)
    )
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    return list(rows), int(total or 0)


async def dismiss(
    session: AsyncSession, scope: StoreScope, customer_ids: Sequence[uuid.UUID]
) -> DuplicatePair:
    """Mark two customers of the store "not a duplicate": scans and candidate reads
    leave the pair out from now on."""
    scope.require(Role.seller)
    if len(set(customer_ids)) != 2:
        raise ValidationFailed.field("customer_ids", "name two different customers")
    for customer_id in customer_ids:
        await get_customer(session, scope, customer_id, deleted=True)
    low, high = ordered(customer_ids[0], customer_ids[1])
    now = utcnow()
    decided = {"status": "dismissed", "decided_at": now, "decided_by": scope.user_id}
    row = {
        "store_id": scope.store_id,
        "customer_id": low,
        "other_id": high,
        "score": 0.0,
        "reasons": [],
        "found_at": now,
        **decided,
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DuplicatePair).values(row)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["store_id", "customer_id", "other_id"], set_=decided
        )
    )
    return await session.get_one(DuplicatePair, (scope.store_id, low, high), populate_existing=True)


async def forget(session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID) -> None:
    """Drop every pair naming the customer, and its queued check (merged, erased)."""
    await session.execute(
        delete(DuplicateCheck).where(
            DuplicateCheck.store_id == scope.store_id, DuplicateCheck.customer_id == customer_id
        )
    )
    pairs = await session.scalars(
        select(DuplicatePair).where(
            DuplicatePair.store_id == scope.store_id,
            or_(DuplicatePair.customer_id == customer_id, DuplicatePair.other_id == customer_id),
        )
    )
    for pair in pairs:
        await session.delete(pair)
