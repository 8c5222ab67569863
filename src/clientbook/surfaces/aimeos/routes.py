"""Aimeos' ``/jsonapi`` customer resource over the Clientbook services: discovery, the
signed-in customer's own record, self sign-up, and its addresses, properties and
groups (``related=...``). No id in a query or body reaches another customer."""

import uuid
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.addresses import service as addresses
from clientbook.addresses.schemas import AddressCreate, AddressUpdate
from clientbook.customer_accounts import closing, contact, cookies, credentials, signup
from clientbook.customer_accounts import service as sign_ins
from clientbook.customer_accounts.deps import ThrottleDep, client_ip
from clientbook.customer_accounts.schemas import ContactChange
from clientbook.customer_accounts.scope import CustomerScope, scope_of_new_session
from clientbook.customer_accounts.signup_limit import SignupLimit
from clientbook.customers.fields import same_number
from clientbook.customers.schemas import CustomerCreate, CustomerUpdate
from clientbook.customers.service import get_customer, update_customer
from clientbook.deps import DatabaseDep, SessionDep, StorageDep
from clientbook.groups.service import groups_by_customer
from clientbook.kit.contact import email_key
from clientbook.kit.errors import (
    BadRequest,
    ClientbookError,
    FieldError,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
    field_errors,
)
from clientbook.properties import service as properties
from clientbook.properties.schemas import PropertyCreate, PropertyUpdate
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
    JsonApiResponse,
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

router = APIRouter(prefix="/jsonapi", tags=["Aimeos"])

M = TypeVar("M", bound=BaseModel)
RELATED = ("address", "property", "relationships")
GROUPS_ARE_THE_STORES = "Groups are assigned by the store; a customer cannot change them"


def _answer(
    visitor: Visitor, body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JsonApiResponse:
    response = JsonApiResponse(
        body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})}
    )
    visitor.set_cookies(response)
    return response


def _signed_in(visitor: Visitor) -> CustomerScope:
    if visitor.customer is None:
        raise Unauthorized("Sign in first")
    return visitor.customer


def _check_id(request: Request, customer: CustomerScope) -> None:
    """``id`` names the signed-in customer or nobody; any other id finds nothing."""
    given = param(request, "id")
    if given is not None and given != str(customer.customer_id):
        raise NotFound("Customer not found")


def _related(request: Request) -> str | None:
    related = param(request, "related")
    if related is not None and related not in RELATED:
        message = "must be address, property or relationships"
        raise BadRequest(f"related: {message}", errors=[FieldError("related", message)])
    return related


def _related_id(request: Request, *, required: bool = False) -> uuid.UUID | None:
    given = param(request, "relatedid")
    if given is None:
        if required:
            message = "names the item to change or remove"
            raise BadRequest(f"relatedid: {message}", errors=[FieldError("relatedid", message)])
        return None
    try:
        return uuid.UUID(given)
    except ValueError:
        raise NotFound("Item not found") from None


def _validated(model: type[M], values: dict[str, Any]) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        found = field_errors(exc.errors())
        summary = "; ".join(f"{e.field}: {e.message}" for e in found)
        raise ValidationFailed(summary or "The request is not valid", errors=found) from None


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
    return _answer(visitor, _discovery(request))


@router.options("/customer")
async def describe_customer(request: Request, visitor: VisitorDep) -> Response:
    """As ``OPTIONS /jsonapi``, with the attributes a customer can send."""
    body = _discovery(request)
    body["meta"]["attributes"] = CUSTOMER_ATTRIBUTES
    return _answer(visitor, body)


# --- the customer ----------------------------------------------------------------------


