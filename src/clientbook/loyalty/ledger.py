"""The points ledger: every change is an appended entry, and the customer's balance row
in that wallet is locked first and updated in the same transaction.

Earning adds a lot (locked until ``unlock_at`` when the wallet has a pending period);
spending takes the active lots that expire first and records how much of each it used.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import utcnow
from clientbook.kit.errors import Conflict, FieldError, ValidationFailed
from clientbook.kit.integrity import insert_new
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


def _entry(
    scope: StoreScope, write: Write, kind: str, amount: Decimal, balance_after: Decimal
) -> PointsEntry:
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


def _total(balance: PointsBalance) -> Decimal:
    return balance.available + balance.locked


def _event(scope: StoreScope, write: Write, action: str) -> CustomerEvent:
    return CustomerEvent(
        store_id=scope.store_id,
        customer_id=write.customer_id,
        actor_user_id=scope.user_id,
        action=action,
        fields=[f"wallet:{write.wallet.code}"],
        at=utcnow(),
    )


def record_event(session: AsyncSession, scope: StoreScope, write: Write, action: str) -> None:
    """An entry in the customer's event trail naming the wallet."""
    session.add(_event(scope, write, action))


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
    entry = _entry(scope, write, kind, amount, ZERO)
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
        after = (await session.execute(_credit_postgres(), values)).one()
    else:
        after = (await session.execute(_balance_upsert("sqlite"), values)).one()
        session.add_all((entry, _lot(entry, "locked" if is_locked else "active")))
    entry.balance_after = after.available + after.locked
    return Credited(entry, after.available, after.owed)


def _lot(entry: PointsEntry, status: str) -> PointsLot:
    return PointsLot(
        store_id=entry.store_id,
        id=entry.id,
        customer_id=entry.customer_id,
        wallet_id=entry.wallet_id,
        status=status,
        amount=entry.amount,
        remaining=entry.amount,
        unlock_at=entry.unlock_at,
        expires_at=entry.expires_at,
        earned_at=entry.at,
    )


@cache
def _credit_postgres() -> Any:
    """Balance upsert, entry and lot as one statement: the entry's ``balance_after``
    comes from the upsert's RETURNING, the lot from the entry's. Built once."""
    entries, lots = PointsEntry.__table__.c, PointsLot.__table__.c
    balance = _balance_upsert("postgresql").cte("balance")

    def param(name: str, column: Any) -> Any:
        return bindparam(name, type_=column.type)

    def insert_from(model: Any, source: Any, values: dict[str, Any]) -> Any:
        chosen = select(*values.values()).select_from(source)
        return postgresql.insert(model).from_select(list(values), chosen)

    entry = (
        insert_from(
            PointsEntry,
            balance,
            {
                "store_id": param("store_id", entries.store_id),
                "id": param("entry_id", entries.id),
                "customer_id": param("customer_id", entries.customer_id),
                "wallet_id": param("wallet_id", entries.wallet_id),
                "kind": param("kind", entries.kind),
                "amount": param("amount", entries.amount),
                "balance_after": balance.c.available + balance.c.locked,
                "source": param("source", entries.source),
                "reason": param("reason", entries.reason),
                "unlock_at": param("unlock_at", entries.unlock_at),
                "expires_at": param("expires_at", entries.expires_at),
                "idempotency_key": param("idempotency_key", entries.idempotency_key),
                "actor_user_id": param("actor_user_id", entries.actor_user_id),
                "at": param("updated_at", entries.at),
            },
        )
        .returning(entries.id)
        .cte("entry")
    )
    lot = (
        insert_from(
            PointsLot,
            entry,
            {
                "store_id": param("store_id", lots.store_id),
                "id": entry.c.id,
                "customer_id": param("customer_id", lots.customer_id),
                "wallet_id": param("wallet_id", lots.wallet_id),
                "status": param("status", lots.status),
                "amount": param("amount", lots.amount),
                "remaining": param("amount", lots.remaining),
                "unlock_at": param("unlock_at", lots.unlock_at),
                "expires_at": param("expires_at", lots.expires_at),
                "earned_at": param("updated_at", lots.earned_at),
            },
        )
        .returning(lots.id)
        .cte("lot")
    )
    return select(balance.c.available, balance.c.locked, balance.c.owed).add_cte(lot)


@cache
def _balance_upsert(dialect: str) -> Any:
    """Built once per dialect: making the statement costs more than running it."""
    table = PointsBalance.__table__
    columns = ("store_id", "customer_id", "wallet_id", "available", "locked", "earned")
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    statement = insert(PointsBalance).values(
        {name: bindparam(name) for name in (*columns, "updated_at")}
    )
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.store_id, table.c.customer_id, table.c.wallet_id],
        set_={
            "available": table.c.available + new.available,
            "locked": table.c.locked + new.locked,
            "earned": table.c.earned + new.earned,
            "updated_at": new.updated_at,
        },
    ).returning(table.c.available, table.c.locked, table.c.owed)


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
    session.add(_event(scope, write, f"points.{kind}"))
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
    entry = _entry(scope, write, kind, -amount, _total(balance))
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
    session.add(_event(scope, write, f"points.{kind}"))
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
        session.add(_entry(scope, write, "unlock", ZERO, _total(balance)))
        session.add(_event(scope, write, "points.unlock"))
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
            session.add(_entry(scope, write, "expire", -left, _total(balance)))
            session.add(_event(scope, write, "points.expire"))
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
