"""Aimeos' ``/jsonapi`` customer resource over the Clientbook services: discovery, the
signed-in customer's own record, self sign-up, and its addresses, properties and
groups (``related=...``). No id in a query or body reaches another customer."""

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.addresses import service as addresses
from clientbook.addresses.schemas import AddressCreate, AddressUpdate
from clientbook.customer_accounts import closing, contact, cookies, credentials, signup
from clientbook.customer_accounts import service as sign_ins
from clientbook.customer_accounts.deps import ThrottleDep, client_ip
from clientbook.customer_accounts.schemas import ContactChange
from clientbook.customer_accounts.scope import scope_of_new_session
from clientbook.customer_accounts.signup_limit import SignupLimit
from clientbook.customers.fields import same_number
from clientbook.customers.schemas import CustomerCreate, CustomerUpdate
from clientbook.customers.service import get_customer, update_customer
from clientbook.deps import DatabaseDep, SessionDep, StorageDep
from clientbook.groups.service import groups_by_customer
from clientbook.kit.contact import email_key
from clientbook.kit.errors import (
    ClientbookError,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from clientbook.properties import service as properties
from clientbook.surfaces.aimeos import attributes as attrs
from clientbook.surfaces.aimeos.access import (
    COOKIE_PATH,
    PRE_SESSION_COOKIE,
    Visitor,
    VisitorDep,
    json_body,
)
from clientbook.surfaces.aimeos.description import CUSTOMER_ATTRIBUTES
from clientbook.surfaces.aimeos.document import (
    base_url,
    href,
    meta,
    related_links,
    resource_url,
)
from clientbook.surfaces.aimeos.items import (
    OWN_ITEM,
    address_item,
    anonymous_document,
    customer_document,
    group_relationship,
    other_addresses,
    property_item,
)
from clientbook.surfaces.aimeos.params import PREFIX, param
from clientbook.surfaces.aimeos.related import add_related, delete_related, update_related
from clientbook.surfaces.aimeos.replies import (
    answer,
    check_id,
    related_id,
    related_name,
    signed_in,
    validated,
)

router = APIRouter(prefix="/jsonapi", tags=["Aimeos"])

# --- discovery -------------------------------------------------------------------------


def _resources(request: Request) -> dict[str, str]:
    url = resource_url(request)
    return {"customer": url, **{k: v["href"] for k, v in related_links(request, None).items()}}


def _discovery(request: Request) -> dict[str, Any]:
    return {
        "meta": {
            "csrf": meta(request, total=0)["csrf"],
            "prefix": PREFIX,
            "content-baseurl": f"{base_url(request)}/",
            "resources": _resources(request),
        }
    }


@router.options("")
async def discover(request: Request, visitor: VisitorDep) -> Response:
    """The CSRF token, the query prefix and the URL of each resource."""
    return answer(visitor, _discovery(request))


@router.options("/customer")
async def describe_customer(request: Request, visitor: VisitorDep) -> Response:
    """As ``OPTIONS /jsonapi``, with the attributes a customer can send."""
    body = _discovery(request)
    body["meta"]["attributes"] = CUSTOMER_ATTRIBUTES
    return answer(visitor, body)


# --- the customer ----------------------------------------------------------------------


@router.get("/customer")
async def get_customer_document(
    request: Request, database: DatabaseDep, visitor: VisitorDep
) -> Response:
    """The signed-in customer (the empty item when nobody is), or its related items."""
    related = related_name(request)
    if visitor.customer is None:
        if related is not None:
            raise Unauthorized("Sign in first")
        return answer(visitor, anonymous_document(request))
    check_id(request, visitor.customer)
    async with database.reading() as reader:
        if related is not None:
            body = await _related_document(request, reader, visitor, related)
        else:
            body = await customer_document(request, reader, visitor)
    return answer(visitor, body)


async def _related_document(
    request: Request, session: AsyncSession, visitor: Visitor, related: str
) -> dict[str, Any]:
    assert visitor.customer is not None
    customer_id = visitor.customer.customer_id
    found: list[dict[str, Any]]
    if related == "address":
        found = [address_item(request, row) for row in await other_addresses(session, visitor)]
    elif related == "property":
        rows = await properties.list_properties(session, visitor.scope, customer_id)
        found = [property_item(request, row) for row in rows]
    else:
        await get_customer(session, visitor.scope, customer_id)
        groups = (await groups_by_customer(session, visitor.scope, [customer_id]))[customer_id]
        found = [group_relationship(request, customer_id, group) for group in groups]
    item_id = related_id(request)
    data: Any = found
    if item_id is not None:
        data = next((item for item in found if item["id"] == str(item_id)), None)
        if data is None:
            raise NotFound("Item not found")
    return {
        "meta": meta(request, total=1 if item_id else len(found)),
        "links": {"self": str(request.url)},
        "data": data,
        "included": [],
    }


@router.post("/customer", status_code=201)
async def create_customer(
    request: Request, session: SessionDep, database: DatabaseDep, visitor: VisitorDep
) -> Response:
    """Nobody signed in: open an account (only its id is answered). Signed in, with
    ``related=address|property``: add those items."""
    related = related_name(request)
    body = await json_body(request)
    if visitor.customer is None:
        if related is not None:
            raise Unauthorized("Sign in first")
        return await _sign_up(request, session, database, visitor, body)
    check_id(request, visitor.customer)
    if related is None:
        raise Forbidden("You are signed in; change your account with PATCH")
    return await add_related(request, session, visitor, related, body)


async def _sign_up(
    request: Request, session: AsyncSession, database: Any, visitor: Visitor, body: Any
) -> Response:
    data = attrs.customer_input(attrs.items(body)[0])
    rename = attrs.customer_name(data.telephone)
    try:
        fields = _new_customer(data)
        address = None
        if any(value is not None for value in data.address.values()):
            address = validated(AddressCreate, {**data.address, "type": "both", "is_default": True})
        if not fields.email:
            raise ValidationFailed.field("email", "is required")
        limit: SignupLimit = request.app.state.aimeos_signup_limit
        await limit.count(visitor.store.id, client_ip(request))
        new_id = await signup.sign_up(
            session, database, visitor.store, fields, address=address, password=data.password
        )
    except ClientbookError as exc:
        raise attrs.named(exc, rename) from None
    # An e-mail that has an account makes nothing; the answer looks the same (its owner
    # is told instead), so signing up reveals nobody.
    own = str(new_id or uuid.uuid4())
    document = {
        "meta": meta(request, total=1),
        "links": {"self": resource_url(request)},
        "data": {
            "id": own,
            "type": "customer",
            "links": {"self": {"href": href(request, f"id={own}"), "allow": OWN_ITEM}},
            "attributes": {"customer.id": own},
        },
        "included": [],
    }
    return answer(visitor, document, 201, {"Location": href(request, f"id={own}")})


def _code_is_email(data: attrs.CustomerInput) -> None:
    """``customer.code`` is the e-mail: alone it sets it, with a different e-mail it is
    refused (the document warns against the two differing)."""
    if data.code is None:
        return
    email = data.fields.get("email")
    if email is None:
        data.fields["email"] = data.code
    elif email_key(email) != email_key(data.code):
        raise ValidationFailed.field("customer.code", "must be the same as customer.email")


def _new_customer(data: attrs.CustomerInput) -> CustomerCreate:
    _code_is_email(data)
    values = dict(data.fields)
    if any(value is not None for value in data.company.values()):
        values["company"] = data.company
    return validated(CustomerCreate, values)


@router.patch("/customer")
async def update_customer_document(
    request: Request, session: SessionDep, visitor: VisitorDep
) -> Response:
    """Change some attributes of the signed-in customer (or, with ``related`` and
    ``relatedid``, one of its addresses or properties)."""
    customer = signed_in(visitor)
    check_id(request, customer)
    related = related_name(request)
    body = await json_body(request)
    if related is not None:
        return await update_related(request, session, visitor, related, body)
    data = attrs.customer_input(attrs.items(body)[0])
    try:
        pending = await _patch_customer(session, visitor, data)
    except ClientbookError as exc:
        raise attrs.named(exc, attrs.customer_name(data.telephone)) from None
    own = str(customer.customer_id)
    document = await customer_document(
        request,
        session,
        visitor,
        telephone=data.telephone,
        links={"self": href(request, f"id={own}")},
    )
    if pending:
        document["meta"]["pending"] = pending
    return answer(visitor, document)


async def _patch_customer(
    session: AsyncSession, visitor: Visitor, data: attrs.CustomerInput
) -> dict[str, str]:
    """Write the changes; a new e-mail or phone is confirmed first (as everywhere in
    Clientbook): the answer names it under ``meta.pending`` until then."""
    assert visitor.customer is not None
    scope, customer_id = visitor.scope, visitor.customer.customer_id
    _code_is_email(data)
    values = dict(data.fields)
    current = await get_customer(session, scope, customer_id, for_update=True)
    pending = {}
    if "email" in values:
        email = values.pop("email")
        if email is None:
            raise ValidationFailed.field("email", "must not be empty: it signs the customer in")
        if email_key(email) != current.email_key:
            change = validated(ContactChange, {"email": email})
            await contact.request_change(session, visitor.config, visitor.customer, change)
            pending["customer.email"] = email
    phone = values.get("phone")
    if phone is not None:
        del values["phone"]
        if not same_number(current, phone, scope.country):
            change = validated(ContactChange, {"phone": phone})
            await contact.request_change(session, visitor.config, visitor.customer, change)
            pending[data.telephone] = phone
    if data.company:
        values["company"] = {
            "name": current.company_name,
            "tax_id": current.company_tax_id,
            **data.company,
        }
    await update_customer(session, scope, customer_id, validated(CustomerUpdate, values))
    if data.address:
        await _write_default_address(session, visitor, data.address)
    if data.password:
        await credentials.set_own_password(session, visitor.customer, data.password)
    return pending


async def _write_default_address(
    session: AsyncSession, visitor: Visitor, values: dict[str, Any]
) -> None:
    assert visitor.customer is not None
    scope, customer_id = visitor.scope, visitor.customer.customer_id
    address = await addresses.marked_default(session, scope, customer_id)
    if address is None:
        fields = {**values, "type": "both", "is_default": True}
        await addresses.add_address(session, scope, customer_id, validated(AddressCreate, fields))
    else:
        changes = validated(AddressUpdate, values)
        await addresses.update_address(session, scope, customer_id, address.id, changes)


@router.delete("/customer")
async def delete_customer(
    request: Request, session: SessionDep, storage: StorageDep, visitor: VisitorDep
) -> Response:
    """Close the signed-in customer's own account (its personal data is erased; orders
    stay), or remove one of its related items. Always a success for the account: also
    when nobody is signed in or ``id`` names another customer (nothing happens then)."""
    related = related_name(request)
    if related is not None:
        customer = signed_in(visitor)
        check_id(request, customer)
        await delete_related(request, session, visitor, related)
        return answer(visitor, {"meta": meta(request, total=1)})
    given = param(request, "id")
    own = visitor.customer
    if own is not None and given in (None, str(own.customer_id)):
        await closing.close_own_account(session, own, storage)
        visitor = visitor.signed_out()
        request.state.aimeos_visitor = visitor
    return answer(visitor, {"meta": meta(request, total=0)})


# --- related items ---------------------------------------------------------------------


# --- signing in ------------------------------------------------------------------------


@router.post("/session")
async def sign_in(
    request: Request,
    session: SessionDep,
    database: DatabaseDep,
    throttle: ThrottleDep,
    visitor: VisitorDep,
) -> Response:
    """A browser signs in (``customer.code`` or ``customer.email``, and
    ``customer.password``): a session cookie, and the customer document with the
    session's CSRF token. Needs the pre-session ``_token`` like any POST."""
    item = attrs.items(await json_body(request))[0]
    username = item.get("customer.code") or item.get("customer.email")
    password = item.get("customer.password")
    for name, value in (("customer.code", username), ("customer.password", password)):
        if not isinstance(value, str) or not value:
            raise ValidationFailed.field(name, "is required")
    assert isinstance(username, str)
    assert isinstance(password, str)
    store = visitor.store
    session_id = await sign_ins.sign_in(
        session,
        database,
        visitor.config,
        throttle,
        store,
        username=username,
        password=password,
        ip=client_ip(request),
    )
    holder = Response()
    csrf = await cookies.start(session, visitor.config, store, session_id, holder, path=COOKIE_PATH)
    own = await scope_of_new_session(session, store, session_id)
    signed_in = Visitor(store, own, csrf, visitor.config)
    request.state.aimeos_visitor = signed_in
    response = answer(signed_in, await customer_document(request, session, signed_in))
    for value in holder.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", value)
    response.delete_cookie(PRE_SESSION_COOKIE, path=COOKIE_PATH)
    return response


@router.delete("/session")
async def sign_out(request: Request, session: SessionDep, visitor: VisitorDep) -> Response:
    """End the session (cookie or token); the answer carries a new pre-session token."""
    if visitor.customer is not None:
        await sign_ins.revoke_session(session, visitor.store, visitor.customer.session_id)
    visitor = visitor.signed_out()
    request.state.aimeos_visitor = visitor
    return answer(visitor, anonymous_document(request))