@router.get("/customer")
async def get_customer_document(
    request: Request, database: DatabaseDep, visitor: VisitorDep
) -> Response:
    """The signed-in customer (the empty item when nobody is), or its related items."""
    related = _related(request)
    if visitor.customer is None:
        if related is not None:
            raise Unauthorized("Sign in first")
        return _answer(visitor, anonymous_document(request))
    _check_id(request, visitor.customer)
    async with database.reading() as reader:
        if related is not None:
            body = await _related_document(request, reader, visitor, related)
        else:
            body = await customer_document(request, reader, visitor)
    return _answer(visitor, body)


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
    related_id = _related_id(request)
    data: Any = found
    if related_id is not None:
        data = next((item for item in found if item["id"] == str(related_id)), None)
        if data is None:
            raise NotFound("Item not found")
    return {
        "meta": meta(request, total=1 if related_id else len(found)),
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
    related = _related(request)
    body = await json_body(request)
    if visitor.customer is None:
        if related is not None:
            raise Unauthorized("Sign in first")
        return await _sign_up(request, session, database, visitor, body)
    _check_id(request, visitor.customer)
    if related is None:
        raise Forbidden("You are signed in; change your account with PATCH")
    return await _add_related(request, session, visitor, related, body)


async def _sign_up(
    request: Request, session: AsyncSession, database: Any, visitor: Visitor, body: Any
) -> Response:
    data = attrs.customer_input(attrs.items(body)[0])
    rename = attrs.customer_name(data.telephone)
    try:
        fields = _new_customer(data)
        address = None
        if any(value is not None for value in data.address.values()):
            address = _validated(
                AddressCreate, {**data.address, "type": "both", "is_default": True}
            )
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
    return _answer(visitor, document, 201, {"Location": href(request, f"id={own}")})


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
    return _validated(CustomerCreate, values)


@router.patch("/customer")
async def update_customer_document(
    request: Request, session: SessionDep, visitor: VisitorDep
) -> Response:
    """Change some attributes of the signed-in customer (or, with ``related`` and
    ``relatedid``, one of its addresses or properties)."""
    customer = _signed_in(visitor)
    _check_id(request, customer)
    related = _related(request)
    body = await json_body(request)
    if related is not None:
        return await _update_related(request, session, visitor, related, body)
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
    return _answer(visitor, document)


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
            change = _validated(ContactChange, {"email": email})
            await contact.request_change(session, visitor.config, visitor.customer, change)
            pending["customer.email"] = email
    phone = values.get("phone")
    if phone is not None:
        del values["phone"]
        if not same_number(current, phone, scope.country):
            change = _validated(ContactChange, {"phone": phone})
            await contact.request_change(session, visitor.config, visitor.customer, change)
            pending[data.telephone] = phone
    if data.company:
        values["company"] = {
            "name": current.company_name,
            "tax_id": current.company_tax_id,
            **data.company,
        }
    await update_customer(session, scope, customer_id, _validated(CustomerUpdate, values))
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
        await addresses.add_address(session, scope, customer_id, _validated(AddressCreate, fields))
    else:
        changes = _validated(AddressUpdate, values)
        await addresses.update_address(session, scope, customer_id, address.id, changes)


@router.delete("/customer")
async def delete_customer(
    request: Request, session: SessionDep, storage: StorageDep, visitor: VisitorDep
) -> Response:
    """Close the signed-in customer's own account (its personal data is erased; orders
    stay), or remove one of its related items. Always a success for the account: also
    when nobody is signed in or ``id`` names another customer (nothing happens then)."""
    related = _related(request)
    if related is not None:
        customer = _signed_in(visitor)
        _check_id(request, customer)
        await _delete_related(request, session, visitor, related)
        return _answer(visitor, {"meta": meta(request, total=1)})
    given = param(request, "id")
    own = visitor.customer
    if own is not None and given in (None, str(own.customer_id)):
        await closing.close_own_account(session, own, storage)
        visitor = visitor.signed_out()
        request.state.aimeos_visitor = visitor
    return _answer(visitor, {"meta": meta(request, total=0)})


# --- related items ---------------------------------------------------------------------


def _many(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("data"), list)


async def _add_related(
    request: Request, session: AsyncSession, visitor: Visitor, related: str, body: Any
) -> Response:
    assert visitor.customer is not None
    scope, customer_id = visitor.scope, visitor.customer.customer_id
    if related == "relationships":
        raise Forbidden(GROUPS_ARE_THE_STORES)
    made = []
    for item in attrs.items(body, many=True):
        if related == "address":
            fields = attrs.item_input(
                item, attrs.ADDRESS_ITEM, attrs.ADDRESS_IGNORED, "customer/address"
            )
            fields["type"] = fields.get("type") or "shipping"
            try:
                data = _validated(AddressCreate, {**fields, "is_default": False})
                row = await addresses.add_address(session, scope, customer_id, data)
            except ClientbookError as exc:
                raise attrs.named(exc, attrs.item_name(attrs.ADDRESS_NAMES)) from None
            made.append(address_item(request, row))
        else:
            fields = attrs.item_input(
                item, attrs.PROPERTY_ITEM, attrs.PROPERTY_IGNORED, "customer/property"
            )
            try:
                found = _validated(PropertyCreate, fields)
                added = await properties.add_property(session, scope, customer_id, found)
            except ClientbookError as exc:
                raise attrs.named(exc, attrs.item_name(attrs.PROPERTY_NAMES)) from None
            made.append(property_item(request, added))
    document = {
        "meta": meta(request, total=len(made)),
        "links": {"self": str(request.url)},
        "data": made if _many(body) else made[0],
        "included": [],
    }
    location = made[0]["links"]["self"]["href"]
    return _answer(visitor, document, 201, {"Location": location})


async def _update_related(
    request: Request, session: AsyncSession, visitor: Visitor, related: str, body: Any
) -> Response:
    assert visitor.customer is not None
    scope, customer_id = visitor.scope, visitor.customer.customer_id
    item_id = _related_id(request, required=True)
    assert item_id is not None
    if related == "relationships":
        raise Forbidden(GROUPS_ARE_THE_STORES)
    item = attrs.items(body)[0]
    if related == "address":
        fields = attrs.item_input(
            item, attrs.ADDRESS_ITEM, attrs.ADDRESS_IGNORED, "customer/address"
        )
        await _other_address(session, visitor, item_id)
        try:
            changes = _validated(AddressUpdate, fields)
            row = await addresses.update_address(session, scope, customer_id, item_id, changes)
        except ClientbookError as exc:
            raise attrs.named(exc, attrs.item_name(attrs.ADDRESS_NAMES)) from None
        data = address_item(request, row)
    else:
        fields = attrs.item_input(
            item, attrs.PROPERTY_ITEM, attrs.PROPERTY_IGNORED, "customer/property"
        )
        try:
            update = _validated(PropertyUpdate, fields)
            changed = await properties.update_property(session, scope, customer_id, item_id, update)
        except ClientbookError as exc:
            raise attrs.named(exc, attrs.item_name(attrs.PROPERTY_NAMES)) from None
        data = property_item(request, changed)
    document = {
        "meta": meta(request, total=1),
        "links": {"self": str(request.url)},
        "data": data,
        "included": [],
    }
    return _answer(visitor, document)


async def _other_address(session: AsyncSession, visitor: Visitor, address_id: uuid.UUID) -> None:
    """A ``customer/address`` item: the default address is the customer's own fields."""
    assert visitor.customer is not None
    found = await addresses.get_address(
        session, visitor.scope, visitor.customer.customer_id, address_id
    )
    if found.is_default:
        raise NotFound("Item not found")


async def _delete_related(
    request: Request, session: AsyncSession, visitor: Visitor, related: str
) -> None:
    assert visitor.customer is not None
    scope, customer_id = visitor.scope, visitor.customer.customer_id
    item_id = _related_id(request, required=True)
    assert item_id is not None
    if related == "relationships":
        raise Forbidden(GROUPS_ARE_THE_STORES)
    if related == "address":
        await _other_address(session, visitor, item_id)
        await addresses.delete_address(session, scope, customer_id, item_id)
    else:
        await properties.delete_property(session, scope, customer_id, item_id)


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
    response = _answer(signed_in, await customer_document(request, session, signed_in))
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
    return _answer(visitor, anonymous_document(request))
