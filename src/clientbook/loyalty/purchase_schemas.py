"""Bodies of the canonical purchase and earning-rule API. Money is a decimal string."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from clientbook.kit.schemas import Instant, RequestBody, ResponseBody

Amount = Annotated[Decimal, Field(ge=0, le=10**11, max_digits=14, decimal_places=2)]
Status = Literal["pending", "completed", "cancelled", "returned"]


class PurchaseCreate(RequestBody):
    customer_id: uuid.UUID
    number: str = Field(min_length=1, max_length=64)
    status: Literal["pending", "completed"]
    purchased_at: Instant
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    total: Amount
    delivery_costs: Amount = Decimal(0)
    excluded_amount: Amount = Decimal(0)
    item_count: int | None = Field(None, ge=0, le=1_000_000)
    pos_id: uuid.UUID | None = None
    shipping_status: str | None = Field(None, max_length=32)
    delivered_at: Instant | None = None


class PurchaseStatus(RequestBody):
    status: Status


class PurchaseReturn(RequestBody):
    amount: Amount = Field(gt=0)


class PurchaseOut(ResponseBody):
    id: uuid.UUID
    customer_id: uuid.UUID
    number: str
    status: str
    purchased_at: datetime
    currency: str
    total: Decimal
    delivery_costs: Decimal
    excluded_amount: Decimal
    item_count: int | None
    pos_id: uuid.UUID | None
    shipping_status: str | None
    delivered_at: datetime | None
    points_earned: Decimal
    points_reversed: Decimal
    returned_amount: Decimal


class RuleCreate(RequestBody):
    name: str = Field(min_length=1, max_length=100)
    wallet: str = Field("points", min_length=1, max_length=32)
    points_per_unit: Decimal = Field(gt=0, le=10_000, max_digits=12, decimal_places=4)
    minimum_order: Amount = Decimal(0)
    multipliers: dict[
        uuid.UUID, Annotated[Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2)]
    ] = Field(default_factory=dict, max_length=50, description="By tier id")
    active: bool = True


class RuleOut(ResponseBody):
    id: uuid.UUID
    name: str
    wallet: str
    points_per_unit: Decimal
    minimum_order: Decimal
    multipliers: dict[str, str]
    active: bool
