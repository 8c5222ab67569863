"""Who calls ``/api/customers/...``: a signed-in customer, by its customer access token
(``Authorization: Bearer``). The token names the store; nothing in the path or query
does, so a customer only ever reaches its own store and its own record."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.tokens import read_access_token
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import (
    CustomerScope,
    resolve_token_scope,
    scope_of_customer,
)
from clientbook.customer_accounts.tokens import CustomerClaims, read_customer_token
from clientbook.deps import DatabaseDep, SessionDep, SettingsDep, bearer_token
from clientbook.kit.db import Database
from clientbook.kit.errors import Forbidden, Unauthorized
from clientbook.settings import Settings
from clientbook.stores.scope import StoreScope


@dataclass(frozen=True)
class Shopper:
    customer: CustomerScope
    scope: StoreScope  # the customer's own scope: it acts as the customer, on itself only

    @property
    def customer_id(self) -> uuid.UUID:
        return self.customer.customer_id


def _claims(request: Request, settings: Settings) -> CustomerClaims:
    token = bearer_token(request)
    config = AccountConfig.of(settings)
    try:
        return read_customer_token(config.secret, token)
    except Unauthorized:
        try:
            read_access_token(settings.jwt_secret, token)
        except Unauthorized:
            raise
        raise Forbidden("This API is for signed-in customers; staff use /v1") from None


async def _shopper(runner: AsyncSession | Database, claims: CustomerClaims) -> Shopper:
    customer = await resolve_token_scope(runner, claims)
    return Shopper(customer, scope_of_customer(customer.store, customer.customer_id))


async def get_shopper(request: Request, session: SessionDep, settings: SettingsDep) -> Shopper:
    return await _shopper(session, _claims(request, settings))


async def get_reading_shopper(
    request: Request, database: DatabaseDep, settings: SettingsDep
) -> Shopper:
    """For requests that only read: the token checked outside any transaction."""
    return await _shopper(database, _claims(request, settings))


ShopperDep = Annotated[Shopper, Depends(get_shopper)]
ReadingShopperDep = Annotated[Shopper, Depends(get_reading_shopper)]
