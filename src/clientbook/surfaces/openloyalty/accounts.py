"""Open Loyalty's customer writes: register (admin, seller, staff), update (PUT),
activation by link token or SMS code, SMS codes sent, and a confirmed contact change."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.addresses import service as addresses
from clientbook.addresses.schemas import AddressCreate, AddressUpdate
from clientbook.customer_accounts import activation, codes, contact
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.deps import ConfigDep, ThrottleDep, client_ip
from clientbook.customer_accounts.schemas import ContactChange, ContactConfirm
from clientbook.customer_accounts.scope import CustomerScope, find_public_store, scope_of_customer
from clientbook.customers import service as customers
from clientbook.customers.fields import same_number
from clientbook.deps import SessionDep
from clientbook.kit.contact import email_key
from clientbook.kit.db import utcnow
from clientbook.kit.errors import Forbidden
from clientbook.loyalty import points_of_sale, referrals, tiers
from clientbook.models import Customer
from clientbook.stores import service as stores
from clientbook.stores.scope import StoreScope
from clientbook.surfaces.openloyalty.access import (
    AdminScope,
    CallerDep,
    SellerScope,
    StoreCode,
    require_self_or_staff,
)
from clientbook.surfaces.openloyalty.customer_form import (
    OL_PHONES,
    REGISTER_FORM,
    UPDATE_FORM,
    CustomerForm,
    customer_form,
    read_form,
)
from clientbook.surfaces.openloyalty.dates import zone
from clientbook.surfaces.openloyalty.errors import use_form
from clientbook.surfaces.openloyalty.forms import read_params

router = APIRouter(prefix="/api/{storeCode}", tags=["Open Loyalty"])

CustomerRef = Annotated[
    str, Path(alias="customer", max_length=64, description="UUID or loyalty card number")
]
Token = Annotated[str, Path(alias="token", min_length=1, max_length=200)]

_FORM_BODY = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "description": "customer[firstName], customer[address][city], ... "
                    "(the same nested under a customer key in JSON)",
                }
            }
        }
    }
}

# --- registration ---------------------------------------------------------------------


async def _register(request: Request, session: AsyncSession, scope: StoreScope) -> dict[str, Any]:
    use_form(request, REGISTER_FORM)
    store = await stores.get_store(session, scope)
    form = read_form(
        customer_form(await read_params(request)), zone(store.timezone), registering=True
    )
    customer = await customers.create_customer(
        session, scope, form.create_body(), created_at=form.created_at, phones=OL_PHONES
    )
    await referrals.customer_created(session, scope, customer, form.invitation_token)
    await _place(session, scope, customer.id, form)
    address = form.address_body()
    if address is not None and any(address.model_dump(exclude={"type", "is_default"}).values()):
        await addresses.add_address(session, scope, customer.id, address)
    return {"customerId": str(customer.id), "email": customer.email}


async def _place(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, form: CustomerForm
) -> None:
    """The form's ``levelId`` (a tier set by hand) and ``posId``."""
    if form.level_id is not None:
        await tiers.set_manual_tier(session, scope, customer_id, form.level_id, utcnow())
    if form.pos_id is not None:
        await points_of_sale.assign_customer(session, scope, customer_id, form.pos_id)


@router.post("/customer/register", openapi_extra=_FORM_BODY)
async def register(request: Request, session: SessionDep, scope: SellerScope) -> dict[str, Any]:
    """Register a customer (staff): ``{"customerId", "email"}``."""
    return await _register(request, session, scope)


@router.post("/admin/customer/register", openapi_extra=_FORM_BODY)
async def admin_register(
    request: Request, session: SessionDep, scope: AdminScope
) -> dict[str, Any]:
    """Register a customer from the admin cockpit."""
    return await _register(request, session, scope)


@router.post("/seller/customer/register", openapi_extra=_FORM_BODY)
async def seller_register(
    request: Request, session: SessionDep, scope: SellerScope
) -> dict[str, Any]:
    """Register a customer from the seller's POS."""
    return await _register(request, session, scope)


# --- update ---------------------------------------------------------------------------


@router.put("/customer/{customer}", openapi_extra=_FORM_BODY)
async def update(
    request: Request, session: SessionDep, config: ConfigDep, caller: CallerDep, ref: CustomerRef
) -> dict[str, str]:
    """Change the fields sent (an empty one is cleared): staff, or the customer itself,
    whose new e-mail or phone counts once confirmed (``confirm-change``)."""
    use_form(request, UPDATE_FORM)
    customer = await customers.customer_by_reference(session, caller.scope, ref)
    require_self_or_staff(caller, customer.id)
    store = await stores.get_store(session, caller.scope)
    form = read_form(
        customer_form(await read_params(request)), zone(store.timezone), registering=False
    )
    if caller.customer is not None:
        await _update_self(session, config, caller.customer, customer, form)
        return {"customerId": str(customer.id)}
    scope = caller.scope
    await customers.update_customer(
        session, scope, customer.id, form.update_body(), phones=OL_PHONES
    )
    await _place(session, scope, customer.id, form)
    await _replace_address(session, scope, customer.id, form)
    return {"customerId": str(customer.id)}


