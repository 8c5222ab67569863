"""Request and response bodies of the canonical loyalty API.

Points are decimals with two places, answered as strings (``"50.00"``) like money.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from clientbook.kit.schemas import Instant, RequestBody, ResponseBody
from clientbook.loyalty.points import EntryType

PointsAmount = Annotated[Decimal, Field(max_digits=14, decimal_places=2, ge=-(10**12), le=10**12)]
WalletCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")]


class PointsWrite(RequestBody):
    wallet: WalletCode = "points"
    type: EntryType
    amount: PointsAmount = Field(description="Positive; an adjustment may be negative")
    reason: str | None = Field(None, max_length=500)
    source: str | None = Field(None, max_length=64)
    unlock_at: Instant | None = Field(None, description="Earn only: locked until then")
    expires_at: Instant | None = Field(None, description="Earn only: overrides the wallet's")


class PointsEntryOut(ResponseBody):
    id: uuid.UUID
    customer_id: uuid.UUID
    wallet: str
    type: str
    amount: Decimal
    balance_after: Decimal
    available: Decimal
    locked: Decimal
    source: str | None
    reason: str | None
    unlock_at: datetime | None
    expires_at: datetime | None
    at: datetime


class ExpiringOut(ResponseBody):
    date: date
    points: Decimal


class WalletStatusOut(ResponseBody):
    wallet: str
    name: str
    active: Decimal
    locked: Decimal
    earned: Decimal
    used: Decimal
    expired: Decimal
    expiring_next_month: Decimal
    expiring: list[ExpiringOut]


class TierCreate(RequestBody):
    name: str = Field(min_length=1, max_length=100)
    reward_percent: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    condition_value: Decimal = Field(ge=0, le=10**12, max_digits=14, decimal_places=2)
    active: bool = True
    description: str | None = Field(None, max_length=1000)
    perks: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50
    )


class TierOut(ResponseBody):
    id: uuid.UUID
    name: str
    reward_percent: Decimal
    condition_value: Decimal
    active: bool
    description: str | None
    perks: list[str]
    created_at: datetime


class TierStatusOut(ResponseBody):
    mode: Literal["points", "purchases"]
    value: Decimal = Field(description="Points earned in the window, or purchase amount")
    manual: bool
    points_required_to_keep: Decimal | None
    days_until_review: int | None


class NextTierOut(TierOut):
    needed: Decimal = Field(description="Points (or amount) still needed to reach it")


class LoyaltyOut(ResponseBody):
    customer_id: uuid.UUID
    wallets: list[WalletStatusOut]
    tier: TierOut | None
    next_tier: NextTierOut | None
    tier_status: TierStatusOut


class ProgrammeIn(RequestBody):
    tier_mode: Literal["points", "purchases"] = "points"
    window_days: int | None = Field(None, ge=1, le=36_500)
    downgrade_mode: Literal["automatic", "never", "periodic"] = "automatic"
    downgrade_days: int | None = Field(None, ge=1, le=36_500)


class ProgrammeOut(ResponseBody):
    tier_mode: str
    window_days: int | None
    downgrade_mode: str
    downgrade_days: int | None


class ManualTier(RequestBody):
    tier_id: uuid.UUID | None = Field(description="The floor; null removes it")


class WalletCreate(RequestBody):
    code: WalletCode
    name: str = Field(min_length=1, max_length=100)
    expiry_days: int | None = Field(None, ge=1, le=36_500)
    pending_days: int | None = Field(None, ge=1, le=3_650)


class WalletOut(ResponseBody):
    id: uuid.UUID
    code: str
    name: str
    expiry_days: int | None
    pending_days: int | None
    created_at: datetime
