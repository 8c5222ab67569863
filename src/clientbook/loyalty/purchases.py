"""Purchases the store's back-end records: completion earns points by the earning rules,
returns and cancellations take them back, and the customer's stats follow every write."""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customers.service import get_customer
from clientbook.kit.db import utcnow
from clientbook.kit.errors import Conflict, NotFound, ValidationFailed
from clientbook.kit.integrity import UniqueRule, insert_new, unique_violations
from clientbook.loyalty import ledger, points_of_sale, referrals, rules, tiers
from clientbook.loyalty.wallets import DEFAULT_CODE, wallet_by_id
from clientbook.models import PointsEntry, Purchase, PurchaseStats
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import StoreScope
from clientbook.webhooks.events import EventType, emit

COMPLETED = "completed"
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
    await get_customer(session, scope, data.customer_id, for_share=True)
    await points_of_sale.check_purchase_pos(session, scope, data.pos_id)
    purchase = Purchase(store_id=scope.store_id, **vars(data))
    for name in ("total", "delivery_costs", "excluded_amount"):
        setattr(purchase, name, getattr(data, name).quantize(rules.CENT))
    session.add(purchase)
    async with unique_violations(PURCHASE_UNIQUES):
        await session.flush()
    await audit.record(session, scope, data.customer_id, "purchase.recorded", ["purchase"])
    await emit(
        session,
        scope,
        EventType.purchase_recorded,
        data.customer_id,
        {"purchase_id": str(purchase.id), "number": purchase.number, "status": purchase.status},
    )
    if purchase.status == COMPLETED:
        await _complete(session, scope, purchase)
    return purchase


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
    purchase = await get_purchase(session, scope, purchase_id, for_update=True)
    if purchase.status in CLOSED and status != purchase.status:
        raise Conflict(f"a {purchase.status} purchase cannot change its status")
    was, purchase.status = purchase.status, status
    if status == COMPLETED and was != COMPLETED:
        await _complete(session, scope, purchase)
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


async def _complete(session: AsyncSession, scope: StoreScope, purchase: Purchase) -> None:
    """Earn by every rule at the tier the rules give now, then store the tier for the
    value this purchase added, without reading the rules and tiers again."""
    before = await tiers.placement(session, scope, purchase.customer_id, utcnow())
    tier_id = before.tier.id if before.tier else None
    earned = ZERO  # in the ``points`` wallet, which points-mode tiers count
    for rule in await rules.list_rules(session, scope):
        points = rules.points_for(rule, purchase, tier_id)
        if points <= ZERO:
            continue
        wallet = await wallet_by_id(session, scope, rule.wallet_id)
        write = ledger.Write(
            purchase.customer_id,
            wallet,
            source=f"purchase:{purchase.number}"[:64],
            key=f"purchase:{purchase.id}:{rule.id}",
        )
        await ledger.earn(session, scope, write, points)
        purchase.points_earned += points
        if wallet.code == DEFAULT_CODE:
            earned += points
    stats = await _count(session, scope, purchase, sign=1)
    value = stats.eligible_total if before.rules.tier_mode == "purchases" else before.value + earned
    await tiers.place(session, scope, replace(before, value=value), utcnow())
    await referrals.complete_for(session, scope, purchase.customer_id)


async def _take_back(
    session: AsyncSession, scope: StoreScope, purchase: Purchase, amount: Decimal
) -> None:
    """Reverse the points in proportion to the amount returned."""
    share = amount / purchase.total if purchase.total else Decimal(1)
    due = (purchase.points_earned * share).quantize(rules.CENT)
    if purchase.returned_amount + amount == purchase.total:
        due = purchase.points_earned - purchase.points_reversed  # the last return: exact
    purchase.returned_amount += amount
    await _count(session, scope, purchase, sign=-1, amount=amount)
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


async def _count(
    session: AsyncSession,
    scope: StoreScope,
    purchase: Purchase,
    *,
    sign: int,
    amount: Decimal | None = None,
) -> PurchaseStats:
    """Keep the customer's stats: a completion adds the purchase; a return takes its
    amount off the totals (the count drops when the whole purchase comes back)."""
    stats = await _locked_stats(session, scope, purchase.customer_id)
    if sign > 0:
        stats.count += 1
        stats.total += purchase.total
        stats.total_without_delivery += purchase.total - purchase.delivery_costs
        stats.eligible_total += rules.eligible_amount(purchase)
        if stats.last_at is None or purchase.purchased_at > stats.last_at:
            stats.last_at = purchase.purchased_at
    else:
        taken = amount or ZERO
        stats.total -= taken
        stats.total_without_delivery -= min(taken, stats.total_without_delivery)
        stats.eligible_total -= min(taken, stats.eligible_total)
        if purchase.returned_amount == purchase.total:
            stats.count -= 1
    stats.average = (stats.total / stats.count).quantize(rules.CENT) if stats.count else ZERO
    await session.flush()
    return stats


async def _locked_stats(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> PurchaseStats:
    """The customer's stats row, locked; made first for a customer's first purchase."""
    key = (scope.store_id, customer_id)
    stats = await session.get(PurchaseStats, key, with_for_update=True, populate_existing=True)
    if stats is None:
        values = {"store_id": scope.store_id, "customer_id": customer_id}
        await insert_new(session, PurchaseStats, [values], PurchaseStats.store_id)
        stats = await session.get_one(PurchaseStats, key, with_for_update=True)
    return stats
