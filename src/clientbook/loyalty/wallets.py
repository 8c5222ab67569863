"""Point wallets: each store has ``points`` and may add others (``tokens``)."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import utcnow
from clientbook.kit.errors import NotFound, ValidationFailed
from clientbook.kit.integrity import UniqueRule, insert_new, unique_violations
from clientbook.models import Wallet
from clientbook.stores.scope import Role, StoreScope

DEFAULT_CODE = "points"

WALLET_UNIQUES = [
    UniqueRule(
        "uq_loyalty_wallets_store_id_code",
        "loyalty_wallets",
        ("store_id", "code"),
        "code",
        "this store already has a wallet with this code",
    )
]


async def ensure_default_wallet(session: AsyncSession, store_id: uuid.UUID) -> None:
    """The ``points`` wallet every store has: usable at once, never expiring."""
    values = {
        "store_id": store_id,
        "id": uuid.uuid4(),
        "code": DEFAULT_CODE,
        "name": "Points",
        "created_at": utcnow(),
    }
    await insert_new(session, Wallet, [values], Wallet.id)


async def wallet_by_code(session: AsyncSession, scope: StoreScope, code: str) -> Wallet:
    wallet = await _find(session, scope, code)
    if wallet is None:
        raise ValidationFailed.field("wallet", f"this store has no wallet {code!r}")
    return wallet


async def _find(session: AsyncSession, scope: StoreScope, code: str) -> Wallet | None:
    wallet: Wallet | None = await session.scalar(
        select(Wallet).where(Wallet.store_id == scope.store_id, Wallet.code == code)
    )
    return wallet


async def list_wallets(session: AsyncSession, scope: StoreScope) -> list[Wallet]:
    rows = await session.scalars(
        select(Wallet).where(Wallet.store_id == scope.store_id).order_by(Wallet.code)
    )
    return list(rows)


async def create_wallet(
    session: AsyncSession,
    scope: StoreScope,
    *,
    code: str,
    name: str,
    expiry_days: int | None,
    pending_days: int | None,
) -> Wallet:
    scope.require(Role.admin)
    wallet = Wallet(
        store_id=scope.store_id,
        code=code,
        name=name,
        expiry_days=expiry_days,
        pending_days=pending_days,
    )
    session.add(wallet)
    async with unique_violations(WALLET_UNIQUES):
        await session.flush()
    return wallet


async def wallet_by_id(session: AsyncSession, scope: StoreScope, wallet_id: uuid.UUID) -> Wallet:
    wallet = await session.get(Wallet, (scope.store_id, wallet_id))
    if wallet is None:
        raise NotFound("Wallet not found")
    return wallet
