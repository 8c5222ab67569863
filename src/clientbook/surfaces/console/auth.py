"""Signing in and out, and choosing a store."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from clientbook.accounts import service as accounts
from clientbook.accounts.throttle import LoginThrottle
from clientbook.accounts.tokens import AccessClaims
from clientbook.deps import SessionDep, SettingsDep
from clientbook.kit.errors import TooManyRequests, Unauthorized
from clientbook.stores import service as stores
from clientbook.stores.scope import ensure_live_session
from clientbook.surfaces.console import session as cookie
from clientbook.surfaces.console.deps import ClaimsDep, SignInNeeded
from clientbook.surfaces.console.render import render, see_other

router = APIRouter(prefix="/console", include_in_schema=False)
Next = Annotated[str, Query(alias="next", max_length=2000)]


def _safe_next(target: str) -> str:
    """Only a console page: never another site (``//evil``) after signing in."""
    if target.startswith("/console/") and not target.startswith("/console//"):
        return target
    return "/console"


@router.get("/sign-in")
async def sign_in_page(
    request: Request, settings: SettingsDep, next_: Next = "/console"
) -> Response:
    """The sign-in form, with its pre-session CSRF token."""
    response = Response()
    token = cookie.issue_pre_session(request, response, settings)
    page = render(request, "sign_in.html", csrf=token, next=_safe_next(next_), errors={})
    page.raw_headers.extend(h for h in response.raw_headers if h[0] == b"set-cookie")
    return page


@router.post("/sign-in")
async def sign_in(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    form = await request.form()
    given = form.get(cookie.CSRF_FIELD)
    cookie.check_pre_session(request, given if isinstance(given, str) else None)
    email, password = str(form.get("email") or ""), str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or "/console"))
    ip = request.client.host if request.client else "unknown"
    throttle: LoginThrottle = request.app.state.login_throttle
    try:
        auth = await accounts.sign_in(session, throttle, email=email, password=password, ip=ip)
    except (Unauthorized, TooManyRequests) as exc:
        # The throttle counted the attempt on its own connection; nothing here to keep.
        await session.rollback()
        status = 429 if isinstance(exc, TooManyRequests) else 401
        return render(
            request,
            "sign_in.html",
            status,
            csrf=str(given),
            next=target,
            email=email,
            errors={"password": exc.detail},
        )
    response = see_other(target)
    cookie.start(request, response, settings, AccessClaims(auth.user_id, auth.id))
    return response


@router.post("/sign-out")
async def sign_out(
    request: Request, session: SessionDep, settings: SettingsDep, claims: ClaimsDep
) -> Response:
    await accounts.logout(session, claims)
    response = see_other("/console/sign-in")
    cookie.end(request, response, settings)
    return response


@router.get("")
async def choose_store(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The stores the staff member works in; with only one, straight to its customers."""
    claims = cookie.claims_of(request, settings)
    if claims is None:
        return see_other("/console/sign-in")
    try:
        await ensure_live_session(session, claims)
    except Unauthorized as exc:
        raise SignInNeeded(exc.detail) from exc
    mine = await stores.my_stores(session, claims.user_id)
    if len(mine) == 1:
        return see_other(f"/console/{mine[0][0].code}/customers")
    return render(
        request,
        "stores.html",
        stores=mine,
        csrf=cookie.csrf_token(settings, claims),
        console=None,
        title="Choose a store",
    )
