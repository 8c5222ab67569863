"""What a console page needs: the signed-in staff member's scope in the store it names,
checked in one query, and for unsafe requests the CSRF token."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request

from clientbook.accounts.tokens import AccessClaims
from clientbook.deps import SessionDep, SettingsDep
from clientbook.kit.errors import Forbidden, Unauthorized
from clientbook.stores.scope import Role, StoreScope, resolve_store_scope
from clientbook.surfaces.console import session as cookie

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class SignInNeeded(Unauthorized):
    """No live console session: the console answers with the sign-in page."""


@dataclass(frozen=True)
class Console:
    """The signed-in staff member in one store, and the token its forms echo."""

    scope: StoreScope
    claims: AccessClaims
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.scope.role.rank >= Role.admin.rank

    @property
    def base(self) -> str:
        return f"/console/{self.scope.store_code}"


async def check_csrf(request: Request, expected: str) -> None:
    given = request.headers.get(cookie.CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(cookie.CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not cookie.same(given, expected):
        raise Forbidden("The form has expired; reload the page and try again")


async def get_claims(request: Request, settings: SettingsDep) -> AccessClaims:
    claims = cookie.claims_of(request, settings)
    if claims is None:
        raise SignInNeeded("Sign in to use the console")
    if request.method in UNSAFE:
        await check_csrf(request, cookie.csrf_token(settings, claims))
    return claims


ClaimsDep = Annotated[AccessClaims, Depends(get_claims)]
StoreCode = Annotated[str, Path(max_length=64)]


async def get_console(
    session: SessionDep, settings: SettingsDep, claims: ClaimsDep, store: StoreCode
) -> Console:
    try:
        scope = await resolve_store_scope(session, claims, store)
    except Unauthorized as exc:
        raise SignInNeeded(exc.detail) from exc
    return Console(scope, claims, cookie.csrf_token(settings, claims))


ConsoleDep = Annotated[Console, Depends(get_console)]
