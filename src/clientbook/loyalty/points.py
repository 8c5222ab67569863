"""Use cases for a customer's points: write one ledger entry, read the status."""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers.service import get_customer
from clientbook.kit.db import utcnow
from clientbook.kit.errors import ValidationFailed
from clientbook.kit.integrity import UniqueRule, out_of_range, unique_violations
from clientbook.loyalty import ledger, tiers
from clientbook.loyalty.wallets import wallet_by_code
from clientbook.models import PointsBalance, PointsEntry, Wallet
from clientbook.stores.scope import StoreScope

EntryType = Literal["earn", "spend", "adjust"]
CENT = Decimal("0.01")

ENTRY_UNIQUES = [
    UniqueRule(
        "uq_loyalty_entries_store_id_idempotency_key",
        "loyalty_entries",
        ("store_id", "idempotency_key"),
        "Idempotency-Key",
        "a ledger entry with this Idempotency-Key already exists",
    )
]


@dataclass(frozen=True)
class PointsChange:
    wallet: str
    type: EntryType
    amount: Decimal
    reason: str | None = None
    source: str | None = None
    unlock_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Written:
    entry: PointsEntry
    wallet: Wallet
    balance: PointsBalance


def _check(change: PointsChange) -> None:
    if change.type == "adjust":
        if change.amount == 0:
            raise ValidationFailed.field("amount", "must not be 0")
        if not (change.reason or "").strip():
            raise ValidationFailed.field("reason", "is required for a manual adjustment")
    elif change.amount <= 0:
        raise ValidationFailed.field("amount", "must be greater than 0")
    if change.type != "earn" and (change.unlock_at or change.expires_at):
        field = "unlock_at" if change.unlock_at else "expires_at"
        raise ValidationFailed.field(field, "is only for earning")


async def write_points(
    session: AsyncSession,
    scope: StoreScope,
    customer_id: uuid.UUID,
    change: PointsChange,
    key: str | None = None,
) -> Written:
    """One ledger entry for a live customer of this store."""
    _check(change)
    change = replace(change, amount=change.amount.quantize(CENT))
    await get_customer(session, scope, customer_id, for_share=True)  # not merged meanwhile
    wallet = await wallet_by_code(session, scope, change.wallet)
    write = ledger.Write(
        customer_id,
        wallet,
        source=change.source or "api",
        reason=change.reason,
        key=key,
    )
    too_many = "the customer's points balance cannot hold this amount"
    async with unique_violations(ENTRY_UNIQUES), out_of_range("amount", too_many):
        if change.type == "earn":
            entry = await ledger.earn(
                session,
                scope,
                write,
                change.amount,
                unlock_at=change.unlock_at,
                expires_at=change.expires_at,
            )
        elif change.type == "spend":
            entry = await ledger.spend(session, scope, write, change.amount)
        else:
            entry = await ledger.adjust(session, scope, write, change.amount)
    balance = await ledger.lock_balance(session, scope, write)
    await tiers.recalculate(session, scope, customer_id, utcnow())
    return Written(entry, wallet, balance)


async def check_customer(session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID) -> None:
    """404 unless a live customer of this store."""
    await get_customer(session, scope, customer_id)
