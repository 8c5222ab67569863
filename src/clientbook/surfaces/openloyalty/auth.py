"""Open Loyalty's sign-in: ``/api/admin/login_check`` and ``/api/seller/login_check``
(staff), ``/api/{storeCode}/customer/login_check`` (customers) and
``/api/token/refresh``, each answering ``{"token", "refresh_token"}``.

A customer's refresh token is handed out as ``{storeCode}.{token}``: customer sessions
belong to a store, and ``/api/token/refresh`` names none. Staff refresh tokens never
contain a dot (they are URL-safe base64), so the two never mix."""

from typing import Any

from fastapi import APIRouter, Request, Response

from clientbook.accounts import service as staff_auth
from clientbook.customer_accounts import service as customer_auth
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.deps import client_ip
from clientbook.customer_accounts.schemas import CustomerLogin, CustomerRefresh
from clientbook.customer_accounts.scope import find_public_store
from clientbook.deps import DatabaseDep, SessionDep, SettingsDep
from clientbook.kit.errors import NotFound, Unauthorized
from clientbook.kit.token_requests import no_store, parse_token_request
from clientbook.surfaces.openloyalty.access import StoreCode

router = APIRouter(prefix="/api", tags=["Open Loyalty"])

_LOGIN_BODY = {
    "requestBody": {
        "content": {
            kind: {"schema": CustomerLogin.model_json_schema()}
            for kind in ("application/json", "application/x-www-form-urlencoded")
        },
        "required": True,
    }
}
_REFRESH_BODY = {
    "requestBody": {
        "content": {
            kind: {"schema": CustomerRefresh.model_json_schema()}
            for kind in ("application/json", "application/x-www-form-urlencoded")
        },
        "required": True,
    }
}


async def _staff_login(
    request: Request, response: Response, session: Any, settings: Any
) -> dict[str, str]:
    no_store(response)
    body = await parse_token_request(request, CustomerLogin, "password", {})
    pair = await staff_auth.login(
        session,
        settings,
        request.app.state.login_throttle,
        email=body.username,
        password=body.password,
        ip=client_ip(request),
    )
    return {"token": pair.access_token, "refresh_token": pair.refresh_token}


@router.post("/admin/login_check", openapi_extra=_LOGIN_BODY)
async def admin_login(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> dict[str, str]:
    """A staff member signs in (e-mail as ``username``); roles are checked per store."""
    return await _staff_login(request, response, session, settings)


@router.post("/seller/login_check", openapi_extra=_LOGIN_BODY)
async def seller_login(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> dict[str, str]:
    """A staff member signs in (e-mail as ``username``); roles are checked per store."""
    return await _staff_login(request, response, session, settings)


@router.post("/{storeCode}/customer/login_check", openapi_extra=_LOGIN_BODY)
async def customer_login(
    request: Request,
    response: Response,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
    store_code: StoreCode,
) -> dict[str, str]:
    """A customer signs in with e-mail, loyalty card number or phone, and password."""
    no_store(response)
    body = await parse_token_request(request, CustomerLogin, "password", {})
    config = AccountConfig.of(settings)
    async with database.reading() as reader:  # takes no lock the throttle would wait for
        store = await find_public_store(reader, store_code)
    session_id = await customer_auth.sign_in(
        session,
        database,
        config,
        request.app.state.login_throttle,
        store,
        username=body.username,
        password=body.password,
        ip=client_ip(request),
    )
    pair = await customer_auth.issue_tokens(session, config, store, session_id)
    return {"token": pair.access_token, "refresh_token": f"{store_code}.{pair.refresh_token}"}


@router.post("/token/refresh", openapi_extra=_REFRESH_BODY)
async def refresh(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> dict[str, str]:
    """Trade a staff or customer refresh token for a new pair; each works once."""
    no_store(response)
    body = await parse_token_request(request, CustomerRefresh, "refresh_token", {})
    store_code, dot, token = body.refresh_token.rpartition(".")
    if not dot:
        pair = await staff_auth.refresh(session, settings, body.refresh_token)
        return {"token": pair.access_token, "refresh_token": pair.refresh_token}
    if not store_code or not token:
        raise Unauthorized("The refresh token is invalid")
    config = AccountConfig.of(settings)
    try:
        store = await find_public_store(session, store_code)
    except NotFound:
        raise Unauthorized("The refresh token is invalid") from None
    tokens = await customer_auth.refresh(session, config, store, token)
    return {"token": tokens.access_token, "refresh_token": f"{store_code}.{tokens.refresh_token}"}
