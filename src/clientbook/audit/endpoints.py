"""``/v1/stores/{store}/customers/{id}/events``: a customer's audit trail."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from clientbook.audit import service
from clientbook.customers.schemas import EventOut
from clientbook.customers.service import get_customer
from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.kit.pagination import MAX_LIMIT, PageInfo

router = APIRouter(prefix="/v1/stores/{store}/customers", tags=["customers"])


@router.get("/{customer_id}/events", response_model=dict[str, Any])
async def list_events(
    customer_id: uuid.UUID,
    session: SessionDep,
    scope: StoreScopeDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> dict[str, Any]:
    """Who changed which fields of this customer and when, newest first."""
    await get_customer(session, scope, customer_id, deleted=True)
    events = await service.events_of(
        session, scope, customer_id, offset=(page - 1) * limit, limit=limit
    )
    total = await service.count_events(session, scope, customer_id)
    return {
        "data": [EventOut.model_validate(e).model_dump(mode="json") for e in events],
        "pagination": PageInfo(page=page, limit=limit, total=total).as_dict(),
    }
