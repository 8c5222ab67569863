"""A customer's loyalty figures in a few small reads: each wallet's spendable balance and
the current tier (self-service pages show these on every visit)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Uuid, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.models import (
    Member,
    PointsBalance,
    PurchaseStats,
    ReferralCode,
    Tier,
    Wallet,
)
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


@dataclass(frozen=True)
class Figures:
    """What a customer's own pages show on every visit."""

    orders: int
    spent: Decimal
    average: Decimal
    last_order_at: datetime | None
    tier: str | None
    balances: dict[str, Decimal]
    referral_code: str | None  # None until the customer's code is first made


def _figures_statement() -> Any:
    """Built once: its shape never changes, only the bound ids and wallet codes."""
    store_id = bindparam("store_id", type_=Uuid)
    customer_id = bindparam("customer_id", type_=Uuid)

    def stat(column: Any) -> Any:
        return (
            select(column)
            .where(PurchaseStats.store_id == store_id, PurchaseStats.customer_id == customer_id)
            .scalar_subquery()
        )

    def balance(code: str) -> Any:
        return (
            select(PointsBalance.available)
            .join(
                Wallet,
                (Wallet.store_id == PointsBalance.store_id)
                & (Wallet.id == PointsBalance.wallet_id),
            )
            .where(
                PointsBalance.store_id == store_id,
                PointsBalance.customer_id == customer_id,
                Wallet.code == bindparam(code, type_=String),
            )
            .scalar_subquery()
        )

    tier = (
        select(Tier.name)
        .join(Member, (Member.store_id == Tier.store_id) & (Member.tier_id == Tier.id))
        .where(Member.store_id == store_id, Member.customer_id == customer_id)
        .scalar_subquery()
    )
    code = (
        select(ReferralCode.code)
        .where(ReferralCode.store_id == store_id, ReferralCode.customer_id == customer_id)
        .scalar_subquery()
    )
    return select(
        stat(PurchaseStats.count),
        stat(PurchaseStats.total),
        stat(PurchaseStats.average),
        stat(PurchaseStats.last_at),
        tier,
        code,
        balance("first_wallet"),
        balance("second_wallet"),
    )


_FIGURES = _figures_statement()


async def figures_of(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, wallets: tuple[str, str]
) -> Figures:
    """Purchase stats, tier name, the balances of two wallets and the referral code, in
    one statement of primary-key lookups."""
    params = {
        "store_id": scope.store_id,
        "customer_id": customer_id,
        "first_wallet": wallets[0],
        "second_wallet": wallets[1],
    }
    row = (await session.execute(_FIGURES, params)).one()
    count, total, average, last_at, tier_name, referral_code, *amounts = row
    return Figures(
        orders=count or 0,
        spent=Decimal(total or 0),
        average=Decimal(average or 0),
        last_order_at=last_at,
        tier=tier_name,
        balances={
            wallet: Decimal(amount)
            for wallet, amount in zip(wallets, amounts, strict=True)
            if amount is not None
        },
        referral_code=referral_code,
    )
