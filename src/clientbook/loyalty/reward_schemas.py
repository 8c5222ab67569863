"""Bodies of the canonical rewards API. Costs are points: decimal strings."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from clientbook.kit.schemas import Instant, RequestBody, ResponseBody
from clientbook.loyalty.schemas import WalletCode

Cost = Annotated[Decimal, Field(gt=0, le=10**12, max_digits=14, decimal_places=2)]
Count = Annotated[int, Field(ge=0, le=10**9)]
Limit = Annotated[int, Field(ge=1, le=10**6)]


class RewardCreate(RequestBody):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    wallet: WalletCode = "points"
    cost: Cost
    valid_from: Instant | None = None
    valid_until: Instant | None = None
    stock: Count | None = Field(None, description="Left to redeem; null: unlimited")
    per_customer_limit: Limit | None = None
    active: bool = True


class RewardUpdate(RequestBody):
    """Only the fields sent change; ``name``, ``cost`` and ``active`` cannot be null."""

    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    cost: Cost | None = None
    valid_from: Instant | None = None
    valid_until: Instant | None = None
    stock: Count | None = None
    per_customer_limit: Limit | None = None
    active: bool | None = None


class RewardOut(ResponseBody):
    id: uuid.UUID
    name: str
    description: str | None
    wallet: str
    cost: Decimal
    valid_from: datetime | None
    valid_until: datetime | None
    stock: int | None
    per_customer_limit: int | None
    active: bool
    created_at: datetime


class RedemptionOut(ResponseBody):
    id: uuid.UUID
    customer_id: uuid.UUID
    reward_id: uuid.UUID
    reward_name: str
    wallet: str
    cost: Decimal
    coupon_code: str
    used_at: datetime | None
    created_at: datetime
