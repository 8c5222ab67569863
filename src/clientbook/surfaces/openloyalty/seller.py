"""Open Loyalty's seller and placement endpoints: activate/deactivate as a seller, a
customer's point of sale (admin and seller), the POS customer search, and a level set or
removed by hand."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.addresses import service as addresses
from clientbook.customers import service as customers
from clientbook.customers.conditions import CustomerFilter, FieldMatch
from clientbook.customers.queries import Sort, find_customers
from clientbook.deps import SessionDep
from clientbook.kit import untrusted
from clientbook.kit.db import utcnow
from clientbook.kit.errors import BadRequest, ValidationFailed
from clientbook.loyalty import figures, points_of_sale, tiers
from clientbook.loyalty.tiers import list_tiers
from clientbook.models import PointOfSale
from clientbook.stores import service as stores
from clientbook.stores.scope import StoreScope
from clientbook.surfaces.openloyalty import serialize
from clientbook.surfaces.openloyalty.access import AdminScope, SellerScope
from clientbook.surfaces.openloyalty.dates import zone
from clientbook.surfaces.openloyalty.forms import read_params

router = APIRouter(prefix="/api/{storeCode}", tags=["Open Loyalty"])

CustomerRef = Annotated[
    str, Path(alias="customer", max_length=64, description="UUID or loyalty card number")
]
# More matches than this and the POS search asks for more criteria (Open Loyalty's
# "too many results"): a seller picks one customer, never pages through a list.
SEARCH_LIMIT = 20
TOO_MANY = "too many results"


def _uuid_param(params: dict[str, Any], name: str) -> uuid.UUID:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed.field(name, "is required")
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise ValidationFailed.field(name, "is not a valid UUID") from None


# --- activation by a seller -------------------------------------------------------------


async def _set_active(session: AsyncSession, scope: StoreScope, ref: str, active: bool) -> Response:
    customer = await customers.customer_by_reference(session, scope, ref)
    await customers.set_active(session, scope, customer.id, active=active)
    return Response(status_code=200)


@router.post("/seller/customer/{customer}/activate")
async def seller_activate(session: SessionDep, scope: SellerScope, ref: CustomerRef) -> Response:
    """Activate a customer from the seller's app: 200, no content (the service's rule:
    an admin or owner of the store; a seller alone → 403)."""
    return await _set_active(session, scope, ref, True)


@router.post("/seller/customer/{customer}/deactivate")
async def seller_deactivate(session: SessionDep, scope: SellerScope, ref: CustomerRef) -> Response:
    """Deactivate a customer from the seller's app: 200, no content (as ``activate``)."""
    return await _set_active(session, scope, ref, False)


# --- point of sale ----------------------------------------------------------------------


async def _assign_pos(request: Request, session: AsyncSession, scope: StoreScope, ref: str) -> None:
    pos_id = _uuid_param(await read_params(request), "posId")
    customer = await customers.customer_by_reference(session, scope, ref)
    await points_of_sale.assign_customer(session, scope, customer.id, pos_id)


@router.post("/customer/{customer}/pos")
async def assign_pos(
    request: Request, session: SessionDep, scope: AdminScope, ref: CustomerRef
) -> list[Any]:
    """Assign the customer to a point of sale (``posId``): 200 ``[]``."""
    await _assign_pos(request, session, scope, ref)
    return []


@router.post("/seller/customer/{customer}/pos")
async def seller_assign_pos(
    request: Request, session: SessionDep, scope: SellerScope, ref: CustomerRef
) -> Response:
    """Assign the customer to a point of sale from the seller's app: 200, no content."""
    await _assign_pos(request, session, scope, ref)
    return Response(status_code=200)


# --- level by hand ----------------------------------------------------------------------