_STORE_SET = {"loyalty_card_number", "labels"}  # the store's to set, not the customer's


async def _update_self(
    session: AsyncSession,
    config: AccountConfig,
    me: CustomerScope,
    customer: Customer,
    form: CustomerForm,
) -> None:
    fields = dict(form.fields)
    email = fields.pop("email", customer.email)
    phone = fields.pop("phone", customer.phone)
    for name in _STORE_SET & set(fields):
        if fields[name] != getattr(customer, name) and not (name == "labels" and not fields[name]):
            raise Forbidden(f"A customer cannot change its {name}")
        del fields[name]
    if form.level_id is not None or form.pos_id is not None:
        raise Forbidden("A customer cannot choose its level or point of sale")
    if email is None and customer.email:
        raise Forbidden("A customer cannot remove its e-mail address")
    if phone is None and customer.phone:
        raise Forbidden("A customer cannot remove its phone number")
    scope = scope_of_customer(me.store, me.customer_id)
    body = CustomerForm(fields=fields).update_body()
    await customers.update_customer(session, scope, customer.id, body, phones=OL_PHONES)
    await _replace_address(session, scope, customer.id, form)
    if email is not None and email_key(email) != customer.email_key:
        await contact.request_change(session, config, me, ContactChange(email=email))
    if phone is not None and not same_number(customer, phone, me.store.country):
        await contact.request_change(session, config, me, ContactChange(phone=phone))


async def _replace_address(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, form: CustomerForm
) -> None:
    """An address sent replaces the default one as a whole; an empty one removes it."""
    given = form.address_body()
    if given is None:
        return
    current = (await addresses.default_addresses(session, scope, [customer_id])).get(customer_id)
    values = given.model_dump(exclude={"type", "is_default"})
    if not any(values.values()):
        if current is not None:
            await addresses.delete_address(session, scope, customer_id, current.id)
        return
    if current is None:
        await addresses.add_address(
            session,
            scope,
            customer_id,
            AddressCreate.model_validate({**values, "is_default": True}),
        )
        return
    await addresses.update_address(
        session, scope, customer_id, current.id, AddressUpdate.model_validate(values)
    )


# --- activation and codes --------------------------------------------------------------


@router.post("/customer/activate/{token}")
async def activate_by_token(
    session: SessionDep, config: ConfigDep, store_code: StoreCode, token: Token
) -> Response:
    """Activate an account with the link token of its activation e-mail: 200, no content."""
    store = await find_public_store(session, store_code)
    await codes.activate_with_token(session, config, store, token)
    return Response(status_code=200)


@router.post("/customer/activate-sms/{token}", status_code=204)
async def activate_by_sms_code(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    throttle: ThrottleDep,
    store_code: StoreCode,
    token: Annotated[str, Path(alias="token", min_length=1, max_length=16)],
) -> Response:
    """Activate an account with the code of its activation SMS: 204."""
    store = await find_public_store(session, store_code)
    await codes.activate_with_code_only(
        session, config, throttle, store, code=token, ip=client_ip(request)
    )
    return Response(status_code=204)


async def _send_code(
    session: AsyncSession, config: AccountConfig, scope: StoreScope, ref: str
) -> Response:
    customer = await customers.customer_by_reference(session, scope, ref)
    await activation.send_activation(session, config, scope, customer.id, "sms")
    return Response(status_code=200)


@router.post("/admin/customer/{customer}/send-sms-code")
async def admin_send_sms_code(
    session: SessionDep, config: ConfigDep, scope: AdminScope, ref: CustomerRef
) -> Response:
    """Send the customer a new activation code by SMS: 200, no content."""
    return await _send_code(session, config, scope, ref)


@router.post("/seller/customer/{customer}/send-sms-code")
async def seller_send_sms_code(
    session: SessionDep, config: ConfigDep, scope: SellerScope, ref: CustomerRef
) -> Response:
    """Send the customer a new activation code by SMS: 200, no content."""
    return await _send_code(session, config, scope, ref)


@router.post("/customer/customer-phone/send-sms-code")
async def own_send_sms_code(session: SessionDep, config: ConfigDep, caller: CallerDep) -> Response:
    """The signed-in customer asks for a new code to its own phone: 200, no content."""
    if caller.customer is None:
        raise Forbidden("This is the signed-in customer's own endpoint")
    me = caller.customer
    await activation.send_activation(
        session, config, scope_of_customer(me.store, me.customer_id), me.customer_id, "sms"
    )
    return Response(status_code=200)


@router.post("/customer/confirm-change/{token}", status_code=204)
async def confirm_change(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    throttle: ThrottleDep,
    caller: CallerDep,
    token: Token,
) -> Response:
    """The signed-in customer confirms its new phone (the SMS code) or e-mail (the link
    token): 204."""
    if caller.customer is None:
        raise Forbidden("This is the signed-in customer's own endpoint")
    given = ContactConfirm(code=token) if len(token) <= 16 else ContactConfirm(token=token)
    await contact.confirm_change(
        session, config, throttle, caller.customer, given, ip=client_ip(request)
    )
    return Response(status_code=204)
