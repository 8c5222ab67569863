"""Cookie sessions for browser clients, and their CSRF tokens.

The session is a ``customer_sessions`` row (so every worker sees it, and deactivation,
deletion or a new password end it as they end token sessions); the cookie holds a random
value of which only the HMAC is stored. The cookie is ``HttpOnly``, ``SameSite=Lax``,
limited to the store's path, and ``Secure`` outside development.

CSRF: every unsafe request that a cookie authenticates must echo the session's CSRF
token in ``X-CSRF-Token`` (a synchronizer token derived from the session by HMAC, given
at sign-in). The cookie sign-in itself is guarded against login CSRF by a pre-session
double-submit token: ``GET .../customer-auth/csrf`` sets a random ``HttpOnly`` cookie and
answers the same value, which the sign-in must send in ``X-CSRF-Token``; a cross-site
page can neither read that answer nor set the header without a CORS grant.
"""

import hmac
import uuid
from datetime import timedelta

from fastapi import Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import CustomerScope, PublicStore, session_is_live
from clientbook.customer_accounts.secrets import hmac_of, new_token
from clientbook.kit.db import utcnow
from clientbook.kit.errors import Forbidden, Unauthorized
from clientbook.models import CustomerSession

SESSION_COOKIE = "clientbook_customer"
PRE_SESSION_COOKIE = "clientbook_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PRE_SESSION_TTL = timedelta(hours=1)


def csrf_token(config: AccountConfig, session_id: uuid.UUID) -> str:
    return hmac_of(config.secret, "csrf", str(session_id))


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def cookie_path(store: PublicStore) -> str:
    return f"/v1/stores/{store.code}"


def _set(
    response: Response, config: AccountConfig, name: str, value: str, path: str, ttl: timedelta
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(ttl.total_seconds()),
        path=path,
        httponly=True,
        samesite="lax",
        secure=config.secure_cookies,
    )


def issue_pre_session(response: Response, config: AccountConfig, store: PublicStore) -> str:
    value = new_token()
    _set(response, config, PRE_SESSION_COOKIE, value, cookie_path(store), PRE_SESSION_TTL)
    return value


def check_pre_session(request: Request) -> None:
    """The cookie sign-in's login-CSRF guard: header and pre-session cookie must agree."""
    cookie = request.cookies.get(PRE_SESSION_COOKIE)
    if not cookie or not _same(request.headers.get(CSRF_HEADER), cookie):
        raise Forbidden("The CSRF token is missing or wrong; get one from customer-auth/csrf")


async def start(
    session: AsyncSession,
    config: AccountConfig,
    store: PublicStore,
    session_id: uuid.UUID,
    response: Response,
    *,
    path: str | None = None,
) -> str:
    """Make the signed-in session a cookie session; the CSRF token to echo. ``path`` is
    where the browser sends the cookie: the store's ``/v1`` paths unless a surface says."""
    value = new_token()
    auth = await session.get_one(CustomerSession, (store.id, session_id))
    auth.cookie_hmac = hmac_of(config.secret, "cookie", value)
    auth.expires_at = utcnow() + config.refresh_ttl
    await session.flush()
    path = path or cookie_path(store)
    _set(response, config, SESSION_COOKIE, value, path, config.refresh_ttl)
    response.delete_cookie(PRE_SESSION_COOKIE, path=path)
    return csrf_token(config, session_id)


def end(
    response: Response, config: AccountConfig, store: PublicStore, *, path: str | None = None
) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path=path or cookie_path(store),
        httponly=True,
        samesite="lax",
        secure=config.secure_cookies,
    )


async def cookie_session(
    session: AsyncSession, config: AccountConfig, store: PublicStore, value: str
) -> CustomerScope | None:
    """The live session a session cookie of this store names, or None."""
    row = (
        await session.execute(
            select(CustomerSession.id, CustomerSession.customer_id).where(
                CustomerSession.store_id == store.id,
                CustomerSession.cookie_hmac == hmac_of(config.secret, "cookie", value),
                CustomerSession.expires_at > utcnow(),
            )
        )
    ).one_or_none()
    if row is None or not await session_is_live(session, store, row.id):
        return None
    return CustomerScope(store, row.customer_id, row.id)


def same_token(given: str | None, expected: str) -> bool:
    return _same(given, expected)


async def scope_from_cookie(
    session: AsyncSession, config: AccountConfig, store: PublicStore, request: Request
) -> CustomerScope:
    """The customer a session cookie of this store names; unsafe methods need its CSRF
    token (403 when missing or wrong)."""
    scope = await cookie_session(session, config, store, request.cookies.get(SESSION_COOKIE, ""))
    if scope is None:
        raise Unauthorized("The session has ended; sign in again")
    if request.method not in SAFE_METHODS and not _same(
        request.headers.get(CSRF_HEADER), csrf_token(config, scope.session_id)
    ):
        raise Forbidden("The CSRF token is missing or wrong")
    return scope
