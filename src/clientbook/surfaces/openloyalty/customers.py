"""Open Loyalty's customer endpoints over the Clientbook services."""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.addresses import service as addresses
from clientbook.customers import pages
from clientbook.customers import service as customers
from clientbook.customers.conditions import CustomerFilter
from clientbook.customers.fields import CustomerData
from clientbook.customers.totals import count_customers
from clientbook.deps import DatabaseDep, SessionDep
from clientbook.kit.db import Database
from clientbook.kit.errors import ValidationFailed
from clientbook.loyalty import figures, listed, status_reads
from clientbook.loyalty.tiers import list_tiers
from clientbook.models import Customer
from clientbook.stores import service as stores
from clientbook.stores.scope import StoreScope
from clientbook.surfaces.openloyalty import listing, serialize
from clientbook.surfaces.openloyalty.access import (
    AdminScope,
    CallerDep,
    SellerScope,
    require_self_or_staff,
)
from clientbook.surfaces.openloyalty.dates import zone
from clientbook.surfaces.openloyalty.forms import read_params

router = APIRouter(prefix="/api/{storeCode}", tags=["Open Loyalty"])

CustomerRef = Annotated[
    str, Path(alias="customer", max_length=64, description="UUID or loyalty card number")
]
_LIST_PARAMS = {
    "parameters": [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        for name in ("email", "strict", "page", "perPage", "sort", "direction")
    ]
}


async def _context(session: AsyncSession, scope: StoreScope) -> serialize.Context:
    store = await stores.get_store(session, scope)
    return serialize.Context(store.currency.lower(), zone(store.timezone))


async def _list(
    request: Request, database: Database, session: AsyncSession, scope: StoreScope
) -> dict[str, Any]:
    given = listing.parse(await read_params(request))
    where, sort = listing.to_filter(given), listing.to_sort(given)
    rows: Sequence[Any]
    if listed.reads_unfiltered(where, sort):
        rows, info = await listed.unfiltered_page(
            database, scope, sort, page=given.page, limit=given.perPage
        )
    else:
        rows, info = await pages.page_of(
            session,
            scope,
            where,
            sort,
            page=given.page,
            limit=given.perPage,
            extend=listed.with_figures,
        )
    items = []
    for row in rows:
        found = listed.figures_of(row)
        ctx = serialize.Context(found.currency.lower(), zone(found.timezone))
        items.append(serialize.list_item(row, found.stats, found.address, found.tier, ctx))
    return {"customers": items, "total": info.total}


@router.get("/customer", openapi_extra=_LIST_PARAMS)
async def list_customers(
    request: Request, database: DatabaseDep, session: SessionDep, scope: AdminScope
) -> dict[str, Any]:
    """The store's customers: filters, page, perPage, sort, direction; ``{customers, total}``."""
    return await _list(request, database, session, scope)


@router.get("/admin/customer", openapi_extra=_LIST_PARAMS)
async def admin_list_customers(
    request: Request, database: DatabaseDep, session: SessionDep, scope: AdminScope
) -> dict[str, Any]:
    """The store's customers, as the admin cockpit lists them."""
    return await _list(request, database, session, scope)


@router.get("/customer/check")
async def check_customer(
    session: SessionDep,
    scope: SellerScope,
    emailOrPhone: Annotated[str, Query(min_length=1, max_length=254)],  # noqa: N803
) -> dict[str, int]:
    """How many customers have this e-mail address or phone number: ``{"total": n}``."""
    value = emailOrPhone.strip()
    where = CustomerFilter(email=value) if "@" in value else CustomerFilter(phone=value)
    try:
        total = await count_customers(session, scope, where)
    except ValidationFailed:  # not a phone number anyone could have
        return {"total": 0}
    return {"total": total.value}


async def _customer_document(
    session: AsyncSession, scope: StoreScope, customer: CustomerData
) -> dict[str, Any]:
    ctx = await _context(session, scope)
    stats = await figures.purchase_stats(session, scope, [customer.id])
    places = await addresses.default_addresses(session, scope, [customer.id])
    tier_of = await figures.tier_ids(session, scope, [customer.id])
    tiers = {tier.id: tier for tier in await list_tiers(session, scope)}
    tier = tiers.get(tier_of[customer.id]) if customer.id in tier_of else None
    return serialize.details(customer, stats.get(customer.id), places.get(customer.id), tier, ctx)


@router.get("/customer/{customer}")
async def get_customer(session: SessionDep, caller: CallerDep, ref: CustomerRef) -> dict[str, Any]:
    """One customer, by UUID or loyalty card number: staff, or the customer itself."""
    customer = await customers.customer_by_reference(session, caller.scope, ref)
    require_self_or_staff(caller, customer.id)
    return await _customer_document(session, caller.scope, customer)


@router.delete("/customer/{customer}", status_code=204)
async def delete_customer(session: SessionDep, scope: AdminScope, ref: CustomerRef) -> Response:
    """Remove a customer (a soft delete: it can be restored through ``/v1``)."""
    customer = await customers.customer_by_reference(session, scope, ref)
    await customers.delete_customer(session, scope, customer.id)
    return Response(status_code=204)


async def _set_active(session: AsyncSession, scope: StoreScope, ref: str, active: bool) -> Response:
    customer = await customers.customer_by_reference(session, scope, ref)
    await customers.set_active(session, scope, customer.id, active=active)
    return Response(status_code=200)


@router.post("/admin/customer/{customer}/activate")
async def activate(session: SessionDep, scope: AdminScope, ref: CustomerRef) -> Response:
    """Activate a customer: 200 with no content."""
    return await _set_active(session, scope, ref, True)


@router.post("/admin/customer/{customer}/deactivate")
async def deactivate(session: SessionDep, scope: AdminScope, ref: CustomerRef) -> Response:
    """Deactivate a customer (its sessions end): 200 with no content."""
    return await _set_active(session, scope, ref, False)


async def _status(session: AsyncSession, scope: StoreScope, customer: Customer) -> dict[str, Any]:
    found = await status_reads.status_in_session(session, scope, customer.id)
    stats = await figures.purchase_stats(session, scope, [customer.id])
    ctx = await _context(session, scope)
    return serialize.status(customer, found.wallets, found.standing, stats.get(customer.id), ctx)


@router.get("/admin/customer/{customer}/status")
async def admin_status(session: SessionDep, scope: AdminScope, ref: CustomerRef) -> dict[str, Any]:
    """A customer's points, level and purchase figures."""
    return await _status(session, scope, await customers.customer_by_reference(session, scope, ref))


@router.get("/seller/customer/{customer}/status")
async def seller_status(
    session: SessionDep, scope: SellerScope, ref: CustomerRef
) -> dict[str, Any]:
    """A customer's points, level and purchase figures, for the seller's POS."""
    return await _status(session, scope, await customers.customer_by_reference(session, scope, ref))


@router.get("/customer/customer/{customer}/status")
async def own_status(session: SessionDep, caller: CallerDep, ref: CustomerRef) -> dict[str, Any]:
    """The signed-in customer's own figures; another customer's → 403."""
    customer = await customers.customer_by_reference(session, caller.scope, ref)
    require_self_or_staff(caller, customer.id)
    return await _status(session, caller.scope, customer)
