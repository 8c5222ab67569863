"""``/v1/stores/{store}/customers``: the canonical customer API."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from clientbook.customers import queries, service
from clientbook.customers.schemas import (
    CustomerCreate,
    CustomerOut,
    CustomerUpdate,
    SortField,
    SortOrder,
    Status,
)
from clientbook.customers.serialize import customer_document, etag
from clientbook.deps import ClaimsDep, DatabaseDep, SessionDep, StoreRef, StoreScopeDep
from clientbook.kit import idempotency
from clientbook.kit.errors import PreconditionFailed
from clientbook.kit.pagination import MAX_LIMIT
from clientbook.kit.responses import FastJSON, json_values

router = APIRouter(prefix="/v1/stores/{store}/customers", tags=["customers"])

IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=64)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
]


def expected_version(if_match: str | None) -> int | None:
    """``If-Match: "3"`` → 3; ``*`` or no header → no check."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise PreconditionFailed('If-Match must be an ETag this API gave out, like "3"')
    return int(tag)


def _one(customer: Any, status_code: int = 200, **headers: str) -> FastJSON:
    body = customer_document(customer)
    return FastJSON(body, status_code=status_code, headers={"ETag": etag(customer), **headers})


@router.post("", status_code=201, response_model=CustomerOut)
async def create_customer(
    data: CustomerCreate,
    session: SessionDep,
    scope: StoreScopeDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a customer. A retry with the same ``Idempotency-Key`` and body gets the same answer."""
    body_hash = idempotency.request_hash(data.model_dump_json(include=data.model_fields_set))
    if idempotency_key:
        replayed = await idempotency.replay(session, scope, idempotency_key, body_hash)
        if replayed is not None:
            return replayed
    customer = await service.create_customer(session, scope, data)
    location = f"/v1/stores/{scope.store_code}/customers/{customer.id}"
    response = _one(customer, 201, Location=location)
    if idempotency_key:
        content = json_values(customer_document(customer))
        await idempotency.remember(session, scope, idempotency_key, body_hash, response, content)
    return response


@router.get("", response_model=dict[str, Any], response_class=FastJSON)
async def list_customers(
    session: SessionDep,
    scope: StoreScopeDep,
    q: Annotated[str | None, Query(max_length=100, description="Search text")] = None,
    email: Annotated[str | None, Query(max_length=254)] = None,
    phone: Annotated[str | None, Query(max_length=64)] = None,
    name: Annotated[str | None, Query(max_length=100)] = None,
    is_active: bool | None = None,
    status: Status | None = None,
    label: Annotated[str | None, Query(max_length=320, description="key or key:value")] = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    updated_after: datetime | None = None,
    updated_before: datetime | None = None,
    sort: SortField = "created_at",
    order: SortOrder = "desc",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> FastJSON:
    """List and search customers. Page numbers give exact totals; ``cursor`` walks any size."""
    where = queries.CustomerFilter(
        q=q,
        email=email,
        phone=phone,
        name=name,
        is_active=is_active,
        status=status.value if status else None,
        label=label,
        created_after=created_after,
        created_before=created_before,
        updated_after=updated_after,
        updated_before=updated_before,
    )
    order_by = queries.Sort(sort, order)
    if cursor is not None:
        rows = await queries.find_customers(
            session, scope, where, order_by, limit=limit + 1, after=cursor or None
        )
        has_next = len(rows) > limit
        rows = rows[:limit]
        next_cursor = queries.cursor_of(rows[-1], order_by) if has_next else None
        pagination: dict[str, Any] = {
            "limit": limit,
            "has_next": has_next,
            "next_cursor": next_cursor,
        }
    else:
        rows, info = await queries.page_of(session, scope, where, order_by, page=page, limit=limit)
        pagination = info.as_dict()
        pagination["next_cursor"] = (
            queries.cursor_of(rows[-1], order_by) if rows and info.has_next else None
        )
    return FastJSON({"data": [customer_document(c) for c in rows], "pagination": pagination})


@router.get("/{customer_id}", response_model=CustomerOut)
async def get_customer(
    customer_id: uuid.UUID, database: DatabaseDep, claims: ClaimsDep, store: StoreRef
) -> Response:
    """One customer, with its version as the ETag."""
    return _one(await queries.customer_in_scope(database, claims, store, customer_id))


@router.patch("/{customer_id}", response_model=CustomerOut)
async def update_customer(
    customer_id: uuid.UUID,
    data: CustomerUpdate,
    session: SessionDep,
    scope: StoreScopeDep,
    if_match: IfMatch = None,
) -> Response:
    """Change some fields; ``null`` clears one. Send ``If-Match`` to refuse lost updates."""
    customer = await service.update_customer(
        session, scope, customer_id, data, if_match=expected_version(if_match)
    )
    return _one(customer)


@router.delete("/{customer_id}", status_code=204)
async def delete_customer(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep, if_match: IfMatch = None
) -> Response:
    """Soft-delete a customer; ``POST .../restore`` brings it back."""
    await service.delete_customer(session, scope, customer_id, if_match=expected_version(if_match))
    return Response(status_code=204)


@router.post("/{customer_id}/restore", response_model=CustomerOut)
async def restore_customer(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Undo a soft delete (409 if its e-mail or card was taken meanwhile)."""
    return _one(await service.restore_customer(session, scope, customer_id))


@router.post("/{customer_id}/activate", response_model=CustomerOut)
async def activate_customer(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Mark a customer active (this also lifts a block)."""
    return _one(await service.set_active(session, scope, customer_id, active=True))


@router.post("/{customer_id}/deactivate", response_model=CustomerOut)
async def deactivate_customer(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Mark a customer inactive."""
    return _one(await service.set_active(session, scope, customer_id, active=False))
