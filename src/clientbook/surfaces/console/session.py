"""The console's cookie session and its CSRF tokens.

Signing in makes an ordinary staff session (``accounts.service.sign_in``: the API's
throttling, the same ``auth_sessions`` row that sign-out and deactivation end); the cookie
holds an access token for that session with the console's lifetime, ``HttpOnly``,
``SameSite=Lax``, limited to ``/console``, ``Secure`` over HTTPS and in production. Each
request checks the session is live in the same one query that checks the store.

CSRF: every unsafe request echoes a synchronizer token (an HMAC of the session id) in a
form field ``csrf_token`` or the ``X-CSRF-Token`` header. The sign-in form itself is
guarded by a pre-session double-submit token (a random ``HttpOnly`` cookie and the same
value in the form), so no other site can sign a browser into its own account.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from fastapi import Request, Response

from clientbook.accounts.tokens import AccessClaims, issue_access_token, read_access_token
from clientbook.kit.errors import Forbidden, Unauthorized
from clientbook.settings import Environment, Settings

PATH = "/console"
SESSION_COOKIE = "clientbook_console"
PRE_SESSION_COOKIE = "clientbook_console_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LIFETIME = timedelta(hours=12)
PRE_SESSION_LIFETIME = timedelta(hours=1)


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.env is Environment.production


def _set(
    request: Request, response: Response, settings: Settings, name: str, value: str, ttl: timedelta
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(ttl.total_seconds()),
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(request, settings),
    )


def csrf_token(settings: Settings, claims: AccessClaims) -> str:
    message = f"console-csrf:{claims.session_id}".encode()
    return hmac.new(settings.jwt_secret.encode(), message, hashlib.sha256).hexdigest()


def same(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def issue_pre_session(request: Request, response: Response, settings: Settings) -> str:
    """The sign-in form's token; reused while its cookie lives so two tabs both work."""
    value = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)
    _set(request, response, settings, PRE_SESSION_COOKIE, value, PRE_SESSION_LIFETIME)
    return value


def check_pre_session(request: Request, given: str | None) -> None:
    cookie = request.cookies.get(PRE_SESSION_COOKIE)
    if not cookie or not same(given, cookie):
        raise Forbidden("The form has expired; reload the page and sign in again")


def start(request: Request, response: Response, settings: Settings, claims: AccessClaims) -> None:
    token = issue_access_token(settings.jwt_secret, claims, LIFETIME)
    _set(request, response, settings, SESSION_COOKIE, token, LIFETIME)
    response.delete_cookie(PRE_SESSION_COOKIE, path=PATH)


def end(request: Request, response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path=PATH, httponly=True, samesite="lax", secure=_secure(request, settings)
    )


def claims_of(request: Request, settings: Settings) -> AccessClaims | None:
    """The cookie's claims when its signature holds (whether the session is live is asked
    of the database with the store)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return read_access_token(settings.jwt_secret, token)
    except Unauthorized:  # an expired or forged cookie is no session at all
        return None
