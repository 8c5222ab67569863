"""``/v1/stores/{store}/price-lists``."""

import uuid

from fastapi import APIRouter, Response

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.pricing import service
from clientbook.pricing.schemas import PriceListCreate, PriceListOut, PriceListUpdate

router = APIRouter(prefix="/v1/stores/{store}/price-lists", tags=["price lists"])


@router.post("", status_code=201, response_model=PriceListOut)
async def create_price_list(
    data: PriceListCreate, session: SessionDep, scope: StoreScopeDep, response: Response
) -> PriceListOut:
    """Add a price list (admin); its currency defaults to the store's."""
    price_list = await service.create_price_list(session, scope, data)
    response.headers["Location"] = f"/v1/stores/{scope.store_code}/price-lists/{price_list.id}"
    return PriceListOut.model_validate(price_list)


@router.get("", response_model=dict[str, list[PriceListOut]])
async def list_price_lists(
    session: SessionDep, scope: StoreScopeDep
) -> dict[str, list[PriceListOut]]:
    """The store's price lists, by name."""
    price_lists = await service.list_price_lists(session, scope)
    return {"data": [PriceListOut.model_validate(p) for p in price_lists]}


@router.get("/{price_list_id}", response_model=PriceListOut)
async def get_price_list(
    price_list_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> PriceListOut:
    """One price list."""
    return PriceListOut.model_validate(await service.get_price_list(session, scope, price_list_id))


@router.patch("/{price_list_id}", response_model=PriceListOut)
async def update_price_list(
    price_list_id: uuid.UUID, data: PriceListUpdate, session: SessionDep, scope: StoreScopeDep
) -> PriceListOut:
    """Rename, change currency, or (de)activate a price list (admin)."""
    price_list = await service.update_price_list(session, scope, price_list_id, data)
    return PriceListOut.model_validate(price_list)


@router.delete("/{price_list_id}", status_code=204)
async def delete_price_list(
    price_list_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Delete a price list (admin); customers using it as default are left without one."""
    await service.delete_price_list(session, scope, price_list_id)
    return Response(status_code=204)
