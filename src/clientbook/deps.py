"""Request dependencies: what an endpoint needs, named in its signature.

They are all ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread,
and that hop costs more than the rest of a simple read.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.tokens import AccessClaims, read_access_token
from clientbook.api_keys.keys import ApiKeyCredentials, hash_key, is_well_formed, looks_like_key
from clientbook.kit.db import Database
from clientbook.kit.errors import Forbidden, Unauthorized
from clientbook.kit.storage import Storage
from clientbook.models import User
from clientbook.settings import Settings
from clientbook.stores.scope import (
    KEY_REFUSED,
    Credentials,
    StoreScope,
    ensure_live_session,
    resolve_store_scope,
)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_session(request: Request, database: DatabaseDep) -> AsyncIterator[AsyncSession]:
    """A transaction for requests that change something; a plain reader for GET and HEAD."""
    unit = database.reading() if request.method in SAFE_METHODS else database.transaction()
    async with unit as session:
        yield session


SAFE_METHODS = frozenset({"GET", "HEAD"})


async def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[Storage, Depends(get_storage)]
# scope="function": commit before the response is sent, so a failed commit is never a 2xx.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


BEARER_MISSING = "Send an access token: Authorization: Bearer <token>"


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def bearer_token(request: Request) -> str:
    """The ``Authorization: Bearer`` token, and nothing else (customers have no API keys)."""
    token = _bearer(request)
    if token is None:
        raise Unauthorized(BEARER_MISSING)
    return token


def presented_credential(request: Request) -> str:
    """The access token or API key: ``Authorization: Bearer``, else (for Open Loyalty
    clients) an API key in ``X-AUTH-TOKEN`` or in the ``auth_token`` query parameter."""
    token = _bearer(request)
    if token is not None:
        return token
    key = request.headers.get("x-auth-token") or request.query_params.get("auth_token")
    if key and key.strip():
        if not looks_like_key(key.strip()):
            raise Unauthorized(KEY_REFUSED)
        return key.strip()
    raise Unauthorized(BEARER_MISSING)


async def get_claims(request: Request, settings: SettingsDep) -> Credentials:
    credential = presented_credential(request)
    if looks_like_key(credential):
        if not is_well_formed(credential):
            raise Unauthorized(KEY_REFUSED)
        return ApiKeyCredentials(hash_key(credential))
    return read_access_token(settings.jwt_secret, credential)


# Who signs the request: a staff member's access token or a store's API key.
ClaimsDep = Annotated[Credentials, Depends(get_claims)]


async def get_user_claims(session: SessionDep, claims: ClaimsDep) -> AccessClaims:
    """A signed-in user's token: routes outside any store (my stores, new stores,
    invitations, logout) refuse API keys, which act only inside their own store."""
    if isinstance(claims, ApiKeyCredentials):
        await ensure_live_session(session, claims)
        raise Forbidden("An API key acts only inside its store; this needs a signed-in user")
    return claims


UserClaimsDep = Annotated[AccessClaims, Depends(get_user_claims)]


async def get_current_user(session: SessionDep, claims: UserClaimsDep) -> User:
    await ensure_live_session(session, claims)
    return await session.get_one(User, claims.user_id)


CurrentUser = Annotated[User, Depends(get_current_user)]


StoreRef = Annotated[str, Path(description="The store's id or code", max_length=64)]


async def get_store_scope(session: SessionDep, claims: ClaimsDep, store: StoreRef) -> StoreScope:
    return await resolve_store_scope(session, claims, store)


StoreScopeDep = Annotated[StoreScope, Depends(get_store_scope)]
