"""Who calls ``/api/customers/...``: a signed-in customer, by its customer access token
(``Authorization: Bearer``). The token names the store; nothing in the path or query
does, so a customer only ever reaches its own store and its own record."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from clientbook.accounts.tokens import read_access_token
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import (
    CustomerScope,
    resolve_token_scope,
    scope_of_customer,
)
from clientbook.customer_accounts.tokens import read_customer_token
from clientbook.deps import SessionDep, SettingsDep, bearer_token
from clientbook.kit.errors import Forbidden, Unauthorized
from clientbook.stores.scope import StoreScope


@dataclass(frozen=True)
class Shopper:
    customer: CustomerScope
    scope: StoreScope  # the customer's own scope: it acts as the customer, on itself only

    @property
    def customer_id(self) -> uuid.UUID:
        return self.customer.customer_id


async def get_shopper(request: Request, session: SessionDep, settings: SettingsDep) -> Shopper:
    token = bearer_token(request)
    config = AccountConfig.of(settings)
    try:
        claims = read_customer_token(config.secret, token)
    except Unauthorized:
        try:
            read_access_token(settings.jwt_secret, token)
        except Unauthorized:
            raise
        raise Forbidden("This API is for signed-in customers; staff use /v1") from None
    customer = await resolve_token_scope(session, claims)
    return Shopper(customer, scope_of_customer(customer.store, customer.customer_id))


ShopperDep = Annotated[Shopper, Depends(get_shopper)]
