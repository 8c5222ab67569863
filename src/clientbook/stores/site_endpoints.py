"""``/v1/stores/{store}/sites``: the store's web domains and CORS origins."""

from fastapi import APIRouter

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.stores import sites
from clientbook.stores.sites import SitesIn, SitesOut

router = APIRouter(prefix="/v1/stores/{store}/sites", tags=["stores"])


@router.get("", response_model=SitesOut)
async def get_sites(session: SessionDep, scope: StoreScopeDep) -> SitesOut:
    """The host names that pick this store, and the browser origins allowed on them."""
    return await sites.get_sites(session, scope)


@router.put("", response_model=SitesOut)
async def put_sites(data: SitesIn, session: SessionDep, scope: StoreScopeDep) -> SitesOut:
    """Replace the store's domains and CORS origins (owner or admin); a domain another
    store has claimed is a 409."""
    return await sites.put_sites(session, scope, data)
