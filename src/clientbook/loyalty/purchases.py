"""Purchases the store's back-end records: completion earns points by the earning rules,
returns and cancellations take them back, and the customer's stats follow every write."""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.kit.db import utcnow
from clientbook.kit.errors import Conflict, NotFound, ValidationFailed
from clientbook.kit.integrity import UniqueRule, check_fits, out_of_range, unique_violations
from clientbook.loyalty import (
    earning,
    ledger,
    points_of_sale,
    purchase_stats,
    referrals,
    rules,
    tiers,
)
from clientbook.loyalty.wallets import DEFAULT_CODE, wallet_by_id
from clientbook.models import Member, PointsEntry, Purchase, Wallet
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import StoreScope
from clientbook.webhooks.events import EventType, emit

COMPLETED = "completed"
TOO_LARGE = "the customer's points balance or purchase totals cannot grow by this purchase"
CLOSED = ("cancelled", "returned")
PURCHASE_UNIQUES = [
    UniqueRule(
        "uq_loyalty_purchases_store_id_number",
        "loyalty_purchases",
        ("store_id", "number"),
        "number",
        "this store already has a purchase with this number",
    )
]


@dataclass(frozen=True)
class PurchaseData:
    customer_id: uuid.UUID
    number: str
    status: str
    total: Decimal
    currency: str
    purchased_at: datetime
    delivery_costs: Decimal = ZERO
    excluded_amount: Decimal = ZERO
    item_count: int | None = None
    pos_id: uuid.UUID | None = None
    shipping_status: str | None = None
    delivered_at: datetime | None = None


async def record_purchase(session: AsyncSession, scope: StoreScope, data: PurchaseData) -> Purchase:
    if data.delivery_costs + data.excluded_amount > data.total:
        raise ValidationFailed.field("total", "must cover delivery_costs and excluded_amount")
    async with out_of_range("total", TOO_LARGE):
        return await _record(session, scope, data)


async def _record(session: AsyncSession, scope: StoreScope, data: PurchaseData) -> Purchase:
    standing = await earning.read_standing(session, scope, data.customer_id, utcnow())
    await points_of_sale.check_purchase_pos(session, scope, data.pos_id)
    purchase = _new_purchase(scope, data)
    earnings = _earnings(purchase, standing)
    async with unique_violations(PURCHASE_UNIQUES):
        await _insert_purchase(session, scope, purchase)
    trail = audit.event_rows(scope, "purchase.recorded", [(data.customer_id, ["purchase"])])
    await emit(
        session,
        scope,
        EventType.purchase_recorded,
        data.customer_id,
        {"purchase_id": str(purchase.id), "number": purchase.number, "status": purchase.status},
    )
    if purchase.status == COMPLETED:
        trail += await _complete(session, scope, purchase, standing, earnings)
    await audit.write_rows(session, scope, trail)
    return purchase


def _new_purchase(scope: StoreScope, data: PurchaseData) -> Purchase:
    """The purchase with every column set: it is written by ``_insert_purchase``, not
    by the session, so no column default applies."""
    purchase = Purchase(store_id=scope.store_id, id=uuid.uuid4(), **vars(data))
    for name in ("total", "delivery_costs", "excluded_amount"):
        setattr(purchase, name, getattr(data, name).quantize(rules.CENT))
    purchase.points_earned = purchase.points_reversed = purchase.returned_amount = ZERO
    purchase.created_at = utcnow()
    return purchase


async def _insert_purchase(session: AsyncSession, scope: StoreScope, purchase: Purchase) -> None:
    """One INSERT on the session's connection (Core): the ORM's unit of work for a
    single new row costs more than the statement. The purchase stays out of the session."""
    values = {column.key: getattr(purchase, column.key) for column in _PURCHASE_COLUMNS}
    connection = await session.connection()
    await connection.execute(insert(Purchase), {**values, "store_id": scope.store_id})


_PURCHASE_COLUMNS = tuple(Purchase.__table__.columns)


