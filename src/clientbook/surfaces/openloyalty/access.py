"""Who calls an ``/api/{storeCode}/...`` endpoint: a staff member (access token or the
store's API key, by ``Authorization: Bearer``, ``X-AUTH-TOKEN`` or ``?auth_token=``) or a
signed-in customer of the store (a customer token). Open Loyalty's roles map onto the
store roles: its admin is an owner or admin, its seller any member."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from clientbook.accounts.tokens import read_access_token
from clientbook.api_keys.keys import ApiKeyCredentials, hash_key, is_well_formed, looks_like_key
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import (
    CustomerScope,
    find_public_store,
    resolve_customer_scope,
)
from clientbook.customer_accounts.tokens import read_customer_token
from clientbook.deps import SessionDep, SettingsDep, presented_credential
from clientbook.kit.errors import Forbidden, Unauthorized
from clientbook.stores.scope import (
    KEY_REFUSED,
    Role,
    StoreScope,
    customer_self_scope,
    resolve_store_scope,
)

StoreCode = Annotated[str, Path(alias="storeCode", max_length=64)]


@dataclass(frozen=True)
class Caller:
    scope: StoreScope  # a customer's is good for reading its own record only
    customer: CustomerScope | None = None

    @property
    def is_staff(self) -> bool:
        return self.customer is None


async def get_caller(
    request: Request, session: SessionDep, settings: SettingsDep, store: StoreCode
) -> Caller:
    credential = presented_credential(request)
    if looks_like_key(credential):
        if not is_well_formed(credential):
            raise Unauthorized(KEY_REFUSED)
        return Caller(
            await resolve_store_scope(session, ApiKeyCredentials(hash_key(credential)), store)
        )
    try:
        claims = read_access_token(settings.jwt_secret, credential)
    except Unauthorized:
        config = AccountConfig.of(settings)
        customer_claims = read_customer_token(config.secret, credential)
        public = await find_public_store(session, store)
        customer = await resolve_customer_scope(session, public, customer_claims)
        return Caller(customer_self_scope(public.id, store, public.country), customer)
    return Caller(await resolve_store_scope(session, claims, store))


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_admin(caller: CallerDep) -> StoreScope:
    """Open Loyalty's admin: an owner or admin of the store."""
    if not caller.is_staff:
        raise Forbidden("This needs an admin of the store")
    caller.scope.require(Role.admin)
    return caller.scope


async def get_seller(caller: CallerDep) -> StoreScope:
    """Open Loyalty's seller: any member of the store."""
    if not caller.is_staff:
        raise Forbidden("This needs a member of the store's staff")
    return caller.scope


AdminScope = Annotated[StoreScope, Depends(get_admin)]
SellerScope = Annotated[StoreScope, Depends(get_seller)]


def require_self_or_staff(caller: Caller, customer_id: object) -> None:
    """A customer reaches only its own record; staff reach every customer of the store."""
    if caller.customer is not None and caller.customer.customer_id != customer_id:
        raise Forbidden("A customer can only reach its own record")
