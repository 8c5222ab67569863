"""``/v1/auth``: sign in with e-mail and password, refresh, sign out."""

from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from clientbook.accounts import service
from clientbook.accounts.schemas import PasswordLogin, RefreshRequest, TokenOut
from clientbook.deps import ClaimsDep, SessionDep, SettingsDep
from clientbook.kit.errors import UnsupportedMediaType
from clientbook.kit.problem import validation_error
from clientbook.kit.requests import read_json_or_form

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


async def _parse(request: Request, model: type[Body], form_aliases: dict[str, str]) -> Body:
    raw = await read_json_or_form(request)
    if raw is None:
        raise UnsupportedMediaType("Send application/json or application/x-www-form-urlencoded")
    if not isinstance(raw, dict):
        raw = {"body": raw}
    data: dict[str, Any] = {form_aliases.get(k, k): v for k, v in raw.items()}
    data.pop("grant_type", None)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(RequestValidationError(exc.errors())) from exc


@router.post("/token", response_model=TokenOut, openapi_extra=_TOKEN_BODY)
async def issue_token(request: Request, session: SessionDep, settings: SettingsDep) -> TokenOut:
    """Sign in with e-mail and password (JSON, or an OAuth2 password form)."""
    body = await _parse(request, PasswordLogin, {"username": "email"})
    ip = request.client.host if request.client else "unknown"
    pair = await service.login(session, settings, email=body.email, password=body.password, ip=ip)
    return TokenOut(**pair.__dict__)


@router.post("/refresh", response_model=TokenOut)
async def refresh_token(request: Request, session: SessionDep, settings: SettingsDep) -> TokenOut:
    """Trade a refresh token for a new token pair; each refresh token works once."""
    body = await _parse(request, RefreshRequest, {})
    pair = await service.refresh(session, settings, body.refresh_token)
    return TokenOut(**pair.__dict__)


@router.post("/logout", status_code=204)
async def logout(session: SessionDep, claims: ClaimsDep) -> Response:
    """End the session of this access token, and its refresh tokens with it."""
    await service.logout(session, claims)
    return Response(status_code=204)
