"""``/v1/stores/{store}/api-keys``: keys for back-ends and integrations."""

import uuid

from fastapi import APIRouter, Response

from clientbook.api_keys import service
from clientbook.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from clientbook.deps import SessionDep, StoreScopeDep

router = APIRouter(prefix="/v1/stores/{store}/api-keys", tags=["api keys"])


@router.post("", status_code=201, response_model=ApiKeyCreated)
async def create_api_key(
    data: ApiKeyCreate, session: SessionDep, scope: StoreScopeDep, response: Response
) -> ApiKeyCreated:
    """Create a key (owner or admin); the answer shows its secret, this once only."""
    key, secret = await service.create_key(session, scope, data)
    response.headers["Location"] = f"/v1/stores/{scope.store_code}/api-keys/{key.id}"
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated.model_validate(
        {**ApiKeyOut.model_validate(key).model_dump(), "key": secret}
    )


@router.get("", response_model=dict[str, list[ApiKeyOut]])
async def list_api_keys(session: SessionDep, scope: StoreScopeDep) -> dict[str, list[ApiKeyOut]]:
    """The store's keys that are not revoked, by name, without their secrets."""
    keys = await service.list_keys(session, scope)
    return {"data": [ApiKeyOut.model_validate(k) for k in keys]}


@router.delete("/{key_id}", status_code=204)
async def revoke_api_key(key_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep) -> Response:
    """Revoke a key: it stops working at once, on every worker."""
    await service.revoke_key(session, scope, key_id)
    return Response(status_code=204)
