"""Tiers (levels): the store's list, its rules, and each customer's tier.

A customer's tier is the highest active tier whose condition their value meets: points
earned (never the balance) in the ``points`` wallet within the programme's window, or
purchase amounts. A manually assigned tier is a floor until removed. ``recalculate``
runs after every change that can move the value.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.kit.errors import NotFound
from clientbook.kit.integrity import UniqueRule, insert_new, unique_violations
from clientbook.models import Member, PointsEntry, Programme, PurchaseStats, Tier, Wallet
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import Role, StoreScope
from clientbook.webhooks.events import EventType, emit

TIER_UNIQUES = [
    UniqueRule(
        "uq_loyalty_tiers_store_id_name",
        "loyalty_tiers",
        ("store_id", "name"),
        "name",
        "this store already has a tier with this name",
    )
]
EARNINGS = ("earn", "adjust", "reverse")
CENT = Decimal("0.01")


async def create_tier(
    session: AsyncSession,
    scope: StoreScope,
    *,
    reward_percent: Decimal,
    condition_value: Decimal,
    **fields: object,
) -> Tier:
    scope.require(Role.admin)
    tier = Tier(
        store_id=scope.store_id,
        reward_percent=reward_percent.quantize(CENT),
        condition_value=condition_value.quantize(CENT),
        **fields,
    )
    session.add(tier)
    async with unique_violations(TIER_UNIQUES):
        await session.flush()
    return tier


async def list_tiers(session: AsyncSession, scope: StoreScope) -> list[Tier]:
    rows = await session.scalars(
        select(Tier)
        .where(Tier.store_id == scope.store_id)
        .order_by(Tier.condition_value, Tier.name)
    )
    return list(rows)


async def tier_by_id(session: AsyncSession, scope: StoreScope, tier_id: uuid.UUID) -> Tier:
    tier = await session.get(Tier, (scope.store_id, tier_id))
    if tier is None:
        raise NotFound("Tier not found")
    return tier


def default_programme(scope: StoreScope) -> Programme:
    """The rules of a store that has set none: points ever earned, automatic downgrades."""
    return Programme(store_id=scope.store_id, tier_mode="points", downgrade_mode="automatic")


async def current_programme(session: AsyncSession, scope: StoreScope) -> Programme:
    """The store's rules, for reading (nothing is written)."""
    return await session.get(Programme, scope.store_id) or default_programme(scope)


async def programme(session: AsyncSession, scope: StoreScope) -> Programme:
    """The store's rules row, made with the defaults when missing, for changing."""
    await insert_new(session, Programme, [{"store_id": scope.store_id}], Programme.store_id)
    found = await session.get_one(Programme, scope.store_id)
    return found


async def update_programme(session: AsyncSession, scope: StoreScope, **fields: object) -> Programme:
    scope.require(Role.admin)
    rules = await programme(session, scope)
    for name, value in fields.items():
        setattr(rules, name, value)
    await session.flush()
    return rules


async def member(session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID) -> Member:
    """The customer's member row, made on their first write."""
    key = (scope.store_id, customer_id)
    found = await session.get(Member, key, populate_existing=True)
    if found is None:
        values = {"store_id": scope.store_id, "customer_id": customer_id}
        await insert_new(session, Member, [values], Member.store_id)
        found = await session.get_one(Member, key)
    return found


async def tier_value(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    rules: Programme,
    now: datetime,
) -> Decimal:
    """What the tiers' conditions are compared with: points earned, or the amount of
    completed purchases without delivery costs and excluded amounts."""
    if rules.tier_mode == "purchases":
        stats = await session.get(PurchaseStats, (scope.store_id, customer_id))
        return stats.eligible_total if stats else ZERO
    conditions = [
        PointsEntry.store_id == scope.store_id,
        PointsEntry.customer_id == customer_id,
        PointsEntry.kind.in_(EARNINGS),
        Wallet.code == "points",
    ]
    if rules.window_days:
        conditions.append(PointsEntry.at > now - timedelta(days=rules.window_days))
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsEntry.amount), 0))
        .join(
            Wallet, (Wallet.store_id == PointsEntry.store_id) & (Wallet.id == PointsEntry.wallet_id)
        )
        .where(*conditions, PointsEntry.amount > 0)
    )
    return Decimal(str(total or 0))


def reached(tiers: list[Tier], value: Decimal) -> Tier | None:
    """The highest active tier ``value`` meets."""
    met = [t for t in tiers if t.active and t.condition_value <= value]
    return met[-1] if met else None


@dataclass(frozen=True)
class Placement:
    tier: Tier | None
    value: Decimal
    tiers: list[Tier]
    rules: Programme
    member: Member


async def recalculate(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    now: datetime,
    *,
    force: bool = False,
) -> Placement:
    """Move the customer's tier to what the rules give now (``force``: a lower tier too,
    whatever the downgrade mode); a change is an event in the customer's trail."""
    known = await placement(session, scope, customer_id, now)
    return await place(session, scope, known, now, force)