async def get_purchase(
    session: AsyncSession, scope: StoreScope, purchase_id: uuid.UUID, *, for_update: bool = False
) -> Purchase:
    purchase = await session.get(
        Purchase, (scope.store_id, purchase_id), with_for_update=for_update or None
    )
    if purchase is None:
        raise NotFound("Purchase not found")
    return purchase


async def change_status(
    session: AsyncSession, scope: StoreScope, purchase_id: uuid.UUID, status: str
) -> Purchase:
    """pending → completed earns; completed → cancelled/returned takes everything back."""
    async with out_of_range("status", TOO_LARGE):
        return await _change_status(session, scope, purchase_id, status)


async def _change_status(
    session: AsyncSession, scope: StoreScope, purchase_id: uuid.UUID, status: str
) -> Purchase:
    purchase = await get_purchase(session, scope, purchase_id, for_update=True)
    if purchase.status in CLOSED and status != purchase.status:
        raise Conflict(f"a {purchase.status} purchase cannot change its status")
    was, purchase.status = purchase.status, status
    if status == COMPLETED and was != COMPLETED:
        now = utcnow()
        standing = await earning.read_standing(
            session, scope, purchase.customer_id, now, deleted=True
        )
        earnings = _earnings(purchase, standing)
        trail = await _complete(session, scope, purchase, standing, earnings)
        await audit.write_rows(session, scope, trail)
    elif status in CLOSED and was == COMPLETED:
        await _take_back(session, scope, purchase, purchase.total - purchase.returned_amount)
    await session.flush()
    return purchase


async def return_part(
    session: AsyncSession, scope: StoreScope, purchase_id: uuid.UUID, amount: Decimal
) -> Purchase:
    """A partial return of a completed purchase; returning all of it closes it."""
    purchase = await get_purchase(session, scope, purchase_id, for_update=True)
    if purchase.status != COMPLETED:
        raise Conflict("only a completed purchase can be returned")
    left = purchase.total - purchase.returned_amount
    if amount > left:
        raise ValidationFailed.field("amount", f"must not exceed what is left to return ({left})")
    await _take_back(session, scope, purchase, amount)
    if purchase.returned_amount == purchase.total:
        purchase.status = "returned"
    await session.flush()
    return purchase


@dataclass(frozen=True)
class Earning:
    rule_id: uuid.UUID
    wallet: Wallet
    points: Decimal


def _earnings(purchase: Purchase, standing: earning.Standing) -> list[Earning]:
    """What each rule gives a completed purchase at the tier held before it; the total
    is added to ``points_earned`` (before the purchase is written, so one insert holds it)."""
    if purchase.status != COMPLETED:
        return []
    tier = standing.placement.tier
    tier_id = tier.id if tier else None
    found = []
    for rule, wallet in standing.rules:
        points = rules.points_for(rule, purchase, tier_id)
        if points > ZERO:
            found.append(Earning(rule.id, wallet, points))
    purchase.points_earned += sum((e.points for e in found), ZERO)
    check_fits(purchase.points_earned, Purchase.__table__.c.points_earned)
    return found


async def _complete(
    session: AsyncSession,
    scope: StoreScope,
    purchase: Purchase,
    standing: earning.Standing,
    earnings: list[Earning],
) -> list[dict[str, Any]]:
    """Count the purchase in the stats, credit what the rules gave, then store the tier
    for the value this purchase added, without reading the rules and tiers again.
    Returns the points' event-trail rows, for the caller to write with its own.

    The stats row is locked before the balances, as a return locks them: taken in
    opposite orders, an earning and a return of one customer would deadlock."""
    eligible_total = await purchase_stats.add_completed(session, scope, purchase, standing)
    credits = []
    earned = ZERO  # in the ``points`` wallet, which points-mode tiers count
    for found in earnings:
        write = ledger.Write(
            purchase.customer_id,
            found.wallet,
            source=f"purchase:{purchase.number}"[:64],
            key=f"purchase:{purchase.id}:{found.rule_id}",
        )
        credits.append((write, await ledger.credit(session, scope, write, found.points)))
        if found.wallet.code == DEFAULT_CODE:
            earned += found.points
    trail = [ledger.trail_row(scope, write, "points.earn") for write, _ in credits]
    for write, credited in credits:
        await ledger.emit_entry(session, scope, EventType.points_earned, write, credited.entry)
    before = standing.placement
    value = eligible_total if before.rules.tier_mode == "purchases" else before.value + earned
    await _place(session, scope, replace(before, value=value), utcnow())
    await session.flush()
    for write, credited in credits:
        await ledger.settle_owed(session, scope, write, credited)
    if standing.referral_pending:
        await referrals.complete_for(session, scope, purchase.customer_id)
    return trail


