"""The signed-in customer: a customer access token whose session is still live."""

from typing import Annotated

from fastapi import Depends, Request

from clientbook.accounts.throttle import LoginThrottle
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.service import StoreRef, find_store, session_is_live
from clientbook.customer_accounts.tokens import CustomerClaims, read_customer_token
from clientbook.deps import DatabaseDep, SessionDep, SettingsDep, bearer_token
from clientbook.deps import StoreRef as StorePath
from clientbook.kit.errors import NotFound, Unauthorized


async def get_config(settings: SettingsDep) -> AccountConfig:
    return AccountConfig.of(settings)


ConfigDep = Annotated[AccountConfig, Depends(get_config)]


async def get_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


ThrottleDep = Annotated[LoginThrottle, Depends(get_throttle)]


async def get_store(database: DatabaseDep, store: StorePath) -> StoreRef:
    async with database.reading() as reader:  # takes no lock the throttle would wait for
        return await find_store(reader, store)


StoreDep = Annotated[StoreRef, Depends(get_store)]


async def get_customer_claims(
    request: Request, session: SessionDep, config: ConfigDep, store: StoreDep
) -> CustomerClaims:
    """A live session of a customer of this store; another store's token finds nothing."""
    claims = read_customer_token(config.secret, bearer_token(request))
    if claims.store_id != store.id:
        raise NotFound("Store not found")
    if not await session_is_live(session, claims.store_id, claims.session_id):
        raise Unauthorized("The session has ended; sign in again")
    return claims


CustomerClaimsDep = Annotated[CustomerClaims, Depends(get_customer_claims)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
