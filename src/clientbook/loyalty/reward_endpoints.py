"""``/v1/stores/{store}/rewards`` and a customer's redemptions (coupons)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.kit import idempotency
from clientbook.kit.errors import ValidationFailed
from clientbook.kit.responses import json_values
from clientbook.loyalty import rewards
from clientbook.loyalty.endpoints import IdempotencyKey
from clientbook.loyalty.reward_schemas import (
    RedemptionOut,
    RewardCreate,
    RewardOut,
    RewardUpdate,
)
from clientbook.loyalty.wallets import list_wallets
from clientbook.models import Redemption, Reward
from clientbook.stores.scope import StoreScope

router = APIRouter(prefix="/v1/stores/{store}", tags=["loyalty"])
NOT_NULL = ("name", "cost", "active")


async def _codes(session: SessionDep, scope: StoreScope) -> dict[uuid.UUID, str]:
    return {w.id: w.code for w in await list_wallets(session, scope)}


def reward_out(reward: Reward, codes: dict[uuid.UUID, str]) -> RewardOut:
    fields = {name: getattr(reward, name) for name in RewardOut.model_fields if name != "wallet"}
    return RewardOut(**fields, wallet=codes[reward.wallet_id])


def redemption_out(redemption: Redemption, reward: Reward, wallet: str) -> RedemptionOut:
    return RedemptionOut(
        id=redemption.id,
        customer_id=redemption.customer_id,
        reward_id=reward.id,
        reward_name=reward.name,
        wallet=wallet,
        cost=redemption.cost,
        coupon_code=redemption.coupon_code,
        used_at=redemption.used_at,
        created_at=redemption.created_at,
    )


@router.get("/rewards", response_model=dict[str, list[RewardOut]])
async def list_rewards(
    session: SessionDep, scope: StoreScopeDep, active: Annotated[bool | None, Query()] = None
) -> dict[str, list[RewardOut]]:
    """The store's rewards catalogue, cheapest first (``active`` filters)."""
    found = await rewards.list_rewards(session, scope, active=active)
    codes = await _codes(session, scope)
    return {"data": [reward_out(r, codes) for r in found]}


@router.post("/rewards", status_code=201, response_model=RewardOut)
async def create_reward(
    data: RewardCreate, session: SessionDep, scope: StoreScopeDep, response: Response
) -> RewardOut:
    """Add a reward (admin): its cost in a wallet, window, stock and per-customer limit."""
    reward = await rewards.create_reward(session, scope, rewards.RewardFields(**data.model_dump()))
    response.headers["Location"] = f"/v1/stores/{scope.store_code}/rewards/{reward.id}"
    return reward_out(reward, await _codes(session, scope))


@router.get("/rewards/{reward_id}", response_model=RewardOut)
async def get_reward(reward_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep) -> RewardOut:
    """One reward, with the stock left."""
    reward = await rewards.get_reward(session, scope, reward_id)
    return reward_out(reward, await _codes(session, scope))


@router.patch("/rewards/{reward_id}", response_model=RewardOut)
async def update_reward(
    reward_id: uuid.UUID, data: RewardUpdate, session: SessionDep, scope: StoreScopeDep
) -> RewardOut:
    """Change a reward (admin): only the fields sent; the stock is set, not added to."""
    changes = data.model_dump(exclude_unset=True)
    for name in NOT_NULL:
        if name in changes and changes[name] is None:
            raise ValidationFailed.field(name, "must not be null")
    reward = await rewards.update_reward(session, scope, reward_id, changes)
    return reward_out(reward, await _codes(session, scope))


@router.delete("/rewards/{reward_id}", status_code=204)
async def delete_reward(
    reward_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Delete a reward nobody redeemed (admin); 409 otherwise: deactivate it instead."""
    await rewards.delete_reward(session, scope, reward_id)
    return Response(status_code=204)


@router.post(
    "/customers/{customer_id}/rewards/{reward_id}/redeem",
    status_code=201,
    response_model=RedemptionOut,
)
async def redeem_reward(
    customer_id: uuid.UUID,
    reward_id: uuid.UUID,
    session: SessionDep,
    scope: StoreScopeDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Response | RedemptionOut:
    """Spend the reward's cost and issue a coupon code, together. 409 when the reward is
    inactive, outside its window, out of stock, past the customer's limit, or the usable
    balance is short; nothing is written then. Retry with the same ``Idempotency-Key``
    to get the first coupon instead of a second."""
    body_hash = idempotency.request_hash(f"redeem:{customer_id}:{reward_id}")
    if idempotency_key:
        replayed = await idempotency.replay(session, scope, idempotency_key, body_hash)
        if replayed is not None:
            return replayed
    redemption, reward, wallet = await rewards.redeem(
        session, scope, customer_id, reward_id, idempotency_key
    )
    out = redemption_out(redemption, reward, wallet.code)
    if idempotency_key:
        response.status_code = 201
        content = json_values(out.model_dump(mode="json"))
        await idempotency.remember(session, scope, idempotency_key, body_hash, response, content)
    return out


@router.get("/customers/{customer_id}/redemptions", response_model=dict[str, list[RedemptionOut]])
async def list_redemptions(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> dict[str, list[RedemptionOut]]:
    """The customer's redeemed rewards and their coupons, newest first."""
    found = await rewards.redemptions_of(session, scope, customer_id)
    codes = await _codes(session, scope)
    return {"data": [redemption_out(r, w, codes[w.wallet_id]) for r, w in found]}


@router.post(
    "/customers/{customer_id}/redemptions/{redemption_id}/use", response_model=RedemptionOut
)
async def use_coupon(
    customer_id: uuid.UUID, redemption_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> RedemptionOut:
    """Mark the coupon used (at the till); 409 when it already was."""
    redemption, reward = await rewards.use_coupon(session, scope, customer_id, redemption_id)
    codes = await _codes(session, scope)
    return redemption_out(redemption, reward, codes[reward.wallet_id])
