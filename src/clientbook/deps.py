"""Request dependencies: what an endpoint needs, named in its signature.

They are all ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread,
and that hop costs more than the rest of a simple read.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.tokens import AccessClaims, read_access_token
from clientbook.kit.db import Database
from clientbook.kit.errors import Unauthorized
from clientbook.kit.storage import Storage
from clientbook.models import User
from clientbook.settings import Settings
from clientbook.stores.scope import StoreScope, ensure_live_session, resolve_store_scope


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


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an access token: Authorization: Bearer <token>")
    return token.strip()


async def get_claims(request: Request, settings: SettingsDep) -> AccessClaims:
    return read_access_token(settings.jwt_secret, bearer_token(request))


ClaimsDep = Annotated[AccessClaims, Depends(get_claims)]


async def get_current_user(session: SessionDep, claims: ClaimsDep) -> User:
    await ensure_live_session(session, claims)
    return await session.get_one(User, claims.user_id)


CurrentUser = Annotated[User, Depends(get_current_user)]


StoreRef = Annotated[str, Path(description="The store's id or code", max_length=64)]


async def get_store_scope(session: SessionDep, claims: ClaimsDep, store: StoreRef) -> StoreScope:
    return await resolve_store_scope(session, claims, store)


StoreScopeDep = Annotated[StoreScope, Depends(get_store_scope)]
