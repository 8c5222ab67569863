"""Jethings' customer API over the Clientbook services.

A Jethings customer is linked to stores through customer-store relations; in Clientbook
a customer belongs to one store, so each store-scoped customer *is* that relation
(see docs/decisions.md).
"""

import uuid
from typing import Any

from fastapi import APIRouter, Request

from clientbook.customers import pages, queries
from clientbook.customers import service as customers
from clientbook.customers.conditions import CustomerFilter
from clientbook.customers.fields import CustomerData, display_name
from clientbook.customers.schemas import CustomerCreate, CustomerUpdate
from clientbook.deps import SessionDep
from clientbook.kit.errors import BadRequest, NotFound
from clientbook.kit.requests import read_json_or_form
from clientbook.models import Customer
from clientbook.surfaces.common import HeaderStoreScope, derived_id, js_datetime

router = APIRouter(tags=["Jethings"])

SORTS = {
    "name": "name",
    "isActive": "is_active",
    "updatedAt": "updated_at",
    "createdAt": "created_at",
}


def _int(params: Any, name: str, default: int, low: int, high: int, message: str) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(message) from exc
    if not low <= value <= high:
        raise BadRequest(message)
    return value


def _bool(params: Any, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("true", "false", "1", "0"):
        raise BadRequest(f"Invalid {name} value: use true or false")
    return raw.lower() in ("true", "1")


def _choice(params: Any, name: str, default: str, allowed: list[str]) -> str:
    value = params.get(name) or default
    if value not in allowed:
        raise BadRequest(f"Invalid {name}: must be one of {', '.join(allowed)}")
    return str(value)


@router.get("/customers")
async def list_customers(request: Request, session: SessionDep, scope: HeaderStoreScope) -> Any:
    """Customers linked to the store, page by page."""
    params = request.query_params
    page = _int(params, "page", 1, 1, 1_000_000, "Invalid page number")
    limit = _int(params, "limit", 10, 1, 100, "Invalid limit: must be between 1 and 100")
    sort_by = _choice(params, "sortBy", "createdAt", list(SORTS))
    sort_order = _choice(params, "sortOrder", "desc", ["asc", "desc"])
    search, name = params.get("search"), params.get("name")
    for label, text in (("search", search), ("name", name)):
        if text is not None and len(text) > 100:
            raise BadRequest(f"Invalid {label}: at most 100 characters")
    where = CustomerFilter(q=search, name=name, is_active=_bool(params, "isActive"))
    sort = queries.Sort(SORTS[sort_by], sort_order)
    rows, info = await pages.page_of(session, scope, where, sort, page=page, limit=limit)
    return {
        "data": [_customer(c) for c in rows],
        "pagination": {
            "page": info.page,
            "limit": info.limit,
            "total": info.total,
            "totalPages": info.total_pages,
            "hasNext": info.has_next,
            "hasPrev": info.has_prev,
        },
    }


def _customer(customer: CustomerData) -> dict[str, Any]:
    return {
        "id": str(customer.id),
        "name": display_name(customer),
        "localName": customer.display_name,
        "defaultPriceListId": _str(customer.default_price_list_id),
        "userId": _str(customer.user_id),
        "isActive": customer.is_active,
        "createdAt": js_datetime(customer.created_at),
        "updatedAt": js_datetime(customer.updated_at),
    }


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


async def _body(request: Request) -> dict[str, Any]:
    raw = await read_json_or_form(request)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise BadRequest("The request body must be a JSON object")
    return raw


def _uuid(value: Any, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise BadRequest(f"{field} must be a UUID") from exc


def _text(value: Any, field: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{field} is required" if required else f"{field} must be a string")
    if len(value.strip()) > 200:
        raise BadRequest(f"{field} must be at most 200 characters")
    return value.strip()


@router.post("/customers", status_code=200)
async def create_customer(request: Request, session: SessionDep, scope: HeaderStoreScope) -> Any:
    """Create a customer linked to this store, optionally with a default price list."""
    body = await _body(request)
    local_name = _text(body.get("localName"), "localName", required=True)
    price_list_id = None
    if body.get("defaultPriceListId") is not None:
        price_list_id = _uuid(body["defaultPriceListId"], "defaultPriceListId")
    customer = await customers.create_customer(
        session,
        scope,
        CustomerCreate(display_name=local_name, default_price_list_id=price_list_id),
    )
    return {
        "customer": {
            "id": str(customer.id),
            "localName": customer.display_name,
            "defaultPriceListId": _str(customer.default_price_list_id),
            "isActive": customer.is_active,
            "createdAt": js_datetime(customer.created_at),
            "updatedAt": js_datetime(customer.updated_at),
        },
        "customerStore": {
            "id": str(derived_id("jethings-customer-store", customer.id)),
            "customerId": str(customer.id),
            "storeId": str(scope.store_id),
            "createdAt": js_datetime(customer.created_at),
        },
    }


def _price_list_answer(customer: Customer, message: str) -> dict[str, Any]:
    return {
        "success": True,
        "message": message,
        "customer": {
            "id": str(customer.id),
            "localName": customer.display_name,
            "defaultPriceListId": _str(customer.default_price_list_id),
            "isActive": customer.is_active,
            "updatedAt": js_datetime(customer.updated_at),
        },
    }


def _customer_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise NotFound("Customer not found") from exc


@router.put("/customers/{customer_id}/price-list")
async def set_price_list(
    customer_id: str, request: Request, session: SessionDep, scope: HeaderStoreScope
) -> Any:
    """Assign or change the customer's default price list, and optionally its name."""
    body = await _body(request)
    if body.get("priceListId") is None:
        raise BadRequest("priceListId is required")
    target = _customer_id(customer_id)
    await customers.get_customer(session, scope, target)
    price_list_id = _uuid(body["priceListId"], "priceListId")
    changes: dict[str, Any] = {"default_price_list_id": price_list_id}
    name = _text(body.get("name"), "name", required=False)
    if name is not None:
        changes["display_name"] = name
    customer = await customers.update_customer(
        session, scope, target, CustomerUpdate.model_validate(changes)
    )
    return _price_list_answer(customer, "Customer price list has been updated")


@router.delete("/customers/bulk")
async def bulk_delete(request: Request, session: SessionDep, scope: HeaderStoreScope) -> Any:
    """Remove customers from this store; ids of other stores are ignored."""
    body = await _body(request)
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids:
        raise BadRequest("No customer IDs provided")
    wanted = [_uuid(i, "ids") for i in ids]
    removed = await customers.delete_customers(session, scope, wanted)
    return {"message": "Customers removed from store", "deletedCount": removed}


@router.delete("/customers/{customer_id}/price-list")
async def remove_price_list(customer_id: str, session: SessionDep, scope: HeaderStoreScope) -> Any:
    """Take away the customer's default price list."""
    target = _customer_id(customer_id)
    customer = await customers.update_customer(
        session, scope, target, CustomerUpdate(default_price_list_id=None)
    )
    return _price_list_answer(customer, "Customer price list has been removed")
