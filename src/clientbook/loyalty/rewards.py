"""The rewards catalogue and redeeming: points spent through the ledger and a coupon
issued in one transaction; stock and per-customer limits never overdrawn.

A redemption locks the customer's balance row first (as every ledger write does), which
queues one customer's redemptions, then takes one from the stock with a conditional
``UPDATE``, which queues everyone's: no lock is taken in another order, so no deadlock.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from clientbook.customers.service import get_customer
from clientbook.kit.db import utcnow
from clientbook.kit.errors import Conflict, FieldError, NotFound, ValidationFailed
from clientbook.kit.integrity import UniqueRule, unique_violations
from clientbook.loyalty import ledger
from clientbook.loyalty.points import ENTRY_UNIQUES
from clientbook.loyalty.wallets import wallet_by_code, wallet_by_id
from clientbook.models import Redemption, Reward, Wallet
from clientbook.stores.scope import Role, StoreScope
from clientbook.webhooks.events import EventType, emit

CENT = Decimal("0.01")
# No 0/O or 1/I/L: a coupon is read aloud at a till.
COUPON_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
COUPON_LENGTH = 12
COUPON_UNIQUES = [
    UniqueRule(
        "uq_loyalty_redemptions_store_id_coupon_code",
        "loyalty_redemptions",
        ("store_id", "coupon_code"),
        "coupon_code",
        "a coupon with this code already exists; retry",
    )
]
EDITABLE = (
    "name",
    "description",
    "cost",
    "valid_from",
    "valid_until",
    "stock",
    "per_customer_limit",
    "active",
)


@dataclass(frozen=True)
class RewardFields:
    name: str
    wallet: str
    cost: Decimal
    description: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    stock: int | None = None
    per_customer_limit: int | None = None
    active: bool = True


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment else None


def _check_window(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_from and valid_until and valid_until <= valid_from:
        raise ValidationFailed.field("valid_until", "must be after valid_from")


async def create_reward(session: AsyncSession, scope: StoreScope, data: RewardFields) -> Reward:
    scope.require(Role.admin)
    _check_window(data.valid_from, data.valid_until)
    wallet = await wallet_by_code(session, scope, data.wallet)
    fields = {k: v for k, v in vars(data).items() if k != "wallet"}
    reward = Reward(store_id=scope.store_id, wallet_id=wallet.id, **fields)
    reward.cost = data.cost.quantize(CENT)
    reward.valid_from, reward.valid_until = _utc(data.valid_from), _utc(data.valid_until)
    session.add(reward)
    await session.flush()
    return reward


async def list_rewards(
    session: AsyncSession, scope: StoreScope, *, active: bool | None = None
) -> list[Reward]:
    statement = select(Reward).where(Reward.store_id == scope.store_id)
    if active is not None:
        statement = statement.where(Reward.active.is_(active))
    rows = await session.scalars(statement.order_by(Reward.cost, Reward.name, Reward.id))
    return list(rows)


async def get_reward(
    session: AsyncSession, scope: StoreScope, reward_id: uuid.UUID, *, for_update: bool = False
) -> Reward:
    reward = await session.get(
        Reward, (scope.store_id, reward_id), with_for_update=for_update or None
    )
    if reward is None:
        raise NotFound("Reward not found")
    return reward


async def update_reward(
    session: AsyncSession, scope: StoreScope, reward_id: uuid.UUID, changes: dict[str, object]
) -> Reward:
    scope.require(Role.admin)
    reward = await get_reward(session, scope, reward_id, for_update=True)
    for name, value in changes.items():
        if name in EDITABLE:
            setattr(reward, name, _utc(value) if isinstance(value, datetime) else value)
    _check_window(reward.valid_from, reward.valid_until)
    reward.cost = Decimal(reward.cost).quantize(CENT)
    await session.flush()
    return reward


async def delete_reward(session: AsyncSession, scope: StoreScope, reward_id: uuid.UUID) -> None:
    """Only a reward nobody redeemed: the others keep their coupons (deactivate them)."""
    scope.require(Role.admin)
    reward = await get_reward(session, scope, reward_id, for_update=True)
    redeemed = await session.scalar(
        select(func.count())
        .select_from(Redemption)
        .where(Redemption.store_id == scope.store_id, Redemption.reward_id == reward_id)
    )
    if redeemed:
        raise Conflict("this reward was redeemed: set active to false instead")
    await session.delete(reward)
    await session.flush()


class RewardUnavailable(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__(f"Reward unavailable: {message}", errors=[FieldError("reward", message)])


async def redeem(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    reward_id: uuid.UUID,
    key: str | None = None,
) -> tuple[Redemption, Reward, Wallet]:
    """Spend the reward's cost and issue a coupon: 409 when the reward is inactive, out of
    its window, out of stock, past the customer's limit, or the balance is short."""
    await get_customer(session, scope, customer_id)
    reward = await get_reward(session, scope, reward_id)
    wallet = await wallet_by_id(session, scope, reward.wallet_id)
    write = ledger.Write(customer_id, wallet, source="reward", reason=reward.name[:500], key=key)
    await ledger.lock_balance(session, scope, write)
    await _check_available(session, scope, reward, customer_id, utcnow())
    await _take_one(session, scope, reward)
    async with unique_violations(ENTRY_UNIQUES):
        entry = await ledger.spend(session, scope, write, reward.cost, kind="spend")
    redemption = Redemption(
        store_id=scope.store_id,
        customer_id=customer_id,
        reward_id=reward.id,
        entry_id=entry.id,
        cost=reward.cost,
        coupon_code=new_coupon_code(),
    )
    session.add(redemption)
    async with unique_violations(COUPON_UNIQUES):
        await session.flush()
    ledger.record_event(session, scope, write, "reward.redeemed")
    await emit(
        session,
        scope,
        EventType.reward_redeemed,
        customer_id,
        {"reward_id": str(reward.id), "redemption_id": str(redemption.id)},
    )
    return redemption, reward, wallet