async def _place(
    session: AsyncSession, scope: StoreScope, known: tiers.Placement, now: datetime
) -> None:
    """Store the member's tier as one upsert (the member row is made on the first
    purchase); a change is recorded like ``tiers.place`` records it."""
    state = known.member
    moved = tiers.move(known, now)
    await tiers.record_move(session, scope, state, moved)
    values = {
        "store_id": scope.store_id,
        "customer_id": state.customer_id,
        "tier_id": moved.tier_id,
        "evaluated_at": moved.evaluated_at,
    }
    connection = await session.connection()  # Core: the ORM's insert handling costs more
    await connection.execute(_member_upsert(connection.dialect.name), values)


@cache
def _member_upsert(dialect: str) -> Any:
    """Built once per dialect, like the stats upsert."""
    table = Member.__table__
    columns = ("store_id", "customer_id", "tier_id", "evaluated_at")
    statement = purchase_stats.insert_for(dialect)(Member).values(
        {name: bindparam(name) for name in columns}
    )
    return statement.on_conflict_do_update(
        index_elements=[table.c.store_id, table.c.customer_id],
        set_={
            "tier_id": statement.excluded.tier_id,
            "evaluated_at": statement.excluded.evaluated_at,
        },
    )


async def _take_back(
    session: AsyncSession, scope: StoreScope, purchase: Purchase, amount: Decimal
) -> None:
    """Reverse the points in proportion to the amount returned."""
    share = amount / purchase.total if purchase.total else Decimal(1)
    due = (purchase.points_earned * share).quantize(rules.CENT)
    if purchase.returned_amount + amount == purchase.total:
        due = purchase.points_earned - purchase.points_reversed  # the last return: exact
    purchase.returned_amount += amount
    await purchase_stats.count_change(session, scope, purchase, sign=-1, amount=amount)
    if due > ZERO:
        await _reverse_by_rule(session, scope, purchase, due)
    await audit.record(session, scope, purchase.customer_id, "purchase.returned", ["purchase"])
    await tiers.recalculate(session, scope, purchase.customer_id, utcnow())


async def _reverse_by_rule(
    session: AsyncSession, scope: StoreScope, purchase: Purchase, due: Decimal
) -> None:
    """Take ``due`` back from the wallets the purchase earned in, in proportion."""
    earned = await _earned_by_wallet(session, scope, purchase)
    total = sum(earned.values(), ZERO)
    left = due
    for i, (wallet_id, amount) in enumerate(sorted(earned.items())):
        part = left if i == len(earned) - 1 else (due * amount / total).quantize(rules.CENT)
        left -= part
        wallet = await wallet_by_id(session, scope, wallet_id)
        write = ledger.Write(purchase.customer_id, wallet, source=f"return:{purchase.number}"[:64])
        await ledger.reverse(session, scope, write, part)
    purchase.points_reversed += due


async def _earned_by_wallet(
    session: AsyncSession, scope: StoreScope, purchase: Purchase
) -> dict[uuid.UUID, Decimal]:
    rows = await session.execute(
        select(PointsEntry.wallet_id, func.sum(PointsEntry.amount))
        .where(
            PointsEntry.store_id == scope.store_id,
            PointsEntry.idempotency_key.startswith(f"purchase:{purchase.id}:"),
        )
        .group_by(PointsEntry.wallet_id)
    )
    return {wallet_id: Decimal(str(amount)) for wallet_id, amount in rows}
