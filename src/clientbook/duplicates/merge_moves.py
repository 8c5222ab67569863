"""Moving a merged customer's records to the survivor, table by table, in the merge's
transaction. Rows keyed by the customer (balances, stats, profiles, memberships, codes,
credentials) are combined with the survivor's instead of moved."""

import uuid
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import utcnow
from clientbook.kit.integrity import check_fits, insert_new
from clientbook.loyalty import ledger, purchase_stats, tiers
from clientbook.loyalty.wallets import wallet_by_id
from clientbook.models import (
    CustomerAddress,
    CustomerCode,
    CustomerCredential,
    CustomerEvent,
    CustomerFile,
    CustomerProfile,
    CustomerPushToken,
    GroupMember,
    Member,
    OutboxMessage,
    PointsBalance,
    PointsEntry,
    PointsLot,
    Prescription,
    Purchase,
    PurchaseStats,
    Redemption,
    Referral,
    ReferralCode,
)
from clientbook.models.loyalty import ZERO
from clientbook.stores.scope import StoreScope

# Rows that simply change owner.
MOVED: dict[str, Any] = {
    "addresses": CustomerAddress,
    "files": CustomerFile,
    "prescriptions": Prescription,
    "events": CustomerEvent,
    "points_entries": PointsEntry,
    "points_lots": PointsLot,
    "purchases": Purchase,
    "redemptions": Redemption,
    "messages": OutboxMessage,
}
BALANCE_FIGURES = ("available", "locked", "earned", "used", "expired", "owed")


async def count_records(
    session: AsyncSession, scope: StoreScope, merged: Sequence[uuid.UUID]
) -> dict[str, int]:
    """How many of each record the merge will move (the preview)."""
    counts: dict[str, int] = {}
    counted: dict[str, Any] = {**MOVED, "group_memberships": GroupMember}
    for name, model in counted.items():
        total = await session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.store_id == scope.store_id, model.customer_id.in_(merged))
        )
        counts[name] = int(total or 0)
    referrals = await session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(Referral.store_id == scope.store_id, Referral.referrer_id.in_(merged))
    )
    counts["referrals"] = int(referrals or 0)
    return counts


async def move_all(
    session: AsyncSession, scope: StoreScope, survivor: uuid.UUID, merged: Sequence[uuid.UUID]
) -> dict[str, int]:
    """Move everything; returns how many rows of each kind changed owner."""
    moved: Counter[str] = Counter()
    await _one_default_address(session, scope, survivor, merged)
    await _combine_balances(session, scope, survivor, merged)
    for name, model in MOVED.items():
        result = await session.execute(
            update(model)
            .where(model.store_id == scope.store_id, model.customer_id.in_(merged))
            .values(customer_id=survivor)
            .execution_options(synchronize_session=False)
        )
        moved[name] = _rows(result)
    moved["group_memberships"] = await _groups(session, scope, survivor, merged)
    moved["profiles"] = await _profiles(session, scope, survivor, merged)
    moved["referrals"] = await _referrals(session, scope, survivor, merged)
    await _combine_stats(session, scope, survivor, merged)
    await _sign_in(session, scope, survivor, merged)
    await _membership(session, scope, survivor, merged)
    return dict(moved)


def _rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def _one_default_address(
    session: AsyncSession, scope: StoreScope, survivor: uuid.UUID, merged: Sequence[uuid.UUID]
) -> None:
    """A customer has one default address: the survivor's, else the first merged one's."""
    defaults = list(
        await session.execute(
            select(CustomerAddress.customer_id, CustomerAddress.id).where(
                CustomerAddress.store_id == scope.store_id,
                CustomerAddress.customer_id.in_([survivor, *merged]),
                CustomerAddress.is_default.is_(True),
            )
        )
    )
    order = {customer_id: n for n, customer_id in enumerate([survivor, *merged])}
    defaults.sort(key=lambda row: order[row.customer_id])
    dropped = [row.id for row in defaults[1:]]
    if dropped:
        await session.execute(
            update(CustomerAddress)
            .where(CustomerAddress.store_id == scope.store_id, CustomerAddress.id.in_(dropped))
            .values(is_default=False)
            .execution_options(synchronize_session=False)
        )


