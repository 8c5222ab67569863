"""A customer's own account, without staff: register, recover, edit itself, change address.

The public steps (register, resend, password reset) answer 202 with the same body
whether or not the account exists; the secrets they send come back here.
"""

from fastapi import APIRouter, Request, Response

from clientbook.customer_accounts import contact, profile, registration, reset
from clientbook.customer_accounts.deps import (
    ConfigDep,
    CustomerScopeDep,
    StoreDep,
    ThrottleDep,
    client_ip,
)
from clientbook.customer_accounts.schemas import (
    Accepted,
    ContactChange,
    ContactConfirm,
    Registration,
    ResendActivation,
    ResetConfirm,
    ResetRequest,
    SelfUpdate,
)
from clientbook.customers.endpoints import IfMatch, expected_version
from clientbook.customers.schemas import CustomerOut
from clientbook.customers.serialize import customer_document, etag
from clientbook.deps import DatabaseDep, SessionDep
from clientbook.kit.responses import FastJSON
from clientbook.models import Customer

router = APIRouter(prefix="/v1/stores/{store}", tags=["customer accounts"])

REGISTERED = Accepted(
    detail="If the details are new, an activation message is on its way; else the owner is told."
)
SENT = Accepted(detail="If an account matches, a message is on its way")


def _one(customer: Customer) -> FastJSON:
    return FastJSON(customer_document(customer), headers={"ETag": etag(customer)})


@router.post("/customer-auth/register", status_code=202, response_model=Accepted)
async def register(
    request: Request,
    body: Registration,
    session: SessionDep,
    database: DatabaseDep,
    config: ConfigDep,
    throttle: ThrottleDep,
    store: StoreDep,
) -> Accepted:
    """Register a pending account; activation by e-mail link or SMS code follows."""
    await registration.register(
        session, database, config, throttle, store, body, ip=client_ip(request)
    )
    return REGISTERED


@router.post("/customer-auth/activation/resend", status_code=202, response_model=Accepted)
async def resend_activation(
    request: Request,
    body: ResendActivation,
    session: SessionDep,
    database: DatabaseDep,
    config: ConfigDep,
    throttle: ThrottleDep,
    store: StoreDep,
) -> Accepted:
    """Send a pending account's activation message again (a new secret; the old dies)."""
    await registration.resend_activation(
        session, database, config, throttle, store, body, ip=client_ip(request)
    )
    return SENT


@router.post("/customer-auth/password-reset", status_code=202, response_model=Accepted)
async def request_password_reset(
    request: Request,
    body: ResetRequest,
    session: SessionDep,
    database: DatabaseDep,
    config: ConfigDep,
    throttle: ThrottleDep,
    store: StoreDep,
) -> Accepted:
    """Ask for a password reset by e-mail, phone or card number; a secret is sent."""
    await reset.request_reset(
        session,
        database,
        config,
        throttle,
        store,
        username=body.username,
        channel=body.channel,
        ip=client_ip(request),
    )
    return SENT


@router.post("/customer-auth/password-reset/confirm", status_code=204)
async def confirm_password_reset(
    request: Request,
    body: ResetConfirm,
    session: SessionDep,
    database: DatabaseDep,
    config: ConfigDep,
    throttle: ThrottleDep,
    store: StoreDep,
) -> Response:
    """Set a new password with the reset token, or code and username; every session ends."""
    await reset.confirm_reset(
        session,
        config,
        throttle,
        database,
        store,
        token=body.token,
        code=body.code,
        username=body.username,
        password=body.password,
        ip=client_ip(request),
    )
    return Response(status_code=204)


@router.patch("/me", response_model=CustomerOut)
async def update_me(
    body: SelfUpdate, session: SessionDep, scope: CustomerScopeDep, if_match: IfMatch = None
) -> Response:
    """The customer changes its own details; ``null`` clears a field."""
    customer = await profile.update_self(session, scope, body, if_match=expected_version(if_match))
    return _one(customer)


@router.post("/me/contact", status_code=202, response_model=Accepted)
async def change_contact(
    body: ContactChange, session: SessionDep, config: ConfigDep, scope: CustomerScopeDep
) -> Accepted:
    """Ask to change the e-mail or phone: a secret goes to the new address first."""
    await contact.request_change(session, config, scope, body)
    return Accepted(detail="A confirmation is on its way to the new address")


@router.post("/me/contact/confirm", response_model=CustomerOut)
async def confirm_contact(
    request: Request,
    body: ContactConfirm,
    session: SessionDep,
    config: ConfigDep,
    throttle: ThrottleDep,
    scope: CustomerScopeDep,
) -> Response:
    """Confirm the new address with its token or code; only then does it change."""
    customer = await contact.confirm_change(
        session, config, throttle, scope, body, ip=client_ip(request)
    )
    return _one(customer)
