"""``/v1/auth``: sign in with e-mail and password, refresh, sign out."""

from fastapi import APIRouter, Request, Response

from clientbook.accounts import service
from clientbook.accounts.schemas import PasswordLogin, RefreshRequest, TokenOut
from clientbook.accounts.throttle import LoginThrottle
from clientbook.deps import CurrentUser, SessionDep, SettingsDep, UserClaimsDep
from clientbook.kit.token_requests import no_store, parse_token_request

router = APIRouter(prefix="/v1/auth", tags=["auth"])

_TOKEN_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": PasswordLogin.model_json_schema()},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["password"]},
                        "username": {"type": "string"},
                        "password": {"type": "string"},
                    },
                    "required": ["username", "password"],
                }
            },
        },
        "required": True,
    }
}


@router.post("/token", response_model=TokenOut, openapi_extra=_TOKEN_BODY)
async def issue_token(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> TokenOut:
    """Sign in with e-mail and password (JSON, or an OAuth2 password form)."""
    no_store(response)
    body = await parse_token_request(request, PasswordLogin, "password", {"username": "email"})
    # The connection's address, or what a trusted proxy said (kit/proxies.py).
    ip = request.client.host if request.client else "unknown"
    throttle: LoginThrottle = request.app.state.login_throttle
    pair = await service.login(
        session, settings, throttle, email=body.email, password=body.password, ip=ip
    )
    return TokenOut(**pair.__dict__)


@router.post("/refresh", response_model=TokenOut)
async def refresh_token(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> TokenOut:
    """Trade a refresh token for a new token pair; each refresh token works once."""
    no_store(response)
    body = await parse_token_request(request, RefreshRequest, "refresh_token", {})
    pair = await service.refresh(session, settings, body.refresh_token)
    return TokenOut(**pair.__dict__)


@router.post("/logout", status_code=204)
async def logout(session: SessionDep, claims: UserClaimsDep, _user: CurrentUser) -> Response:
    """End the session of this access token, and its refresh tokens with it."""
    await service.logout(session, claims)
    return Response(status_code=204)
