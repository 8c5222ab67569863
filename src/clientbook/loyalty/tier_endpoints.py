"""``/v1/stores/{store}/tiers``, the programme's tier rules and a customer's manual tier."""

import uuid

from fastapi import APIRouter, Response

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.kit.db import utcnow
from clientbook.loyalty import points, status_reads, tiers
from clientbook.loyalty.endpoints import loyalty_out
from clientbook.loyalty.schemas import (
    LoyaltyOut,
    ManualTier,
    ProgrammeIn,
    ProgrammeOut,
    TierCreate,
    TierOut,
)

router = APIRouter(prefix="/v1/stores/{store}", tags=["loyalty"])


@router.post("/tiers", status_code=201, response_model=TierOut)
async def create_tier(
    data: TierCreate, session: SessionDep, scope: StoreScopeDep, response: Response
) -> TierOut:
    """Add a tier (admin); customers reach it at ``condition_value``."""
    tier = await tiers.create_tier(session, scope, **data.model_dump())
    response.headers["Location"] = f"/v1/stores/{scope.store_code}/tiers/{tier.id}"
    return TierOut.model_validate(tier)


@router.get("/tiers", response_model=dict[str, list[TierOut]])
async def list_tiers(session: SessionDep, scope: StoreScopeDep) -> dict[str, list[TierOut]]:
    """The store's tiers, lowest condition first."""
    found = await tiers.list_tiers(session, scope)
    return {"data": [TierOut.model_validate(t) for t in found]}


@router.get("/loyalty-programme", response_model=ProgrammeOut)
async def get_programme(session: SessionDep, scope: StoreScopeDep) -> ProgrammeOut:
    """How tiers are reached and lost in this store."""
    return ProgrammeOut.model_validate(await tiers.current_programme(session, scope))


@router.put("/loyalty-programme", response_model=ProgrammeOut)
async def put_programme(
    data: ProgrammeIn, session: SessionDep, scope: StoreScopeDep
) -> ProgrammeOut:
    """Set the tier mode (points earned in a window, or purchases) and downgrade mode."""
    rules = await tiers.update_programme(session, scope, **data.model_dump())
    return ProgrammeOut.model_validate(rules)


@router.put("/customers/{customer_id}/tier", response_model=LoyaltyOut)
async def set_manual_tier(
    customer_id: uuid.UUID, data: ManualTier, session: SessionDep, scope: StoreScopeDep
) -> LoyaltyOut:
    """Assign a tier by hand (admin): a floor until removed with ``{"tier_id": null}``."""
    await points.check_customer(session, scope, customer_id)
    await tiers.set_manual_tier(session, scope, customer_id, data.tier_id, utcnow())
    status = await status_reads.status_in_session(session, scope, customer_id)
    return loyalty_out(customer_id, status)
