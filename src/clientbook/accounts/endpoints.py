"""``/v1/auth``: sign in with e-mail and password, refresh, sign out."""

from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from clientbook.accounts import service
from clientbook.accounts.schemas import PasswordLogin, RefreshRequest, TokenOut
from clientbook.accounts.throttle import LoginThrottle
from clientbook.deps import CurrentUser, SessionDep, SettingsDep, UserClaimsDep
from clientbook.kit.errors import UnsupportedMediaType, ValidationFailed
from clientbook.kit.problem import validation_error
from clientbook.kit.requests import is_json, media_type, read_json_or_form

router = APIRouter(prefix="/v1/auth", tags=["auth"])

Body = TypeVar("Body", bound=BaseModel)

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


async def _parse(
    request: Request, model: type[Body], grant_type: str, form_aliases: dict[str, str]
) -> Body:
    """Read a JSON or form body; errors name the fields as the client sent them."""
    raw = await read_json_or_form(request)
    if raw is None:
        if not is_json(media_type(request)):
            raise UnsupportedMediaType("Send application/json or application/x-www-form-urlencoded")
        raw = {}  # an empty JSON body, or JSON null: every field is missing
    if not isinstance(raw, dict):
        raw = {"body": raw}
    aliases = form_aliases if media_type(request) == "application/x-www-form-urlencoded" else {}
    data: dict[str, Any] = {aliases.get(k, k): v for k, v in raw.items()}
    given_grant = data.pop("grant_type", None)
    if given_grant is not None and given_grant != grant_type:
        raise ValidationFailed.field("grant_type", f"must be {grant_type!r}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        names = {field: given for given, field in aliases.items()}
        errors = [
            {**error, "loc": tuple(names.get(str(part), part) for part in error["loc"])}
            for error in exc.errors()
        ]
        raise validation_error(RequestValidationError(errors)) from exc


def _no_store(response: Response) -> None:
    """Tokens must not be kept by a browser or a proxy cache (RFC 6749, section 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


@router.post("/token", response_model=TokenOut, openapi_extra=_TOKEN_BODY)
async def issue_token(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> TokenOut:
    """Sign in with e-mail and password (JSON, or an OAuth2 password form)."""
    _no_store(response)
    body = await _parse(request, PasswordLogin, "password", {"username": "email"})
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
    _no_store(response)
    body = await _parse(request, RefreshRequest, "refresh_token", {})
    pair = await service.refresh(session, settings, body.refresh_token)
    return TokenOut(**pair.__dict__)


@router.post("/logout", status_code=204)
async def logout(session: SessionDep, claims: UserClaimsDep, _user: CurrentUser) -> Response:
    """End the session of this access token, and its refresh tokens with it."""
    await service.logout(session, claims)
    return Response(status_code=204)
