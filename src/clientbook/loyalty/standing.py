"""A customer's tier as the status read answers it: current, next, what is still needed
and when a periodic downgrade may come. Reads only; ``tiers.recalculate`` writes."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.loyalty.tiers import current_programme, list_tiers, review_at, tier_value
from clientbook.models import Member, Tier
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import StoreScope


@dataclass(frozen=True)
class Standing:
    mode: str
    value: Decimal
    tier: Tier | None
    manual: bool
    next_tier: Tier | None
    needed: Decimal | None
    required_to_keep: Decimal | None
    days_until_review: int | None


async def standing(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, now: datetime
) -> Standing:
    store_id = scope.store_id
    rules = await current_programme(session, scope)
    state = await session.get(Member, (store_id, customer_id)) or Member(
        store_id=store_id, customer_id=customer_id
    )
    tiers = await list_tiers(session, scope)
    value = await tier_value(session, scope, customer_id, rules, now)
    tier = next((t for t in tiers if t.id == state.tier_id), None)
    floor = tier.condition_value if tier else None
    above = [t for t in tiers if t.active and (floor is None or t.condition_value > floor)]
    next_tier = above[0] if above else None
    review = review_at(rules, state) if tier else None
    return Standing(
        mode=rules.tier_mode,
        value=value,
        tier=tier,
        manual=tier is not None and state.manual_tier_id == tier.id,
        next_tier=next_tier,
        needed=max(ZERO, next_tier.condition_value - value) if next_tier else None,
        required_to_keep=max(ZERO, tier.condition_value - value) if tier and review else None,
        days_until_review=max(0, (review - now).days) if review else None,
    )
