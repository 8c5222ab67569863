"""``/v1/stores/{store}/customers/{id}/purchases`` and ``.../points-entries``: history."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.kit.schemas import QueryInstant, ResponseBody
from clientbook.loyalty import history
from clientbook.loyalty.purchase_schemas import PurchaseOut

router = APIRouter(prefix="/v1/stores/{store}/customers/{customer_id}", tags=["loyalty"])


class PurchasePage(ResponseBody):
    data: list[PurchaseOut]
    total: int
    offset: int
    limit: int


class EntryOut(ResponseBody):
    id: uuid.UUID
    wallet: str
    type: str
    amount: Decimal
    balance_after: Decimal
    source: str | None
    reason: str | None
    at: datetime


@router.get("/purchases", response_model=PurchasePage)
async def list_customer_purchases(
    customer_id: uuid.UUID,
    session: SessionDep,
    scope: StoreScopeDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    purchased_from: QueryInstant | None = None,
    purchased_before: QueryInstant | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PurchasePage:
    """The customer's purchases, newest first; ``purchased_before`` is exclusive."""
    given = history.PurchaseFilter(status, purchased_from, purchased_before)
    rows, total = await history.customer_purchases(
        session, scope, customer_id, given, offset=offset, limit=limit
    )
    return PurchasePage(
        data=[PurchaseOut.model_validate(row) for row in rows],
        total=total,
        offset=offset,
        limit=limit,
    )


@router.get("/points-entries", response_model=dict[str, list[EntryOut]])
async def list_points_entries(
    customer_id: uuid.UUID,
    session: SessionDep,
    scope: StoreScopeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, list[EntryOut]]:
    """The customer's latest ledger entries that moved points, newest first."""
    rows = await history.customer_entries(session, scope, customer_id, limit=limit)
    return {
        "data": [
            EntryOut(
                id=entry.id,
                wallet=code,
                type=entry.kind,
                amount=entry.amount,
                balance_after=entry.balance_after,
                source=entry.source,
                reason=entry.reason,
                at=entry.at,
            )
            for entry, code in rows
        ]
    }
