"""A customer's tier as the status read answers it: current, next, what is still needed
and when a periodic downgrade may come. Computed only; ``tiers.recalculate`` writes."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from clientbook.loyalty.tiers import review_at
from clientbook.models import Member, Programme, Tier
from clientbook.models.loyalty import ZERO


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


def standing_of(
    rules: Programme, state: Member, tiers: list[Tier], value: Decimal, now: datetime
) -> Standing:
    """Where the customer stands, from the store's rules and tiers (ordered by condition),
    the member row and the value the tiers' conditions are compared with."""
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
