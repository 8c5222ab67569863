"""The DEMO store's loyalty programme: what ``clientbook demo`` shows a newcomer."""

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import utcnow
from clientbook.loyalty import points, purchases, rules, tiers, wallets
from clientbook.stores.scope import StoreScope

TIERS = (("Bronze", "0", "0"), ("Silver", "5.00", "200"), ("Gold", "10.00", "500"))


async def demo_programme(session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID) -> None:
    """Wallets ``points`` and ``tokens`` (tokens expire after a year), three tiers, an
    earning rule with a Gold multiplier, and one customer's purchases and points."""
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
