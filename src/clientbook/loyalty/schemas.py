"""Request and response bodies of the canonical loyalty API.

Points are decimals with two places, answered as strings (``"50.00"``) like money.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, Field

from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.loyalty.points import EntryType

PointsAmount = Annotated[Decimal, Field(max_digits=14, decimal_places=2, ge=-(10**12), le=10**12)]
WalletCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")]


class PointsWrite(RequestBody):
    wallet: WalletCode = "points"
    type: EntryType
    amount: PointsAmount = Field(description="Positive; an adjustment may be negative")
    reason: str | None = Field(None, max_length=500)
    source: str | None = Field(None, max_length=64)
    unlock_at: AwareDatetime | None = Field(None, description="Earn only: locked until then")
    expires_at: AwareDatetime | None = Field(None, description="Earn only: overrides the wallet's")


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


class LoyaltyOut(ResponseBody):
    customer_id: uuid.UUID
    wallets: list[WalletStatusOut]
    tier: dict[str, object] | None = None
    next_tier: dict[str, object] | None = None


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
