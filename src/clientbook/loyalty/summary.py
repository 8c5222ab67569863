"""A customer's loyalty figures in a few small reads: each wallet's spendable balance and
the current tier (self-service pages show these on every visit)."""

import uuid
from collections.abc import Mapping
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


WALLET_PARAMS = ("first_wallet", "second_wallet")


def figure_columns(scope: StoreScope) -> list[Any]:
    """The figures as labelled scalar subqueries, for a statement built once that reads
    other things of the customer too. Its parameters: ``store_id`` (always the store of
    the scope the statement is run for), ``customer_id``, and the two wallets' codes as
    ``WALLET_PARAMS``."""
    store_id = bindparam("store_id", type_=Uuid)
    customer_id = bindparam("customer_id", type_=Uuid)

    def stat(column: Any) -> Any:
        return (
            select(column)
            .where(PurchaseStats.store_id == store_id, PurchaseStats.customer_id == customer_id)
            .scalar_subquery()
            .label(f"stat_{column.key}")
        )

    def balance(param: str) -> Any:
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
                Wallet.code == bindparam(param, type_=String),
            )
            .scalar_subquery()
            .label(param)
        )

    tier = (
        select(Tier.name)
        .join(Member, (Member.store_id == Tier.store_id) & (Member.tier_id == Tier.id))
        .where(Member.store_id == store_id, Member.customer_id == customer_id)
        .scalar_subquery()
        .label("tier_name")
    )
    code = (
        select(ReferralCode.code)
        .where(ReferralCode.store_id == store_id, ReferralCode.customer_id == customer_id)
        .scalar_subquery()
        .label("referral_code")
    )
    return [
        stat(PurchaseStats.count),
        stat(PurchaseStats.total),
        stat(PurchaseStats.average),
        stat(PurchaseStats.last_at),
        tier,
        code,
        *(balance(param) for param in WALLET_PARAMS),
    ]


def wallet_params(wallets: tuple[str, str]) -> dict[str, str]:
    return dict(zip(WALLET_PARAMS, wallets, strict=True))


def figures_from(found: Mapping[str, Any], wallets: tuple[str, str]) -> Figures:
    """The figures of a row that holds ``figure_columns``."""
    return Figures(
        orders=found["stat_count"] or 0,
        spent=Decimal(found["stat_total"] or 0),
        average=Decimal(found["stat_average"] or 0),
        last_order_at=found["stat_last_at"],
        tier=found["tier_name"],
        balances={
            wallet: Decimal(found[param])
            for param, wallet in zip(WALLET_PARAMS, wallets, strict=True)
            if found[param] is not None
        },
        referral_code=found["referral_code"],
    )
