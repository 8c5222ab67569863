"""A customer's loyalty status in four reads, none through the ORM: the caller's access,
the customer, the store's rules, the member row, the purchase figures and every wallet's
balance in one statement; then, on one connection taken from the pool once, the tiers,
the expiring lots and, in points mode, the points earned in the window. The status read
is the call a till or an app makes on every screen, so it has its target in ``bench/``
(≤ 2 ms p50 at a million customers).

The same statements serve callers whose access is already checked (the Open Loyalty and
MOOD MNKY surfaces): there each starts from the scope's store (``ScopedQuery.within``)."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Uuid, and_, bindparam, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from clientbook.kit.db import Database, UTCDateTime, utcnow
from clientbook.kit.errors import NotFound
from clientbook.loyalty.standing import Standing, standing_of
from clientbook.loyalty.status import WalletStatus, add_expiring
from clientbook.loyalty.tiers import EARNINGS
from clientbook.loyalty.wallets import DEFAULT_CODE
from clientbook.models import (
    Customer,
    Member,
    PointsBalance,
    PointsEntry,
    PointsLot,
    Programme,
    PurchaseStats,
    Tier,
    Wallet,
)
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import AnySelect, Credentials, ScopedQuery, StoreScope, within_each

_PROGRAMME = ("tier_mode", "window_days", "downgrade_mode", "downgrade_days")
_MEMBER = ("tier_id", "manual_tier_id", "evaluated_at")
_BALANCE = ("available", "locked", "earned", "used", "expired")
_TIER = tuple(column.key for column in Tier.__table__.columns)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _with_status(
    statement: AnySelect, _store_id: ColumnElement[Any], granted: ColumnElement[Any]
) -> AnySelect:
    """One row per wallet of the store, each with the customer's figures. Everything is
    joined on the customer's store id, which is NULL unless access was granted and the
    customer is a live one of that store."""
    customer = and_(
        Customer.store_id == granted,
        Customer.id == bindparam("customer_id", type_=Uuid),
        Customer.deleted_at.is_(None),
    )
    return (
        statement.add_columns(
            Customer.id.label("customer_id"),
            *(getattr(Programme, name) for name in _PROGRAMME),
            *(getattr(Member, name) for name in _MEMBER),
            PurchaseStats.eligible_total,
            Wallet.id.label("wallet_id"),
            Wallet.code.label("wallet_code"),
            Wallet.name.label("wallet_name"),
            *(getattr(PointsBalance, name) for name in _BALANCE),
        )
        .outerjoin(Customer, customer)
        .outerjoin(Programme, Programme.store_id == Customer.store_id)
        .outerjoin(Member, _of_customer(Member))
        .outerjoin(PurchaseStats, _of_customer(PurchaseStats))
        .outerjoin(Wallet, Wallet.store_id == Customer.store_id)
        .outerjoin(
            PointsBalance,
            and_(
                PointsBalance.store_id == Customer.store_id,
                PointsBalance.customer_id == Customer.id,
                PointsBalance.wallet_id == Wallet.id,
            ),
        )
        .order_by(Wallet.code)
    )


def _of_customer(model: type[Member] | type[PurchaseStats]) -> ColumnElement[bool]:
    return and_(model.store_id == Customer.store_id, model.customer_id == Customer.id)


def _with_tiers(
    statement: AnySelect, _store_id: ColumnElement[Any], granted: ColumnElement[Any]
) -> AnySelect:
    """The store's tiers by condition (one row of NULLs when it has none)."""
    return (
        statement.add_columns(*Tier.__table__.columns)
        .outerjoin(Tier, Tier.store_id == granted)
        .order_by(Tier.condition_value, Tier.name)
    )


def _with_lots(
    statement: AnySelect, _store_id: ColumnElement[Any], granted: ColumnElement[Any]
) -> AnySelect:
    """The customer's lots that still hold points and will expire."""
    lot = and_(
        PointsLot.store_id == granted,
        PointsLot.customer_id == bindparam("customer_id", type_=Uuid),
        _any_of(PointsLot.status, ("locked", "active")),
        PointsLot.expires_at.is_not(None),
        PointsLot.remaining > 0,
    )
    columns = (PointsLot.wallet_id, PointsLot.expires_at, PointsLot.remaining)
    return statement.add_columns(*columns).join(PointsLot, lot)


