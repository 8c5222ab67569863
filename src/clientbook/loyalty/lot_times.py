"""Lots whose time has come (the scheduled job, ``loyalty.tick``): locked points become
usable at their ``unlock_at``, and what a lot still holds expires at its ``expires_at``.
Each lot is settled under its balance row's lock, like every ledger write."""

import uuid
from datetime import datetime

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.loyalty.ledger import Write, held, lock_balance, new_entry, trail_event
from clientbook.models import PointsLot
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import StoreScope
from clientbook.webhooks.events import EventType, emit


async def settle_lot(
    session: AsyncSession, scope: StoreScope, write: Write, lot_id: uuid.UUID, now: datetime
) -> bool:
    """Unlock or expire one lot when its time has come (the scheduled job); False when
    another run already did. Locks the balance first, like every ledger write."""
    balance = await lock_balance(session, scope, write)
    lot = await session.get(PointsLot, (scope.store_id, lot_id), populate_existing=True)
    if lot is None:
        return False
    changed = expired = False
    if lot.status == "locked" and lot.unlock_at is not None and lot.unlock_at <= now:
        lot.status = "active"
        balance.locked -= lot.remaining
        balance.available += lot.remaining
        session.add(new_entry(scope, write, "unlock", ZERO, held(balance)))
        session.add(trail_event(scope, write, "points.unlock"))
        changed = True
    if lot.status != "expired" and lot.expires_at is not None and lot.expires_at <= now:
        left = lot.remaining
        if lot.status == "locked":
            balance.locked -= left
        else:
            balance.available -= left
        balance.expired += left
        lot.remaining = ZERO
        lot.status = "expired"
        if left > ZERO:
            session.add(new_entry(scope, write, "expire", -left, held(balance)))
            session.add(trail_event(scope, write, "points.expire"))
            expired = True
        changed = True
    if changed:
        balance.updated_at = now
        await session.flush()
    if expired:
        await emit(
            session,
            scope,
            EventType.points_expired,
            write.customer_id,
            {"wallet": write.wallet.code, "amount": str(left), "lot_id": str(lot_id)},
        )
    return changed


def due_lots(
    scope: StoreScope, now: datetime, limit: int
) -> Select[uuid.UUID, uuid.UUID, uuid.UUID]:
    """The store's lots whose unlock time has passed or that expire with points left."""
    unlocking = and_(PointsLot.status == "locked", PointsLot.unlock_at <= now)
    expiring = and_(
        PointsLot.status.in_(("locked", "active")),
        PointsLot.expires_at <= now,
        PointsLot.remaining > 0,
    )
    return (
        select(PointsLot.id, PointsLot.customer_id, PointsLot.wallet_id)
        .where(PointsLot.store_id == scope.store_id, unlocking | expiring)
        .limit(limit)
    )
