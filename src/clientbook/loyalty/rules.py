"""Earning rules: points per currency unit of a purchase's eligible amount."""

import uuid
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.errors import ValidationFailed
from clientbook.loyalty.tiers import list_tiers
from clientbook.loyalty.wallets import wallet_by_code
from clientbook.models import EarningRule, Purchase
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import Role, StoreScope

CENT = Decimal("0.01")


async def create_rule(
    session: AsyncSession,
    scope: StoreScope,
    *,
    name: str,
    wallet: str,
    points_per_unit: Decimal,
    minimum_order: Decimal,
    multipliers: dict[uuid.UUID, Decimal],
    active: bool,
) -> tuple[EarningRule, str]:
    scope.require(Role.admin)
    found = await wallet_by_code(session, scope, wallet)
    tier_ids = {t.id for t in await list_tiers(session, scope)}
    unknown = [str(k) for k in multipliers if k not in tier_ids]
    if unknown:
        raise ValidationFailed.field("multipliers", f"no such tier in this store: {unknown[0]}")
    rule = EarningRule(
        store_id=scope.store_id,
        name=name,
        wallet_id=found.id,
        points_per_unit=points_per_unit,
        minimum_order=minimum_order.quantize(CENT),
        multipliers={str(k): str(v) for k, v in multipliers.items()},
        active=active,
    )
    session.add(rule)
    await session.flush()
    return rule, found.code


async def list_rules(session: AsyncSession, scope: StoreScope) -> list[EarningRule]:
    rows = await session.scalars(
        select(EarningRule)
        .where(EarningRule.store_id == scope.store_id)
        .order_by(EarningRule.created_at, EarningRule.id)
    )
    return list(rows)


def eligible_amount(purchase: Purchase) -> Decimal:
    return max(ZERO, purchase.total - purchase.delivery_costs - purchase.excluded_amount)


def points_for(rule: EarningRule, purchase: Purchase, tier_id: uuid.UUID | None) -> Decimal:
    """Rounded down to the cent: a purchase never earns a fraction more than its rate."""
    amount = eligible_amount(purchase)
    if not rule.active or amount <= ZERO or amount < rule.minimum_order:
        return ZERO
    multiplier = Decimal(rule.multipliers.get(str(tier_id), "1")) if tier_id else Decimal(1)
    return (amount * rule.points_per_unit * multiplier).quantize(CENT, rounding=ROUND_DOWN)