def _with_earned(
    statement: AnySelect, store_id: ColumnElement[Any], granted: ColumnElement[Any]
) -> AnySelect:
    """Points earned in the ``points`` wallet since ``since``: the points-mode tier value.

    The sum is over the named store and given only where access was granted: a subquery
    correlated with the granted id is one Citus refuses beside the (reference) stores
    table, an uncorrelated one it runs first on the store's shard."""
    earned = (
        select(func.coalesce(func.sum(PointsEntry.amount), 0))
        .join(
            Wallet,
            (Wallet.store_id == PointsEntry.store_id) & (Wallet.id == PointsEntry.wallet_id),
        )
        .where(
            PointsEntry.store_id == store_id,
            PointsEntry.customer_id == bindparam("customer_id", type_=Uuid),
            _any_of(PointsEntry.kind, EARNINGS),
            Wallet.code == DEFAULT_CODE,
            PointsEntry.amount > 0,
            PointsEntry.at > bindparam("since", type_=UTCDateTime),
        )
        .scalar_subquery()
    )
    return statement.add_columns(case((granted.is_not(None), earned)).label("value"))


def _any_of(column: InstrumentedAttribute[str], values: tuple[str, ...]) -> ColumnElement[bool]:
    """``IN`` spelt out: a fixed statement cannot expand a list parameter."""
    return or_(*(column == value for value in values))


_STATUS = ScopedQuery(_with_status)
_TIERS = ScopedQuery(_with_tiers)
_LOTS = ScopedQuery(_with_lots)
_EARNED = ScopedQuery(_with_earned)


@dataclass(frozen=True)
class Status:
    wallets: list[WalletStatus]
    standing: Standing


async def read_status(
    database: Database, claims: Credentials, store_ref: str, customer_id: uuid.UUID
) -> Status:
    """The caller's access checked and the status read, outside any transaction."""
    scope, rows = await _STATUS.read(database, claims, store_ref, customer_id=customer_id)
    return await _status(database, scope, customer_id, rows)


async def status_in_session(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> Status:
    """The same figures for a caller whose access is already checked."""
    rows = await _STATUS.within(session, scope, customer_id=customer_id)
    return await _status(session, scope, customer_id, rows)


async def _status(
    runner: Database | AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    rows: list[dict[str, Any]],
) -> Status:
    first = rows[0]
    if first["customer_id"] is None:
        raise NotFound("Customer not found")
    now = utcnow()
    rules = _programme(scope, first)
    state = Member(store_id=scope.store_id, customer_id=customer_id, **_pick(first, _MEMBER))
    reads: list[tuple[ScopedQuery, dict[str, Any]]] = [
        (_TIERS, {}),
        (_LOTS, {"customer_id": customer_id}),
    ]
    if rules.tier_mode != "purchases":
        since = now - timedelta(days=rules.window_days) if rules.window_days else _EPOCH
        reads.append((_EARNED, {"customer_id": customer_id, "since": since}))
    tier_rows, lots, *earned = await within_each(runner, scope, reads)
    tiers = [Tier(**_pick(row, _TIER)) for row in tier_rows if row["id"] is not None]
    value = Decimal(first["eligible_total"] or ZERO)
    if earned:
        value = Decimal(str(earned[0][0]["value"] or 0))
    wallets = {row["wallet_id"]: _wallet(row) for row in rows if row["wallet_id"] is not None}
    add_expiring(((r["wallet_id"], r["expires_at"], r["remaining"]) for r in lots), now, wallets)
    return Status(list(wallets.values()), standing_of(rules, state, tiers, value, now))


def _programme(scope: StoreScope, row: Mapping[str, Any]) -> Programme:
    """The store's rules; a store that set none has the defaults (points, automatic)."""
    if row["tier_mode"] is None:
        return Programme(store_id=scope.store_id, tier_mode="points", downgrade_mode="automatic")
    return Programme(store_id=scope.store_id, **_pick(row, _PROGRAMME))


def _wallet(row: Mapping[str, Any]) -> WalletStatus:
    status = WalletStatus(row["wallet_code"], row["wallet_name"])
    if row["available"] is not None:
        status.active, status.locked = row["available"], row["locked"]
        status.earned, status.used, status.expired = row["earned"], row["used"], row["expired"]
    return status


def _pick(row: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: row[name] for name in names}