async def _combine_balances(
    session: AsyncSession, scope: StoreScope, survivor: uuid.UUID, merged: Sequence[uuid.UUID]
) -> None:
    """Each wallet's figures added up on the survivor's balance row (locked first, as
    every ledger write does), the merged rows removed, and a zero entry ("merge") whose
    ``balance_after`` is the new balance, so the ledger reads right from its last entry."""
    rows = list(
        await session.scalars(
            select(PointsBalance)
            .where(
                PointsBalance.store_id == scope.store_id,
                PointsBalance.customer_id.in_(merged),
            )
            .order_by(PointsBalance.customer_id, PointsBalance.wallet_id)
            .with_for_update()
        )
    )
    for wallet_id in sorted({row.wallet_id for row in rows}, key=str):
        wallet = await wallet_by_id(session, scope, wallet_id)
        write = ledger.Write(survivor, wallet, source="merge", reason="customers merged")
        balance = await ledger.lock_balance(session, scope, write)
        for row in (r for r in rows if r.wallet_id == wallet_id):
            for figure in BALANCE_FIGURES:
                setattr(balance, figure, getattr(balance, figure) + getattr(row, figure))
                check_fits(getattr(balance, figure), PointsBalance.__table__.c[figure])
        check_fits(balance.available + balance.locked, PointsEntry.__table__.c.balance_after)
        balance.updated_at = utcnow()
        session.add(
            PointsEntry(
                store_id=scope.store_id,
                id=uuid.uuid4(),
                customer_id=survivor,
                wallet_id=wallet_id,
                kind="merge",
                amount=ZERO,
                balance_after=balance.available + balance.locked,
                source="merge",
                reason="customers merged",
                actor_user_id=scope.user_id,
                at=utcnow(),
            )
        )
    for row in rows:
        await session.delete(row)
    await session.flush()


async def _groups(
    session: AsyncSession, scope: StoreScope, survivor: uuid.UUID, merged: Sequence[uuid.UUID]
) -> int:
    groups = set(
        await session.scalars(
            select(GroupMember.group_id).where(
                GroupMember.store_id == scope.store_id, GroupMember.customer_id.in_(merged)
            )
        )
    )
    rows = [
        {"store_id": scope.store_id, "group_id": group_id, "customer_id": survivor}
        for group_id in sorted(groups, key=str)
    ]
    added = await insert_new(session, GroupMember, rows, GroupMember.group_id)
    await session.execute(
        delete(GroupMember).where(
            GroupMember.store_id == scope.store_id, GroupMember.customer_id.in_(merged)
        )
    )
    return len(added)


async def _profiles(
    session: AsyncSession, scope: StoreScope, survivor: uuid.UUID, merged: Sequence[uuid.UUID]
) -> int:
    """A kind the survivor lacks moves; one it has takes the merged keys it lacks."""
    rows = list(
        await session.scalars(
            select(CustomerProfile).where(
                CustomerProfile.store_id == scope.store_id,
                CustomerProfile.customer_id.in_([survivor, *merged]),
            )
        )
    )
    kept = {row.kind: row for row in rows if row.customer_id == survivor}
    moved = 0
    for row in (r for r in rows if r.customer_id != survivor):
        target = kept.get(row.kind)
        if target is None:
            data = dict(row.data)
            await session.delete(row)
            await session.flush()
            target = CustomerProfile(
                store_id=scope.store_id, customer_id=survivor, kind=row.kind, data=data
            )
            session.add(target)
            kept[row.kind] = target
            moved += 1
        else:
            target.data = {**row.data, **target.data}
            await session.delete(row)
    await session.flush()
    return moved


async def _referrals(
    session: AsyncSession, scope: StoreScope, survivor: uuid.UUID, merged: Sequence[uuid.UUID]
) -> int:
    """Who the merged customers brought now counts for the survivor; the survivor keeps
    one "brought by" (its own, else the first merged one's) and one code (likewise); a
    referral between the merged people is dropped."""
    everyone = [survivor, *merged]
    result = await session.execute(
        update(Referral)
        .where(Referral.store_id == scope.store_id, Referral.referrer_id.in_(merged))
        .values(referrer_id=survivor)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(Referral).where(
            Referral.store_id == scope.store_id,
            Referral.referrer_id == survivor,
            Referral.referred_id.in_(everyone),
        )
    )
    keyed: tuple[tuple[Any, Any], ...] = (
        (Referral, Referral.referred_id),
        (ReferralCode, ReferralCode.customer_id),
    )
    for model, column in keyed:
        owners = set(
            await session.scalars(
                select(column).where(model.store_id == scope.store_id, column.in_(everyone))
            )
        )
        keeper = next((c for c in everyone if c in owners), None)
        dropped = [c for c in merged if c in owners and c != keeper]
        if dropped:
            await session.execute(
                delete(model).where(model.store_id == scope.store_id, column.in_(dropped))
            )
        if keeper is not None and keeper != survivor:
            await session.execute(
                update(model)
                .where(model.store_id == scope.store_id, column == keeper)
                .values({column.key: survivor})
                .execution_options(synchronize_session=False)
            )
    return _rows(result)


