"""``/v1/stores/{store}/customers``: the canonical customer API."""

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field

from clientbook.customers import pages, queries, reads, service
from clientbook.customers.conditions import CustomerFilter
from clientbook.customers.schemas import (
    CustomerCreateBody,
    CustomerOut,
    CustomerUpdate,
    SortField,
    SortOrder,
    Status,
)
from clientbook.customers.serialize import customer_document, etag
from clientbook.deps import ClaimsDep, DatabaseDep, SessionDep, StoreRef, StoreScopeDep
from clientbook.duplicates.merge import merged_into
from clientbook.kit import idempotency
from clientbook.kit.errors import NotFound, PreconditionFailed, ValidationFailed
from clientbook.kit.pagination import MAX_LIMIT, PageInfo
from clientbook.kit.responses import FastJSON, json_values
from clientbook.kit.schemas import QueryInstant
from clientbook.loyalty import referrals
from clientbook.loyalty.filters import PurchaseFilter
from clientbook.stores.scope import resolve_store_scope

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
    data: CustomerCreateBody,
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
    await referrals.customer_created(session, scope, customer, data.referral_code)
    location = f"/v1/stores/{scope.store_code}/customers/{customer.id}"
    response = _one(customer, 201, Location=location)
    if idempotency_key:
        content = json_values(customer_document(customer))
        await idempotency.remember(session, scope, idempotency_key, body_hash, response, content)
    return response


class ListQuery(BaseModel):
    """The list's query string, read as one model: FastAPI's per-parameter handling cost
    more than the page's SQL when these were 17 separate parameters."""

    q: str | None = Field(None, max_length=100, description="Search text")
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=100)
    is_active: bool | None = None
    status: Status | None = None
    label: str | None = Field(None, max_length=320, description="key or key:value")
    created_after: QueryInstant | None = None
    created_before: QueryInstant | None = None
    updated_after: QueryInstant | None = None
    updated_before: QueryInstant | None = None
    # Open Loyalty's filters on completed purchases (returns taken off).
    transactions_amount_from: Decimal | None = Field(None, ge=0, le=10**12)
    transactions_amount_to: Decimal | None = Field(None, ge=0, le=10**12)
    average_transaction_amount_from: Decimal | None = Field(None, ge=0, le=10**12)
    average_transaction_amount_to: Decimal | None = Field(None, ge=0, le=10**12)
    transactions_count_from: int | None = Field(None, ge=0, le=10**9)
    transactions_count_to: int | None = Field(None, ge=0, le=10**9)
    days_from_last_transaction_to: int | None = Field(None, ge=0, le=100_000)
    sort: SortField = "created_at"
    order: SortOrder = "desc"
    page: int = Field(1, ge=1, le=1_000_000)
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=512)
    total: Literal["exact", "estimate"] = Field(
        "exact",
        description="`estimate`: a large filtered total may be the database's estimate "
        "(`total_is_exact: false`), which costs no count",
    )

    def filter(self) -> CustomerFilter:
        return CustomerFilter(
            q=self.q,
            email=self.email,
            phone=self.phone,
            name=self.name,
            is_active=self.is_active,
            status=self.status.value if self.status else None,
            label=self.label,
            created_after=self.created_after,
            created_before=self.created_before,
            updated_after=self.updated_after,
            updated_before=self.updated_before,
            purchases=PurchaseFilter(
                transactions_amount_from=self.transactions_amount_from,
                transactions_amount_to=self.transactions_amount_to,
                average_transaction_amount_from=self.average_transaction_amount_from,
                average_transaction_amount_to=self.average_transaction_amount_to,
                transactions_count_from=self.transactions_count_from,
                transactions_count_to=self.transactions_count_to,
                days_from_last_transaction_to=self.days_from_last_transaction_to,
            ),
        )


@router.get("", response_model=dict[str, Any], response_class=FastJSON)
async def list_customers(
    session: SessionDep,
    database: DatabaseDep,
    claims: ClaimsDep,
    store: StoreRef,
    query: Annotated[ListQuery, Query()],
) -> FastJSON:
    """List and search customers. Totals are exact unless ``total=estimate``; ``has_next``
    always comes from the rows; ``cursor`` walks any size."""
    where = query.filter()
    page, limit, cursor = query.page, query.limit, query.cursor
    order_by = queries.Sort(query.sort, query.order)
    if cursor is None and where == CustomerFilter() and queries.has_cursors(order_by):
        customers, info = await reads.unfiltered_page(
            database, claims, store, order_by, page=page, limit=limit
        )
        return _page(customers, info, order_by)
    scope = await resolve_store_scope(session, claims, store)
    if cursor is not None and not queries.has_cursors(order_by):
        raise ValidationFailed.field("cursor", f"is not available with sort={query.sort}")
    if cursor is not None:
        rows = await queries.find_customers(
            session, scope, where, order_by, limit=limit + 1, after=cursor or None
        )
        has_next = len(rows) > limit
        rows = rows[:limit]
        next_cursor = (
            queries.cursor_of(rows[-1], order_by)
            if has_next and queries.has_cursors(order_by)
            else None
        )
        pagination: dict[str, Any] = {
            "limit": limit,
            "has_next": has_next,
            "next_cursor": next_cursor,
        }
        return FastJSON({"data": [customer_document(c) for c in rows], "pagination": pagination})
    rows, info = await pages.page_of(
        session,
        scope,
        where,
        order_by,
        page=page,
        limit=limit,
        estimate=query.total == "estimate",
    )
    return _page(rows, info, order_by)


def _page(rows: Sequence[Any], info: PageInfo, order_by: queries.Sort) -> FastJSON:
    pagination = info.as_dict()
    pagination["next_cursor"] = (
        queries.cursor_of(rows[-1], order_by)
        if rows and info.has_next and queries.has_cursors(order_by)
        else None
    )
    return FastJSON({"data": [customer_document(c) for c in rows], "pagination": pagination})


@router.get("/{customer_id}", response_model=CustomerOut)
async def get_customer(
    customer_id: uuid.UUID, database: DatabaseDep, claims: ClaimsDep, store: StoreRef
) -> Response:
    """One customer, with its version as the ETag. A customer merged into another
    answers 404 with ``merged_into``, the survivor's id."""
    try:
        return _one(await reads.customer_in_scope(database, claims, store, customer_id))
    except NotFound:
        async with database.reading() as session:
            scope = await resolve_store_scope(session, claims, store)
            survivor = await merged_into(session, scope, customer_id)
        if survivor is None:
            raise
        raise NotFound(
            f"Customer was merged into {survivor}", extra={"merged_into": str(survivor)}
        ) from None


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
    """Mark a customer active (a seller may; lifting a block needs an admin)."""
    return _one(await service.set_active(session, scope, customer_id, active=True))


@router.post("/{customer_id}/deactivate", response_model=CustomerOut)
async def deactivate_customer(
    customer_id: uuid.UUID, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Mark a customer inactive (a seller may)."""
    return _one(await service.set_active(session, scope, customer_id, active=False))
