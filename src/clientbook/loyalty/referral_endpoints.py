"""A customer's referral code and referrals, and the store's referral rule."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.loyalty import referrals
from clientbook.loyalty.schemas import WalletCode

router = APIRouter(prefix="/v1/stores/{store}", tags=["loyalty"])

Reward = Annotated[Decimal, Field(ge=0, le=10**9, max_digits=14, decimal_places=2)]


class ReferralOut(ResponseBody):
    id: uuid.UUID
    referrer_id: uuid.UUID
    referred_id: uuid.UUID
    code: str
    status: str
    referrer_points: Decimal
    referred_points: Decimal
    completed_at: datetime | None
    created_at: datetime


class ReferralsOut(ResponseBody):
    code: str
    referred_by: ReferralOut | None
    data: list[ReferralOut]


class ReferralRuleBody(RequestBody):
    wallet: WalletCode = "points"
    referrer_points: Reward
    referred_points: Reward = Decimal(0)
    active: bool = True


class ReferralRuleOut(ResponseBody):
    wallet: str
    referrer_points: Decimal
    referred_points: Decimal
    active: bool


@router.get("/customers/{customer_id}/referrals", response_model=ReferralsOut)
async def list_referrals(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> ReferralsOut:
    """The customer's referral code, who referred it, and the customers it referred."""
    code, brought, by = await referrals.referrals_of(session, scope, customer_id)
    return ReferralsOut(
        code=code,
        referred_by=ReferralOut.model_validate(by) if by else None,
        data=[ReferralOut.model_validate(r) for r in brought],
    )


@router.get("/referral-rule", response_model=ReferralRuleOut)
async def get_referral_rule(session: SessionDep, scope: StoreScopeDep) -> ReferralRuleOut:
    """What a completed referral credits (inactive with 0 points until set)."""
    return ReferralRuleOut.model_validate(await referrals.get_rule(session, scope))


@router.put("/referral-rule", response_model=ReferralRuleOut)
async def put_referral_rule(
    data: ReferralRuleBody, session: SessionDep, scope: StoreScopeDep
) -> ReferralRuleOut:
    """Set the points a completed referral gives the referrer and the referred (admin)."""
    view = referrals.RuleView(**data.model_dump())
    return ReferralRuleOut.model_validate(await referrals.set_rule(session, scope, view))
