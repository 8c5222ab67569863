"""Who calls ``/jsonapi`` and for which store, and the CSRF token of every answer.

- A customer ``Authorization: Bearer`` token: its own store and session (a staff token
  is a 403, any other token a 401).
- Else a browser: the store is the request's ``site`` (a store code), else the store that
  claimed the request's host name, else ``CLIENTBOOK_DEFAULT_STORE``; the customer is
  the one its session cookie names (an ended session reads as nobody signed in).

CSRF (the document's ``_token``): a signed-in customer's token is derived from its
session; before sign-in it is an HMAC of a random pre-session cookie set on the first
answer. Every DELETE, PATCH and POST must send it back, in the ``_token`` query
parameter, the body's ``_token`` or ``X-CSRF-Token`` (403 otherwise); a cross-site page
can neither read it nor make it.
"""

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from clientbook.accounts.tokens import read_access_token
from clientbook.customer_accounts import cookies
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import (
    CustomerScope,
    PublicStore,
    resolve_token_scope,
    scope_of_customer,
)
from clientbook.customer_accounts.secrets import hmac_of, new_token
from clientbook.customer_accounts.tokens import read_customer_token
from clientbook.deps import DatabaseDep, SettingsDep
from clientbook.kit import untrusted
from clientbook.kit.db import Database
from clientbook.kit.errors import Forbidden, NotFound, Unauthorized
from clientbook.settings import Settings
from clientbook.stores.scope import StoreScope
from clientbook.stores.sites import HostStore, store_by_code, store_by_host
from clientbook.surfaces.aimeos.params import param

COOKIE_PATH = "/jsonapi"
PRE_SESSION_COOKIE = "clientbook_aimeos_csrf"
UNSAFE = frozenset({"POST", "PATCH", "DELETE", "PUT"})
_COOKIE_VALUE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


@dataclass
class Visitor:
    store: PublicStore
    customer: CustomerScope | None
    csrf: str
    config: AccountConfig
    new_pre_session: str | None = None  # a pre-session cookie to set on the answer
    end_cookie: bool = False  # clear the session cookie on the answer

    @property
    def scope(self) -> StoreScope:
        """The customer's own scope (the services' view of the signed-in customer)."""
        assert self.customer is not None
        return scope_of_customer(self.store, self.customer.customer_id)

    def set_cookies(self, response: Response) -> None:
        """Cookies go on the response a route returns (FastAPI drops those set on an
        injected ``Response`` when the route answers with its own)."""
        if self.new_pre_session is not None:
            response.set_cookie(
                PRE_SESSION_COOKIE,
                self.new_pre_session,
                max_age=int(cookies.PRE_SESSION_TTL.total_seconds()),
                path=COOKIE_PATH,
                httponly=True,
                samesite="lax",
                secure=self.config.secure_cookies,
            )
        if self.end_cookie:
            cookies.end(response, self.config, self.store, path=COOKIE_PATH)

    def signed_out(self) -> "Visitor":
        """The visitor after its session ended: a fresh pre-session token."""
        value = new_token()
        return Visitor(
            self.store, None, pre_session_csrf(self.config, value), self.config, value, True
        )


def pre_session_csrf(config: AccountConfig, value: str) -> str:
    return hmac_of(config.secret, "aimeos-csrf", value)


def _host_store(found: HostStore) -> PublicStore:
    return PublicStore(found.id, found.country, found.code)


async def request_store(request: Request, database: Database, settings: Settings) -> PublicStore:
    site = param(request, "site")
    async with database.reading() as reader:
        if site:
            found = await store_by_code(reader, site)
            request.state.aimeos_site = site
        else:
            found = await store_by_host(reader, request.headers.get("host", ""))
            if found is None and settings.default_store:
                found = await store_by_code(reader, settings.default_store)
    if found is None:
        raise NotFound("No store answers here; name one with ?site=<store code>")
    return _host_store(found)


async def _bearer_visitor(
    request: Request, database: Database, settings: Settings, config: AccountConfig, token: str
) -> Visitor:
    try:
        claims = read_customer_token(config.secret, token)
    except Unauthorized:
        read_access_token(settings.jwt_secret, token)  # 401 unless it is a staff token
        raise Forbidden("This API is for customers; staff use /v1") from None
    customer = await resolve_token_scope(database, claims)
    return Visitor(customer.store, customer, cookies.csrf_token(config, claims.session_id), config)


async def _browser_visitor(
    request: Request, database: Database, settings: Settings, config: AccountConfig
) -> Visitor:
    store = await request_store(request, database, settings)
    value = request.cookies.get(cookies.SESSION_COOKIE)
    if value:
        async with database.reading() as reader:
            customer = await cookies.cookie_session(reader, config, store, value)
        if customer is not None:
            return Visitor(store, customer, cookies.csrf_token(config, customer.session_id), config)
    pre = request.cookies.get(PRE_SESSION_COOKIE, "")
    fresh = None
    if not _COOKIE_VALUE.fullmatch(pre):
        pre = fresh = new_token()
    visitor = Visitor(store, None, pre_session_csrf(config, pre), config, fresh)
    visitor.end_cookie = bool(value)  # an ended session's cookie is cleared
    return visitor


async def get_visitor(request: Request, database: DatabaseDep, settings: SettingsDep) -> Visitor:
    """The caller, its store and CSRF token; an unsafe request's token is checked here."""
    config = AccountConfig.of(settings)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if "authorization" in request.headers:
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Send a customer token as Authorization: Bearer <token>")
        visitor = await _bearer_visitor(request, database, settings, config, token.strip())
    else:
        visitor = await _browser_visitor(request, database, settings, config)
    request.state.aimeos_visitor = visitor
    if request.method in UNSAFE:
        given = param(request, "_token") or request.headers.get(cookies.CSRF_HEADER)
        if not given:
            given = _body_token(await json_body(request))
        if not cookies.same_token(given, visitor.csrf):
            raise Forbidden("The CSRF token (_token) is missing or wrong; take it from meta.csrf")
    return visitor


async def json_body(request: Request) -> Any:
    """The request body parsed as JSON whatever its media type (jQuery sends a JSON
    string as a form by default); None when empty. Bad JSON, a NUL, a lone surrogate or
    deep nesting is a 400 naming ``data``."""
    if hasattr(request.state, "aimeos_body"):
        return request.state.aimeos_body
    raw = await request.body()
    parsed = untrusted.loads(raw, field="data") if raw.strip() else None
    request.state.aimeos_body = parsed
    return parsed


def _body_token(body: Any) -> str | None:
    token = body.get("_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) else None


VisitorDep = Annotated[Visitor, Depends(get_visitor)]
