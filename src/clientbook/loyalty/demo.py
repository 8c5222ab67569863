"""The DEMO store's loyalty programme: what ``clientbook demo`` shows a newcomer."""

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customer_accounts.credentials import set_password
from clientbook.customers.service import get_customer
from clientbook.kit.db import utcnow
from clientbook.loyalty import points, purchases, referrals, rewards, rules, tiers, wallets
from clientbook.models import Customer
from clientbook.stores.scope import StoreScope

TIERS = (("Bronze", "0", "0"), ("Silver", "5.00", "200"), ("Gold", "10.00", "500"))


async def demo_programme(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    friend: Customer,
    password: str,
) -> None:
    """Wallets ``points`` and ``tokens`` (tokens expire after a year), three tiers, an
    earning rule with a Gold multiplier, rewards, a referral rule, and one customer (with
    a password) who has purchases, points, a coupon and a friend she referred."""
    await wallets.create_wallet(
        session, scope, code="tokens", name="Tokens", expiry_days=365, pending_days=None
    )
    made = {}
    for name, percent, condition in TIERS:
        tier = await tiers.create_tier(
            session,
            scope,
            name=name,
            reward_percent=Decimal(percent),
            condition_value=Decimal(condition),
            active=True,
            description=f"{name} members get {percent}% back",
            perks=[],
        )
        made[name] = tier.id
    await rules.create_rule(
        session,
        scope,
        name="1 point per EUR",
        wallet="points",
        points_per_unit=Decimal(1),
        minimum_order=Decimal(10),
        multipliers={made["Gold"]: Decimal(2)},
        active=True,
    )
    now = utcnow()
    for days_ago, number, total in ((60, "DEMO-1001", "149.90"), (12, "DEMO-1002", "84.97")):
        data = purchases.PurchaseData(
            customer_id=customer_id,
            number=number,
            status="completed",
            total=Decimal(total),
            currency="EUR",
            purchased_at=now - timedelta(days=days_ago),
            delivery_costs=Decimal("4.99"),
        )
        await purchases.record_purchase(session, scope, data)
    for change in (
        points.PointsChange("tokens", "earn", Decimal(25), reason="welcome tokens"),
        points.PointsChange("points", "spend", Decimal(50), reason="discount on DEMO-1002"),
    ):
        await points.write_points(session, scope, customer_id, change)
    await _rewards_and_referral(session, scope, customer_id, friend)
    await set_password(session, scope, customer_id, password)


async def _rewards_and_referral(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, friend: Customer
) -> None:
    coffee = await rewards.create_reward(
        session,
        scope,
        rewards.RewardFields("Free coffee", "points", Decimal(30), "Any size", stock=100),
    )
    await rewards.create_reward(
        session,
        scope,
        rewards.RewardFields(
            "Tote bag", "tokens", Decimal(20), "Canvas, one per customer", per_customer_limit=1
        ),
    )
    await rewards.redeem(session, scope, customer_id, coffee.id)
    await referrals.set_rule(
        session, scope, referrals.RuleView("points", Decimal(50), Decimal(10), active=True)
    )
    code = await referrals.code_of(session, scope, await get_customer(session, scope, customer_id))
    await referrals.customer_created(session, scope, friend, code)
    first_order = purchases.PurchaseData(
        customer_id=friend.id,
        number="DEMO-2001",
        status="completed",
        total=Decimal("39.90"),
        currency="EUR",
        purchased_at=utcnow() - timedelta(days=3),
    )
    await purchases.record_purchase(session, scope, first_order)
