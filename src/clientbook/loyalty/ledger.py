"""The points ledger: every change is an appended entry, and the customer's balance row
in that wallet is locked first and updated in the same transaction.

Earning adds a lot (locked until ``unlock_at`` when the wallet has a pending period);
spending takes the active lots that expire first and records how much of each it used.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.kit.db import utcnow
from clientbook.kit.errors import Conflict, FieldError, ValidationFailed
from clientbook.kit.integrity import check_fits, insert_new
from clientbook.loyalty import ledger_statements as statements
from clientbook.models import (
    CustomerEvent,
    PointsAllocation,
    PointsBalance,
    PointsEntry,
    PointsLot,
    Wallet,
)
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import StoreScope
from clientbook.webhooks.events import EventType, emit


class NotEnoughPoints(Conflict):
    def __init__(self, available: Decimal) -> None:
        message = f"the usable balance is {available}"
        super().__init__(f"Not enough points: {message}", errors=[FieldError("amount", message)])


@dataclass(frozen=True)
class Write:
    """Which wallet of which customer an entry is for, and why."""

    customer_id: uuid.UUID
    wallet: Wallet
    source: str | None = None
    reason: str | None = None
    key: str | None = None


async def lock_balance(session: AsyncSession, scope: StoreScope, write: Write) -> PointsBalance:
    """The balance row, created when missing and locked ``FOR UPDATE`` (SQLite writers
    already run one at a time): every ledger write starts here, so writes to one
    customer's wallet queue and each sees the one before it."""
    balance = await _locked(session, scope, write)
    if balance is None:
        values = {
            "store_id": scope.store_id,
            "customer_id": write.customer_id,
            "wallet_id": write.wallet.id,
            "updated_at": utcnow(),
        }
        await insert_new(session, PointsBalance, [values], PointsBalance.store_id)
        balance = await _locked(session, scope, write)
    assert balance is not None
    return balance


