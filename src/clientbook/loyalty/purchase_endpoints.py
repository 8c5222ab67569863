"""``/v1/stores/{store}/purchases`` and ``/earning-rules``."""

import uuid

from fastapi import APIRouter, Response

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.loyalty import purchases, rules
from clientbook.loyalty.purchase_schemas import (
    PurchaseCreate,
    PurchaseOut,
    PurchaseReturn,
    PurchaseStatus,
    RuleCreate,
    RuleOut,
)
from clientbook.loyalty.wallets import wallet_by_id

router = APIRouter(prefix="/v1/stores/{store}", tags=["loyalty"])


@router.post("/purchases", status_code=201, response_model=PurchaseOut)
async def record_purchase(
    data: PurchaseCreate, session: SessionDep, scope: StoreScopeDep, response: Response
) -> PurchaseOut:
    """Record a purchase (number unique per store); a completed one earns points by the
    store's earning rules at once (``points_earned``)."""
    purchase = await purchases.record_purchase(
        session, scope, purchases.PurchaseData(**data.model_dump())
    )
    response.headers["Location"] = f"/v1/stores/{scope.store_code}/purchases/{purchase.id}"
    return PurchaseOut.model_validate(purchase)


@router.get("/purchases/{purchase_id}", response_model=PurchaseOut)
async def get_purchase(
    purchase_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> PurchaseOut:
    return PurchaseOut.model_validate(await purchases.get_purchase(session, scope, purchase_id))


@router.put("/purchases/{purchase_id}/status", response_model=PurchaseOut)
async def change_status(
    purchase_id: uuid.UUID, data: PurchaseStatus, session: SessionDep, scope: StoreScopeDep
) -> PurchaseOut:
    """Completing earns; cancelling or returning a completed purchase takes its points
    back (what the balance no longer holds is owed and paid by later earnings)."""
    purchase = await purchases.change_status(session, scope, purchase_id, data.status)
    return PurchaseOut.model_validate(purchase)


@router.post("/purchases/{purchase_id}/returns", response_model=PurchaseOut)
async def return_part(
    purchase_id: uuid.UUID, data: PurchaseReturn, session: SessionDep, scope: StoreScopeDep
) -> PurchaseOut:
    """Return part of a completed purchase: its points come back in proportion."""
    purchase = await purchases.return_part(session, scope, purchase_id, data.amount)
    return PurchaseOut.model_validate(purchase)


@router.get("/earning-rules", response_model=dict[str, list[RuleOut]])
async def list_rules(session: SessionDep, scope: StoreScopeDep) -> dict[str, list[RuleOut]]:
    found = await rules.list_rules(session, scope)
    out = []
    for rule in found:
        wallet = await wallet_by_id(session, scope, rule.wallet_id)
        out.append(RuleOut.model_validate({**_fields(rule), "wallet": wallet.code}))
    return {"data": out}


@router.post("/earning-rules", status_code=201, response_model=RuleOut)
async def create_rule(data: RuleCreate, session: SessionDep, scope: StoreScopeDep) -> RuleOut:
    """Add an earning rule (admin): points per currency unit of the eligible amount."""
    rule, wallet = await rules.create_rule(session, scope, **data.model_dump())
    return RuleOut.model_validate({**_fields(rule), "wallet": wallet})


def _fields(rule: object) -> dict[str, object]:
    names = ("id", "name", "points_per_unit", "minimum_order", "multipliers", "active")
    return {name: getattr(rule, name) for name in names}