async def _combine_stats(
    session: AsyncSession, scope: StoreScope, survivor: uuid.UUID, merged: Sequence[uuid.UUID]
) -> None:
    """The survivor's purchase figures, now over every purchase it holds."""
    rows = list(
        await session.scalars(
            select(PurchaseStats)
            .where(
                PurchaseStats.store_id == scope.store_id,
                PurchaseStats.customer_id.in_([survivor, *merged]),
            )
            .with_for_update()
        )
    )
    if not rows:
        return
    mine = next((r for r in rows if r.customer_id == survivor), None)
    if mine is None:
        values = await purchase_stats.stats_row(session, scope, survivor)
        await insert_new(session, PurchaseStats, [values], PurchaseStats.store_id)
        mine = await session.get_one(PurchaseStats, (scope.store_id, survivor))
    for row in (r for r in rows if r.customer_id != survivor):
        mine.count += row.count
        for figure in ("total", "total_without_delivery", "eligible_total"):
            setattr(mine, figure, getattr(mine, figure) + getattr(row, figure))
            check_fits(getattr(mine, figure), PurchaseStats.__table__.c[figure])
        if row.last_at is not None and (mine.last_at is None or row.last_at > mine.last_at):
            mine.last_at = row.last_at
        await session.delete(row)
    mine.average = (mine.total / mine.count).quantize(Decimal("0.01")) if mine.count else ZERO
    await session.flush()


async def _sign_in(
    session: AsyncSession, scope: StoreScope, survivor: uuid.UUID, merged: Sequence[uuid.UUID]
) -> None:
    """The survivor keeps its own sign-in, else takes the first merged one's; the merged
    customers' codes go, their devices move (sessions are revoked by the caller)."""
    credentials = {
        c.customer_id: c
        for c in await session.scalars(
            select(CustomerCredential).where(
                CustomerCredential.store_id == scope.store_id,
                CustomerCredential.customer_id.in_([survivor, *merged]),
            )
        )
    }
    keeper = next((c for c in merged if c in credentials), None)
    if survivor not in credentials and keeper is not None:
        old = credentials.pop(keeper)
        values = {
            column.key: getattr(old, column.key) for column in CustomerCredential.__table__.columns
        }
        await session.delete(old)
        await session.flush()
        session.add(CustomerCredential(**{**values, "customer_id": survivor}))
    await session.execute(
        delete(CustomerCredential).where(
            CustomerCredential.store_id == scope.store_id,
            CustomerCredential.customer_id.in_(merged),
        )
    )
    await session.execute(
        delete(CustomerCode).where(
            CustomerCode.store_id == scope.store_id, CustomerCode.customer_id.in_(merged)
        )
    )
    tokens = set(
        await session.scalars(
            select(CustomerPushToken.token).where(
                CustomerPushToken.store_id == scope.store_id,
                CustomerPushToken.customer_id.in_(merged),
            )
        )
    )
    await session.execute(
        delete(CustomerPushToken).where(
            CustomerPushToken.store_id == scope.store_id,
            CustomerPushToken.customer_id.in_(merged),
        )
    )
    rows = [
        {"store_id": scope.store_id, "customer_id": survivor, "token": token}
        for token in sorted(tokens)
    ]
    await insert_new(session, CustomerPushToken, rows, CustomerPushToken.token)
    await session.flush()


async def _membership(
    session: AsyncSession, scope: StoreScope, survivor: uuid.UUID, merged: Sequence[uuid.UUID]
) -> None:
    """The survivor keeps a manual tier (its own, else a merged one's), and its tier is
    worked out again over the points and purchases it now holds."""
    rows = list(
        await session.scalars(
            select(Member).where(Member.store_id == scope.store_id, Member.customer_id.in_(merged))
        )
    )
    manual = next((r.manual_tier_id for r in rows if r.manual_tier_id is not None), None)
    for row in rows:
        await session.delete(row)
    await session.flush()
    state = await tiers.member(session, scope, survivor)
    if state.manual_tier_id is None and manual is not None:
        state.manual_tier_id = manual
    await tiers.recalculate(session, scope, survivor, utcnow())
