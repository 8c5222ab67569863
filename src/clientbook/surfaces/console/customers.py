"""Finding customers, a customer's page, and changing a customer."""

import uuid
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from clientbook.addresses import service as addresses
from clientbook.audit import service as audit
from clientbook.customers import pages, service
from clientbook.customers.conditions import CustomerFilter
from clientbook.customers.queries import Sort
from clientbook.customers.schemas import CustomerCreate, CustomerUpdate
from clientbook.customers.serialize import customer_document
from clientbook.deps import SessionDep
from clientbook.files import service as files
from clientbook.groups import service as groups
from clientbook.kit.errors import ClientbookError, NotFound
from clientbook.loyalty import history, status_reads, tiers
from clientbook.loyalty.wallets import list_wallets
from clientbook.models import User
from clientbook.optics import service as optics
from clientbook.surfaces.console import forms
from clientbook.surfaces.console.deps import Console, ConsoleDep
from clientbook.surfaces.console.render import errors_by_field, render, see_other

router = APIRouter(prefix="/console/{store}", include_in_schema=False)
PAGE_SIZE = 25
FETCHED = "x-console-fetch"  # the search box's own requests: only the results


class ListQuery(BaseModel):
    q: str | None = Field(None, max_length=100)
    is_active: Literal["", "true", "false"] = ""
    label: str | None = Field(None, max_length=320)
    group: uuid.UUID | Literal[""] | None = None
    tier: uuid.UUID | Literal[""] | None = None
    sort: Literal["created_at", "name", "email", "updated_at"] = "created_at"
    order: Literal["asc", "desc"] = "desc"
    page: int = Field(1, ge=1, le=100_000)

    def filter(self) -> CustomerFilter:
        return CustomerFilter(
            q=self.q,
            is_active=None if not self.is_active else self.is_active == "true",
            label=(self.label or "").strip() or None,
            group_id=self.group or None,
            tier_id=self.tier or None,
        )

    def link(self, **changes: Any) -> str:
        """This list's query string with some parameters changed (sort links, pages)."""
        values = {**self.model_dump(), **changes}
        pairs = [(k, str(v)) for k, v in values.items() if v not in (None, "")]
        return "?" + urlencode(pairs)


@router.get("/customers")
async def customer_list(
    request: Request,
    session: SessionDep,
    console: ConsoleDep,
    query: Annotated[ListQuery, Query()],
) -> Response:
    """The list: search as you type, filters, sort and pages."""
    rows, info = await pages.page_of(
        session,
        console.scope,
        query.filter(),
        Sort(query.sort, query.order),
        page=query.page,
        limit=PAGE_SIZE,
        estimate=True,
    )
    context: dict[str, Any] = {
        "console": console,
        "query": query,
        "customers": [customer_document(row) for row in rows],
        "info": info,
    }
    if FETCHED in request.headers:
        return render(request, "customers/results.html", **context)
    context["groups"] = await groups.list_groups(session, console.scope)
    context["tiers"] = await tiers.list_tiers(session, console.scope)
    return render(request, "customers/list.html", title="Customers", **context)


@router.get("/customers/new")
async def new_customer_page(request: Request, console: ConsoleDep) -> Response:
    return render(
        request, "customers/new.html", title="New customer", console=console, values={}, errors={}
    )


@router.post("/customers/new")
async def create_customer(request: Request, session: SessionDep, console: ConsoleDep) -> Response:
    form = await request.form()
    data = {k: v for k, v in forms.profile_data(form).items() if v not in (None, [], {})}
    try:
        customer = await service.create_customer(
            session, console.scope, forms.parse(CustomerCreate, data)
        )
    except ClientbookError as exc:
        if not exc.errors:
            raise
        await session.rollback()
        return render(
            request,
            "customers/new.html",
            exc.status_code,
            title="New customer",
            console=console,
            values=dict(form),
            errors=errors_by_field(exc.errors),
            message=exc.detail,
        )
    return see_other(f"{console.base}/customers/{customer.id}")


@router.get("/customers/{customer_id}")
async def customer_page(
    request: Request, session: SessionDep, console: ConsoleDep, customer_id: uuid.UUID
) -> Response:
    """Everything about one customer on one page."""
    return await page_response(request, session, console, customer_id)