@router.post("/customer/{customer}/level")
async def assign_level(
    request: Request, session: SessionDep, scope: AdminScope, ref: CustomerRef
) -> list[Any]:
    """Put the customer on a level (``levelId``) by hand, a floor until removed: 200 ``[]``."""
    level_id = _uuid_param(await read_params(request), "levelId")
    customer = await customers.customer_by_reference(session, scope, ref)
    await tiers.set_manual_tier(session, scope, customer.id, level_id, utcnow())
    return []


@router.post("/customer/{customer}/remove-manually-level", status_code=204)
async def remove_manual_level(session: SessionDep, scope: AdminScope, ref: CustomerRef) -> Response:
    """Remove the level set by hand; the customer's level is worked out again: 204."""
    customer = await customers.customer_by_reference(session, scope, ref)
    await tiers.set_manual_tier(session, scope, customer.id, None, utcnow())
    return Response(status_code=204)


# --- POS search -------------------------------------------------------------------------

_SEARCHED = {
    "loyaltyCardNumber": "loyalty_card_number",
    "firstName": "first_name",
    "lastName": "last_name",
    "city": "city",
    "postcode": "postal_code",
}


def _criteria(params: dict[str, Any]) -> CustomerFilter:
    given = params.get("search")
    if not isinstance(given, dict):
        given = {}
    values: dict[str, str] = {}
    for name in (
        "loyaltyCardNumber",
        "phone",
        "email",
        "firstName",
        "lastName",
        "city",
        "postcode",
    ):
        value = given.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value) > 254:
            raise ValidationFailed.field(f"search.{name}", "must be text of at most 254 characters")
        untrusted.check_text(value, f"search.{name}")
        values[name] = value.strip()
    if not values:
        raise BadRequest(TOO_MANY)  # no criterion matches every customer
    return CustomerFilter(
        email=values.get("email"),
        phone=values.get("phone"),
        fields=tuple(
            FieldMatch(field, values[name], exact=True)
            for name, field in _SEARCHED.items()
            if name in values
        ),
    )


@router.post("/pos/search/customer")
async def pos_search(request: Request, session: SessionDep, scope: SellerScope) -> Response:
    """Find customers at the counter by card, phone, e-mail, name, city or post code (each
    its whole value, ignoring case): ``{"customers": [...]}``; more than a few → 400."""
    where = _criteria(await read_params(request))
    try:
        rows = await find_customers(
            session, scope, where, Sort("created_at", "desc"), limit=SEARCH_LIMIT + 1
        )
    except ValidationFailed as exc:
        if exc.errors and exc.errors[0].field == "phone":  # no number anyone could have
            return JSONResponse({"customers": []})
        raise
    if len(rows) > SEARCH_LIMIT:
        raise BadRequest(TOO_MANY)
    return JSONResponse({"customers": await _documents(session, scope, rows)})


async def _documents(session: AsyncSession, scope: StoreScope, rows: list[Any]) -> list[Any]:
    ids = [row.id for row in rows]
    store = await stores.get_store(session, scope)
    ctx = serialize.Context(store.currency.lower(), zone(store.timezone))
    stats = await figures.purchase_stats(session, scope, ids)
    places = await addresses.default_addresses(session, scope, ids)
    tier_of = await figures.tier_ids(session, scope, ids)
    tiers_by_id = {tier.id: tier for tier in await list_tiers(session, scope)}
    pos_ids = {row.pos_id for row in rows if row.pos_id is not None}
    pos_by_id: dict[uuid.UUID, PointOfSale] = {}
    for pos_id in pos_ids:
        pos_by_id[pos_id] = await points_of_sale.get_pos(session, scope, pos_id)
    found = []
    for row in rows:
        tier = tiers_by_id.get(tier_of[row.id]) if row.id in tier_of else None
        document = serialize.details(row, stats.get(row.id), places.get(row.id), tier, ctx)
        pos = pos_by_id.get(row.pos_id) if row.pos_id else None
        if pos is not None:
            document = {"posId": str(pos.id), **document, "posIdentifier": pos.identifier}
        found.append(document)
    return found