def new_coupon_code() -> str:
    return "".join(secrets.choice(COUPON_ALPHABET) for _ in range(COUPON_LENGTH))


async def _check_available(
    session: AsyncSession,
    scope: StoreScope,
    reward: Reward,
    customer_id: uuid.UUID,
    now: datetime,
) -> None:
    if not reward.active:
        raise RewardUnavailable("the reward is not active")
    if reward.valid_from and now < reward.valid_from:
        raise RewardUnavailable("the reward is not valid yet")
    if reward.valid_until and now >= reward.valid_until:
        raise RewardUnavailable("the reward is no longer valid")
    if reward.per_customer_limit is not None:
        # The customer's balance row is locked: their other redemptions wait for us.
        taken = await session.scalar(
            select(func.count())
            .select_from(Redemption)
            .where(
                Redemption.store_id == scope.store_id,
                Redemption.customer_id == customer_id,
                Redemption.reward_id == reward.id,
            )
        )
        if (taken or 0) >= reward.per_customer_limit:
            raise RewardUnavailable("the customer reached this reward's limit")


async def _take_one(session: AsyncSession, scope: StoreScope, reward: Reward) -> None:
    """One off the stock in a single conditional UPDATE: concurrent redemptions queue on
    the row and each re-checks ``stock > 0`` against the committed value."""
    if reward.stock is None:
        return
    taken = await session.scalar(
        update(Reward)
        .where(Reward.store_id == scope.store_id, Reward.id == reward.id, Reward.stock > 0)
        .values(stock=Reward.stock - 1)
        .returning(Reward.stock)
        .execution_options(synchronize_session=False)
    )
    if taken is None:
        raise RewardUnavailable("the reward is out of stock")
    set_committed_value(reward, "stock", taken)


async def redemptions_of(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> list[tuple[Redemption, Reward]]:
    await get_customer(session, scope, customer_id)
    rows = await session.execute(
        select(Redemption, Reward)
        .join(
            Reward,
            (Reward.store_id == Redemption.store_id) & (Reward.id == Redemption.reward_id),
        )
        .where(Redemption.store_id == scope.store_id, Redemption.customer_id == customer_id)
        .order_by(Redemption.created_at.desc(), Redemption.id)
    )
    return [(redemption, reward) for redemption, reward in rows]


async def use_coupon(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, redemption_id: uuid.UUID
) -> tuple[Redemption, Reward]:
    """Mark the coupon used, once: a second use is 409."""
    await get_customer(session, scope, customer_id)
    redemption = await session.get(
        Redemption, (scope.store_id, redemption_id), with_for_update=True
    )
    if redemption is None or redemption.customer_id != customer_id:
        raise NotFound("Redemption not found")
    if redemption.used_at is not None:
        message = "the coupon was already used"
        raise Conflict(message, errors=[FieldError("coupon_code", message)])
    redemption.used_at = utcnow()
    await session.flush()
    reward = await get_reward(session, scope, redemption.reward_id)
    wallet = await wallet_by_id(session, scope, reward.wallet_id)
    ledger.record_event(session, scope, ledger.Write(customer_id, wallet), "reward.coupon_used")
    return redemption, reward