async def page_response(
    request: Request,
    session: SessionDep,
    console: Console,
    customer_id: uuid.UUID,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    tab_errors: dict[str, dict[str, str]] | None = None,
) -> Response:
    scope = console.scope
    customer = await service.get_customer(session, scope, customer_id, deleted=console.is_admin)
    document = customer_document(customer)
    context: dict[str, Any] = {
        "console": console,
        "customer": document,
        "deleted": customer.deleted_at is not None,
        "values": values or _profile_values(document),
        "errors": errors or {},
        "message": message,
        "tab_errors": tab_errors or {},
        "title": document["name"] or "Customer",
    }
    if customer.deleted_at is None:
        context.update(await _records(session, console, customer_id))
    return render(request, "customers/page.html", status_code, **context)


async def _records(session: SessionDep, console: Console, customer_id: uuid.UUID) -> dict[str, Any]:
    scope = console.scope
    events = await audit.events_of(session, scope, customer_id, offset=0, limit=15)
    actor_ids = {e.actor_user_id for e in events if e.actor_user_id is not None}
    actors: dict[uuid.UUID, str] = {}
    if actor_ids:
        found = await session.execute(select(User.id, User.email).where(User.id.in_(actor_ids)))
        actors = {row.id: row.email for row in found}
    purchases, purchase_count = await history.customer_purchases(
        session, scope, customer_id, history.PurchaseFilter(), offset=0, limit=10
    )
    return {
        "addresses": await addresses.list_addresses(session, scope, customer_id),
        "files": await files.list_files(session, scope, customer_id),
        "prescriptions": await optics.list_prescriptions(session, scope, customer_id),
        "loyalty": await status_reads.status_in_session(session, scope, customer_id),
        "wallets": await list_wallets(session, scope),
        "entries": await history.customer_entries(session, scope, customer_id, limit=15),
        "purchases": purchases,
        "purchase_count": purchase_count,
        "groups": await groups.groups_of_customer(session, scope, customer_id),
        "events": events,
        "actors": actors,
    }


def _profile_values(document: dict[str, Any]) -> dict[str, Any]:
    values = {name: document.get(name) or "" for name in forms.PROFILE_FIELDS}
    values["company_name"] = (document.get("company") or {}).get("name") or ""
    values["labels"] = forms.labels_text(document.get("labels") or [])
    values["metadata"] = forms.metadata_text(document.get("metadata") or {})
    return values


@router.post("/customers/{customer_id}")
async def update_customer(
    request: Request, session: SessionDep, console: ConsoleDep, customer_id: uuid.UUID
) -> Response:
    """The profile form: field errors as the API gives them, next to their fields."""
    form = await request.form()
    version = forms.text(form, "version")
    try:
        data = forms.parse(CustomerUpdate, forms.profile_data(form))
        await service.update_customer(
            session,
            console.scope,
            customer_id,
            data,
            if_match=int(version) if version and version.isdigit() else None,
        )
    except ClientbookError as exc:
        if isinstance(exc, NotFound):
            raise
        await session.rollback()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return await page_response(
            request,
            session,
            console,
            customer_id,
            status_code=exc.status_code,
            values=values,
            errors=errors_by_field(exc.errors) or {"_form": exc.detail},
            message=exc.detail,
        )
    return see_other(f"{console.base}/customers/{customer_id}?saved=1")


Action = Literal["activate", "deactivate", "delete", "restore"]


@router.post("/customers/{customer_id}/{action}")
async def change_state(
    session: SessionDep, console: ConsoleDep, customer_id: uuid.UUID, action: Action
) -> Response:
    """Activate, deactivate, delete (admin) or restore (admin); the services say who may."""
    scope = console.scope
    if action == "activate" or action == "deactivate":
        await service.set_active(session, scope, customer_id, active=action == "activate")
    elif action == "delete":
        await service.delete_customer(session, scope, customer_id)
    else:
        await service.restore_customer(session, scope, customer_id)
    return see_other(f"{console.base}/customers/{customer_id}")
