"""A customer's loyalty figures in a few small reads: each wallet's spendable balance and
the current tier (self-service pages show these on every visit)."""

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.models import Member, PointsBalance, Tier, Wallet
from clientbook.stores.scope import StoreScope


async def balances(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> dict[str, Decimal]:
    """Spendable points per wallet code, for the wallets the customer has a balance in."""
    rows = await session.execute(
        select(Wallet.code, PointsBalance.available)
        .join(
            Wallet,
            (Wallet.store_id == PointsBalance.store_id) & (Wallet.id == PointsBalance.wallet_id),
        )
        .where(PointsBalance.store_id == scope.store_id, PointsBalance.customer_id == customer_id)
    )
    return {row[0]: row[1] for row in rows}


async def current_tier(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> Tier | None:
    tier: Tier | None = await session.scalar(
        select(Tier)
        .join(Member, (Member.store_id == Tier.store_id) & (Member.tier_id == Tier.id))
        .where(Member.store_id == scope.store_id, Member.customer_id == customer_id)
    )
    return tier
