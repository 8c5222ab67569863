"""The signed-in customer: a customer access token whose session is still live."""

from typing import Annotated

from fastapi import Depends, Request

from clientbook.accounts.throttle import LoginThrottle
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.cookies import SESSION_COOKIE, scope_from_cookie
from clientbook.customer_accounts.scope import (
    CustomerScope,
    PublicStore,
    find_public_store,
    resolve_customer_scope,
)
from clientbook.customer_accounts.tokens import read_customer_token
from clientbook.deps import DatabaseDep, SessionDep, SettingsDep, bearer_token
from clientbook.deps import StoreRef as StorePath


async def get_config(settings: SettingsDep) -> AccountConfig:
    return AccountConfig.of(settings)


ConfigDep = Annotated[AccountConfig, Depends(get_config)]


async def get_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


ThrottleDep = Annotated[LoginThrottle, Depends(get_throttle)]


async def get_store(database: DatabaseDep, store: StorePath) -> PublicStore:
    async with database.reading() as reader:  # takes no lock the throttle would wait for
        return await find_public_store(reader, store)


StoreDep = Annotated[PublicStore, Depends(get_store)]


async def get_customer_scope(
    request: Request, session: SessionDep, config: ConfigDep, store: StoreDep
) -> CustomerScope:
    """A customer bearer token, else a browser's session cookie (with its CSRF check)."""
    if "authorization" not in request.headers and SESSION_COOKIE in request.cookies:
        return await scope_from_cookie(session, config, store, request)
    claims = read_customer_token(config.secret, bearer_token(request))
    return await resolve_customer_scope(session, store, claims)


CustomerScopeDep = Annotated[CustomerScope, Depends(get_customer_scope)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