async def _locked(session: AsyncSession, scope: StoreScope, write: Write) -> PointsBalance | None:
    balance: PointsBalance | None = await session.scalar(
        select(PointsBalance)
        .where(
            PointsBalance.store_id == scope.store_id,
            PointsBalance.customer_id == write.customer_id,
            PointsBalance.wallet_id == write.wallet.id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return balance


def new_entry(
    scope: StoreScope, write: Write, kind: str, amount: Decimal, balance_after: Decimal
) -> PointsEntry:
    """An entry of the write's wallet, not yet added to the session."""
    return PointsEntry(
        store_id=scope.store_id,
        id=uuid.uuid4(),
        customer_id=write.customer_id,
        wallet_id=write.wallet.id,
        kind=kind,
        amount=amount,
        balance_after=balance_after,
        source=write.source,
        reason=write.reason,
        idempotency_key=write.key,
        actor_user_id=scope.user_id,
        at=utcnow(),
    )


def held(balance: PointsBalance) -> Decimal:
    """What the balance holds, usable or locked (an entry's ``balance_after``)."""
    return balance.available + balance.locked


def trail_row(scope: StoreScope, write: Write, action: str) -> dict[str, Any]:
    """The customer's event-trail row for a ledger change, naming the wallet."""
    (row,) = audit.event_rows(scope, action, [(write.customer_id, [f"wallet:{write.wallet.code}"])])
    return row


def trail_event(scope: StoreScope, write: Write, action: str) -> CustomerEvent:
    return CustomerEvent(**trail_row(scope, write, action))


def record_event(session: AsyncSession, scope: StoreScope, write: Write, action: str) -> None:
    """An entry in the customer's event trail naming the wallet."""
    session.add(trail_event(scope, write, action))


async def emit_entry(
    session: AsyncSession, scope: StoreScope, event: EventType, write: Write, entry: PointsEntry
) -> None:
    await emit(
        session,
        scope,
        event,
        write.customer_id,
        {
            "wallet": write.wallet.code,
            "kind": entry.kind,
            "amount": str(abs(entry.amount)),
            "entry_id": str(entry.id),
        },
    )


@dataclass(frozen=True)
class Credited:
    """An earning's entry (its ``balance_after`` filled in) and the balance row as the
    credit left it."""

    entry: PointsEntry
    available: Decimal
    owed: Decimal


async def credit(
    session: AsyncSession,
    scope: StoreScope,
    write: Write,
    amount: Decimal,
    *,
    kind: str = "earn",
    unlock_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Credited:
    """Add ``amount`` to the balance row (made when missing, locked until the
    transaction ends) and write the entry and the lot that record it; the wallet's
    pending and expiry periods apply unless dates are given.

    The same three writes on both databases: on PostgreSQL one statement (a
    data-modifying CTE), on SQLite the balance upsert, then the entry and the lot go in
    with the session's next flush."""
    now = utcnow()
    wallet = write.wallet
    if unlock_at is None and wallet.pending_days:
        unlock_at = now + timedelta(days=wallet.pending_days)
    if expires_at is None and wallet.expiry_days:
        expires_at = now + timedelta(days=wallet.expiry_days)
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed.field("expires_at", "must be in the future")
    is_locked = unlock_at is not None and unlock_at > now
    entry = new_entry(scope, write, kind, amount, ZERO)
    entry.unlock_at, entry.expires_at, entry.at = unlock_at, expires_at, now
    values = {
        "store_id": scope.store_id,
        "customer_id": write.customer_id,
        "wallet_id": wallet.id,
        "available": ZERO if is_locked else amount,
        "locked": amount if is_locked else ZERO,
        "earned": amount,
        "updated_at": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        values |= {
            "entry_id": entry.id,
            "kind": kind,
            "amount": amount,
            "source": write.source,
            "reason": write.reason,
            "unlock_at": unlock_at,
            "expires_at": expires_at,
            "idempotency_key": write.key,
            "actor_user_id": scope.user_id,
            "status": "locked" if is_locked else "active",
        }
        # On the connection (Core): the ORM's handling of an insert costs more than it.
        connection = await session.connection()
        after = (await connection.execute(statements.credit_postgres(), values)).one()
    else:
        after = (await session.execute(statements.balance_upsert("sqlite"), values)).one()
        session.add_all((entry, statements.lot_of(entry, "locked" if is_locked else "active")))
    entry.balance_after = after.available + after.locked
    check_fits(entry.balance_after, PointsEntry.__table__.c.balance_after)  # SQLite's check
    return Credited(entry, after.available, after.owed)


async def settle_owed(
    session: AsyncSession, scope: StoreScope, write: Write, credited: Credited
) -> None:
    """After a credit: usable points go first to what a return could not take back
    (read again under the lock: an earlier credit of this request may have paid it)."""
    if credited.owed <= ZERO or credited.available <= ZERO:
        return
    balance = await lock_balance(session, scope, write)
    if balance.owed > ZERO and balance.available > ZERO:
        await _pay_owed(session, scope, write, balance)


async def earn(
    session: AsyncSession,
    scope: StoreScope,
    write: Write,
    amount: Decimal,
    *,
    kind: str = "earn",
    unlock_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> PointsEntry:
    """Add a lot; the wallet's pending and expiry periods apply unless dates are given."""
    credited = await credit(
        session, scope, write, amount, kind=kind, unlock_at=unlock_at, expires_at=expires_at
    )
    session.add(trail_event(scope, write, f"points.{kind}"))
    await session.flush()
    await emit_entry(session, scope, EventType.points_earned, write, credited.entry)
    await settle_owed(session, scope, write, credited)
    return credited.entry


async def _pay_owed(
    session: AsyncSession, scope: StoreScope, write: Write, balance: PointsBalance
) -> None:
    """Usable points go first to what a return could not take back."""
    paid = min(balance.owed, balance.available)
    await spend(
        session, scope, replace(write, key=None, reason="owed by a return"), paid, kind="reverse"
    )
    balance.owed -= paid
    await session.flush()


async def reverse(
    session: AsyncSession, scope: StoreScope, write: Write, amount: Decimal
) -> PointsEntry:
    """Take back points a return cancels: what the usable balance holds now, and the
    rest is owed (never below zero), paid off by later earnings."""
    balance = await lock_balance(session, scope, write)
    taken = min(amount, balance.available)
    entry = await spend(session, scope, write, taken, kind="reverse")
    balance.owed += amount - taken
    await session.flush()
    return entry


async def spend(
    session: AsyncSession, scope: StoreScope, write: Write, amount: Decimal, *, kind: str = "spend"
) -> PointsEntry:
    """Take ``amount`` from the active lots that expire first; 409 when the usable
    balance does not cover it, with nothing written."""
    balance = await lock_balance(session, scope, write)
    if balance.available < amount:
        raise NotEnoughPoints(balance.available)
    balance.available -= amount
    balance.used += amount
    balance.updated_at = utcnow()
    entry = new_entry(scope, write, kind, -amount, held(balance))
    session.add(entry)
    await session.flush()
    left = amount
    for lot in await _spendable_lots(session, scope, write):
        if left <= ZERO:
            break
        taken = min(lot.remaining, left)
        lot.remaining -= taken
        left -= taken
        session.add(
            PointsAllocation(
                store_id=scope.store_id, entry_id=entry.id, lot_id=lot.id, amount=taken
            )
        )
    if left > ZERO:  # the balance row and the lots disagree: never paper over it
        raise RuntimeError(f"ledger out of step: {left} points not found in lots")
    session.add(trail_event(scope, write, f"points.{kind}"))
    await session.flush()
    await emit_entry(session, scope, EventType.points_spent, write, entry)
    return entry


async def _spendable_lots(
    session: AsyncSession, scope: StoreScope, write: Write
) -> list[PointsLot]:
    never = case((PointsLot.expires_at.is_(None), 1), else_=0)
    rows = await session.scalars(
        select(PointsLot)
        .where(
            PointsLot.store_id == scope.store_id,
            PointsLot.customer_id == write.customer_id,
            PointsLot.wallet_id == write.wallet.id,
            PointsLot.status == "active",
            PointsLot.remaining > 0,
        )
        .order_by(never, PointsLot.expires_at, PointsLot.earned_at, PointsLot.id)
    )
    return list(rows)


async def adjust(
    session: AsyncSession, scope: StoreScope, write: Write, amount: Decimal
) -> PointsEntry:
    """A staff correction: a positive amount adds a lot, a negative one spends."""
    if amount > 0:
        return await earn(session, scope, write, amount, kind="adjust")
    return await spend(session, scope, write, -amount, kind="adjust")
