"""``/v1/stores/{store}/webhooks``: endpoints that hear of the store's customer changes."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from clientbook.deps import SessionDep, SettingsDep, StoreScopeDep
from clientbook.kit.pagination import MAX_LIMIT, PageInfo
from clientbook.webhooks import service
from clientbook.webhooks.schemas import (
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookUpdate,
)

router = APIRouter(prefix="/v1/stores/{store}/webhooks", tags=["webhooks"])


@router.post("", status_code=201, response_model=WebhookCreated)
async def create_webhook(
    data: WebhookCreate,
    session: SessionDep,
    scope: StoreScopeDep,
    settings: SettingsDep,
    response: Response,
) -> WebhookCreated:
    """Register an endpoint (owner or admin); the answer shows its signing secret, once."""
    endpoint = await service.create_endpoint(
        session, scope, data, allow_private=settings.webhook_allow_private
    )
    response.headers["Location"] = f"/v1/stores/{scope.store_code}/webhooks/{endpoint.id}"
    response.headers["Cache-Control"] = "no-store"
    return WebhookCreated.model_validate(
        {**WebhookOut.model_validate(endpoint).model_dump(), "secret": endpoint.secret}
    )


@router.get("", response_model=dict[str, list[WebhookOut]])
async def list_webhooks(session: SessionDep, scope: StoreScopeDep) -> dict[str, list[WebhookOut]]:
    """The store's endpoints, oldest first, without their secrets."""
    endpoints = await service.list_endpoints(session, scope)
    return {"data": [WebhookOut.model_validate(e) for e in endpoints]}


@router.get("/{webhook_id}", response_model=WebhookOut)
async def get_webhook(webhook_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep) -> Any:
    """One endpoint, without its secret."""
    return WebhookOut.model_validate(await service.get_endpoint(session, scope, webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookOut)
async def update_webhook(
    webhook_id: uuid.UUID,
    data: WebhookUpdate,
    session: SessionDep,
    scope: StoreScopeDep,
    settings: SettingsDep,
) -> Any:
    """Change the URL, the event types or the active flag (enabling clears a disable)."""
    endpoint = await service.update_endpoint(
        session, scope, webhook_id, data, allow_private=settings.webhook_allow_private
    )
    return WebhookOut.model_validate(endpoint)


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(
    webhook_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Remove an endpoint with its deliveries and their log."""
    await service.delete_endpoint(session, scope, webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=dict[str, Any])
async def list_deliveries(
    webhook_id: uuid.UUID,
    session: SessionDep,
    scope: StoreScopeDep,
    status: Literal["pending", "sending", "delivered", "failed"] | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> dict[str, Any]:
    """The delivery log, newest first: each event's status and its latest attempts (time,
    response code, latency)."""
    rows, total = await service.deliveries_of(
        session, scope, webhook_id, status=status, offset=(page - 1) * limit, limit=limit
    )
    return {
        "data": [DeliveryOut.model_validate(r).model_dump(mode="json") for r in rows],
        "pagination": PageInfo(page=page, limit=limit, total=total).as_dict(),
    }


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay", status_code=202, response_model=DeliveryOut
)
async def replay_delivery(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Any:
    """Queue a delivered or failed delivery again, with the same ``webhook-id``."""
    return DeliveryOut.model_validate(await service.replay(session, scope, webhook_id, delivery_id))
