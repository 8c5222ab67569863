"""``/v1/stores/{store}/customer-auth`` and ``/me``: a customer signs in and reads itself."""

import uuid

from fastapi import APIRouter, Request, Response

from clientbook.customer_accounts import activation, codes, cookies, credentials, me, service
from clientbook.customer_accounts.deps import (
    ConfigDep,
    CustomerScopeDep,
    StoreDep,
    ThrottleDep,
    client_ip,
)
from clientbook.customer_accounts.schemas import (
    ActivatedOut,
    Activation,
    ActivationRequest,
    CookieSessionOut,
    CsrfOut,
    CustomerLogin,
    CustomerRefresh,
    CustomerTokenOut,
    MessageQueued,
    PasswordChange,
    PasswordSet,
)
from clientbook.customers.schemas import CustomerOut
from clientbook.customers.serialize import customer_document, etag
from clientbook.deps import DatabaseDep, SessionDep, StoreScopeDep
from clientbook.kit.errors import ValidationFailed
from clientbook.kit.responses import FastJSON
from clientbook.kit.token_requests import no_store, parse_token_request

router = APIRouter(prefix="/v1/stores/{store}", tags=["customer accounts"])

_LOGIN_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": CustomerLogin.model_json_schema()},
            "application/x-www-form-urlencoded": {"schema": CustomerLogin.model_json_schema()},
        },
        "required": True,
    }
}


@router.post("/customer-auth/token", response_model=CustomerTokenOut, openapi_extra=_LOGIN_BODY)
async def customer_token(
    request: Request,
    response: Response,
    session: SessionDep,
    database: DatabaseDep,
    config: ConfigDep,
    throttle: ThrottleDep,
    store: StoreDep,
) -> CustomerTokenOut:
    """A customer signs in with e-mail, phone or card number and password (JSON or form)."""
    no_store(response)
    body = await parse_token_request(request, CustomerLogin, "password", {})
    session_id = await service.sign_in(
        session,
        database,
        config,
        throttle,
        store,
        username=body.username,
        password=body.password,
        ip=client_ip(request),
    )
    pair = await service.issue_tokens(session, config, store, session_id)
    return CustomerTokenOut(**pair.__dict__)


@router.post("/customer-auth/refresh", response_model=CustomerTokenOut)
async def customer_refresh(
    request: Request, response: Response, session: SessionDep, config: ConfigDep, store: StoreDep
) -> CustomerTokenOut:
    """Trade a customer refresh token for a new pair; each works once."""
    no_store(response)
    body = await parse_token_request(request, CustomerRefresh, "refresh_token", {})
    pair = await service.refresh(session, config, store, body.refresh_token)
    return CustomerTokenOut(**pair.__dict__)


@router.post("/customer-auth/logout", status_code=204)
async def customer_logout(
    session: SessionDep, config: ConfigDep, scope: CustomerScopeDep
) -> Response:
    """End the session of this customer token, or of this session cookie (and clear it)."""
    await service.revoke_session(session, scope.store, scope.session_id)
    response = Response(status_code=204)
    cookies.end(response, config, scope.store)
    return response


@router.get("/customer-auth/csrf", response_model=CsrfOut)
async def pre_session_csrf(response: Response, config: ConfigDep, store: StoreDep) -> CsrfOut:
    """A pre-session CSRF token (and its cookie) for the cookie sign-in."""
    no_store(response)
    return CsrfOut(csrf_token=cookies.issue_pre_session(response, config, store))


@router.post("/customer-auth/session", response_model=CookieSessionOut)
async def cookie_sign_in(
    request: Request,
    response: Response,
    body: CustomerLogin,
    session: SessionDep,
    database: DatabaseDep,
    config: ConfigDep,
    throttle: ThrottleDep,
    store: StoreDep,
) -> CookieSessionOut:
    """A browser signs in: a session cookie, and the CSRF token its unsafe requests echo.
    Needs ``X-CSRF-Token`` from ``GET .../customer-auth/csrf`` (403 otherwise)."""
    no_store(response)
    cookies.check_pre_session(request)
    session_id = await service.sign_in(
        session,
        database,
        config,
        throttle,
        store,
        username=body.username,
        password=body.password,
        ip=client_ip(request),
    )
    csrf = await cookies.start(session, config, store, session_id, response)
    return CookieSessionOut(csrf_token=csrf, expires_in=int(config.refresh_ttl.total_seconds()))


@router.post("/customer-auth/activate", response_model=ActivatedOut)
async def activate(
    request: Request,
    session: SessionDep,
    database: DatabaseDep,
    config: ConfigDep,
    throttle: ThrottleDep,
    store: StoreDep,
    body: Activation,
) -> ActivatedOut:
    """Activate an account (or confirm its address) with a link token, or a code and username."""
    if body.token is not None:
        customer_id = await codes.activate_with_token(session, config, store, body.token)
    elif body.code is not None and body.username is not None:
        customer_id = await codes.activate_with_code(
            session,
            config,
            throttle,
            database,
            store,
            username=body.username,
            code=body.code,
            ip=client_ip(request),
        )
    else:
        raise ValidationFailed.field("token", "send a token, or a code with its username")
    return ActivatedOut(customer_id=str(customer_id))


@router.get("/me", response_model=CustomerOut)
async def read_me(session: SessionDep, scope: CustomerScopeDep) -> Response:
    """The signed-in customer's own record."""
    customer = await me.own_record(session, scope)
    return FastJSON(customer_document(customer), headers={"ETag": etag(customer)})


@router.put("/me/password", status_code=204)
async def change_my_password(
    request: Request,
    body: PasswordChange,
    session: SessionDep,
    throttle: ThrottleDep,
    scope: CustomerScopeDep,
) -> Response:
    """The customer changes its password (the current one is needed); other sessions end."""
    await credentials.change_password(
        session, throttle, scope, body.current_password, body.new_password, ip=client_ip(request)
    )
    return Response(status_code=204)


@router.put("/customers/{customer_id}/password", status_code=204)
async def set_customer_password(
    customer_id: uuid.UUID, body: PasswordSet, session: SessionDep, scope: StoreScopeDep
) -> Response:
    """Staff set a customer's password (admin); the customer's sessions end."""
    await credentials.set_password(session, scope, customer_id, body.password)
    return Response(status_code=204)


@router.post("/customers/{customer_id}/activation", status_code=202, response_model=MessageQueued)
async def send_customer_activation(
    customer_id: uuid.UUID,
    body: ActivationRequest,
    session: SessionDep,
    config: ConfigDep,
    scope: StoreScopeDep,
) -> MessageQueued:
    """Staff (re)send the activation message: a link token by e-mail or a code by SMS."""
    await activation.send_activation(session, config, scope, customer_id, body.channel)
    return MessageQueued(channel=body.channel)
