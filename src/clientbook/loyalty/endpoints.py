"""``/v1/stores/{store}/...``: point wallets, ledger writes and a customer's loyalty status."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response

from clientbook.deps import ClaimsDep, DatabaseDep, SessionDep, StoreRef, StoreScopeDep
from clientbook.kit import idempotency
from clientbook.kit.responses import json_values
from clientbook.loyalty import points, status_reads, wallets
from clientbook.loyalty.schemas import (
    ExpiringOut,
    LoyaltyOut,
    NextTierOut,
    PointsEntryOut,
    PointsWrite,
    TierOut,
    TierStatusOut,
    WalletCreate,
    WalletOut,
    WalletStatusOut,
)

router = APIRouter(prefix="/v1/stores/{store}", tags=["loyalty"])

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
]


@router.get("/wallets", response_model=dict[str, list[WalletOut]])
async def list_wallets(session: SessionDep, scope: StoreScopeDep) -> dict[str, list[WalletOut]]:
    """The store's point wallets (every store has ``points``)."""
    found = await wallets.list_wallets(session, scope)
    return {"data": [WalletOut.model_validate(w) for w in found]}


@router.post("/wallets", status_code=201, response_model=WalletOut)
async def create_wallet(data: WalletCreate, session: SessionDep, scope: StoreScopeDep) -> WalletOut:
    """Add a wallet (admin): its expiry and pending periods in days, or none."""
    wallet = await wallets.create_wallet(session, scope, **data.model_dump())
    return WalletOut.model_validate(wallet)


@router.post("/customers/{customer_id}/points", status_code=201, response_model=PointsEntryOut)
async def write_points(
    customer_id: uuid.UUID,
    data: PointsWrite,
    session: SessionDep,
    scope: StoreScopeDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Response | PointsEntryOut:
    """Write one ledger entry: earn, spend (409 beyond the usable balance, nothing
    written) or a staff adjustment with a reason. Retry with the same ``Idempotency-Key``
    to get the first answer instead of a second entry."""
    body_hash = idempotency.request_hash(
        f"points:{customer_id}:" + data.model_dump_json(include=data.model_fields_set)
    )
    if idempotency_key:
        replayed = await idempotency.replay(session, scope, idempotency_key, body_hash)
        if replayed is not None:
            return replayed
    change = points.PointsChange(**data.model_dump())
    written = await points.write_points(session, scope, customer_id, change, idempotency_key)
    entry, balance = written.entry, written.balance
    out = PointsEntryOut(
        id=entry.id,
        customer_id=customer_id,
        wallet=written.wallet.code,
        type=entry.kind,
        amount=entry.amount,
        balance_after=entry.balance_after,
        available=balance.available,
        locked=balance.locked,
        source=entry.source,
        reason=entry.reason,
        unlock_at=entry.unlock_at,
        expires_at=entry.expires_at,
        at=entry.at,
    )
    if idempotency_key:
        content = json_values(out.model_dump(mode="json"))
        response.status_code = 201
        await idempotency.remember(session, scope, idempotency_key, body_hash, response, content)
    return out


@router.get("/customers/{customer_id}/loyalty", response_model=LoyaltyOut)
async def loyalty_status(
    customer_id: uuid.UUID, database: DatabaseDep, claims: ClaimsDep, store: StoreRef
) -> LoyaltyOut:
    """Each wallet's figures (active, locked, earned, used, expired, expiring next month
    and by date), the tier, the next tier and what is still needed for it."""
    status = await status_reads.read_status(database, claims, store, customer_id)
    return loyalty_out(customer_id, status)


def loyalty_out(customer_id: uuid.UUID, status: status_reads.Status) -> LoyaltyOut:
    statuses, place = status.wallets, status.standing
    wallet_out = [
        WalletStatusOut(
            **{k: v for k, v in vars(s).items() if k != "expiring"},
            expiring=[ExpiringOut(date=d, points=p) for d, p in s.expiring],
        )
        for s in statuses
    ]
    next_tier = None
    if place.next_tier is not None:
        base = TierOut.model_validate(place.next_tier).model_dump()
        next_tier = NextTierOut(**base, needed=place.needed)
    return LoyaltyOut(
        customer_id=customer_id,
        wallets=wallet_out,
        tier=TierOut.model_validate(place.tier) if place.tier else None,
        next_tier=next_tier,
        tier_status=TierStatusOut(
            mode=place.mode,
            value=place.value,
            manual=place.manual,
            points_required_to_keep=place.required_to_keep,
            days_until_review=place.days_until_review,
        ),
    )