async def placement(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, now: datetime
) -> Placement:
    """Where the rules put the customer now, read and computed but not stored."""
    rules = await current_programme(session, scope)
    tiers = await list_tiers(session, scope)
    state = await member(session, scope, customer_id)
    value = await tier_value(session, scope, customer_id, rules, now)
    return Placement(target(tiers, rules, state, value, now), value, tiers, rules, state)


@dataclass(frozen=True)
class Move:
    """What placing a customer changes: the tier, when it counts as evaluated, and
    whether the tier id differs from the stored one."""

    target: Tier | None
    evaluated_at: datetime | None
    changed: bool

    @property
    def tier_id(self) -> uuid.UUID | None:
        return self.target.id if self.target else None


def move(known: Placement, now: datetime, force: bool = False) -> Move:
    """The tier ``known``'s value gives and its evaluation time, computed, not stored."""
    state, rules = known.member, known.rules
    allowed = force or _may_downgrade(rules, state, now)
    found = target(known.tiers, rules, state, known.value, now, force)
    changed = (found.id if found else None) != state.tier_id
    evaluated = now if changed or state.evaluated_at is None or allowed else state.evaluated_at
    return Move(found, evaluated, changed)


async def record_move(session: AsyncSession, scope: StoreScope, state: Member, moved: Move) -> None:
    """A tier change in the customer's trail and to webhooks (nothing when unchanged)."""
    if not moved.changed:
        return
    await audit.record(session, scope, state.customer_id, "tier.changed", ["tier"])
    await emit(
        session,
        scope,
        EventType.tier_changed,
        state.customer_id,
        {"tier_id": _id(moved.tier_id), "previous_tier_id": _id(state.tier_id)},
    )


async def place(
    session: AsyncSession, scope: StoreScope, known: Placement, now: datetime, force: bool = False
) -> Placement:
    """Store the tier for ``known``'s value: a write that knows how it changed the value
    (a purchase) places the customer without reading the rules and tiers again."""
    state = known.member
    moved = move(known, now, force)
    await record_move(session, scope, state, moved)
    state.evaluated_at = moved.evaluated_at
    state.tier_id = moved.tier_id
    await session.flush()
    return replace(known, tier=moved.target)


def target(
    tiers: list[Tier],
    rules: Programme,
    state: Member,
    value: Decimal,
    now: datetime,
    force: bool = False,
) -> Tier | None:
    """The tier ``value`` reaches, never below a manual floor, and lower than the
    current one only when a downgrade is allowed now."""
    by_id = {t.id: t for t in tiers}
    current = by_id.get(state.tier_id) if state.tier_id else None
    floor = by_id.get(state.manual_tier_id) if state.manual_tier_id else None
    target = _higher(reached(tiers, value), floor)
    if _rank(target) < _rank(current) and not (force or _may_downgrade(rules, state, now)):
        return current
    return target


def _id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _rank(tier: Tier | None) -> tuple[int, Decimal]:
    return (0, ZERO) if tier is None else (1, tier.condition_value)


def _higher(a: Tier | None, b: Tier | None) -> Tier | None:
    return a if _rank(a) >= _rank(b) else b


def _may_downgrade(rules: Programme, state: Member, now: datetime) -> bool:
    if rules.downgrade_mode == "never":
        return False
    at = review_at(rules, state)
    return at is None or now >= at


def review_at(rules: Programme, state: Member) -> datetime | None:
    """When a periodic downgrade may next happen (None: not periodic)."""
    if rules.downgrade_mode != "periodic" or not rules.downgrade_days:
        return None
    if state.evaluated_at is None:
        return None
    return state.evaluated_at + timedelta(days=rules.downgrade_days)


def due_reviews(
    scope: StoreScope, rules: Programme, now: datetime, limit: int
) -> Select[uuid.UUID]:
    """Customers holding a tier whose periodic review has come (oldest first), for the
    scheduled job: without it a customer who never earns again would keep the tier."""
    days = rules.downgrade_days or 0
    return (
        select(Member.customer_id)
        .where(
            Member.store_id == scope.store_id,
            Member.tier_id.is_not(None),
            Member.evaluated_at <= now - timedelta(days=days),
        )
        .order_by(Member.evaluated_at, Member.customer_id)
        .limit(limit)
    )


async def set_manual_tier(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    tier_id: uuid.UUID | None,
    now: datetime,
) -> Placement:
    """Assign a tier by hand (a floor), or remove the floor with None."""
    scope.require(Role.admin)
    if tier_id is not None:
        await tier_by_id(session, scope, tier_id)
    state = await member(session, scope, customer_id)
    state.manual_tier_id = tier_id
    await session.flush()
    # Removing the floor re-evaluates at once, whatever the downgrade mode.
    return await recalculate(session, scope, customer_id, now, force=tier_id is None)
