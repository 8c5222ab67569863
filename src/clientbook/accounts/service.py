"""Use cases for staff accounts: create, sign in, refresh, sign out."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from clientbook.accounts.throttle import LoginThrottle
from clientbook.accounts.tokens import (
    AccessClaims,
    expiry,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
)
from clientbook.kit.contact import clean_email, email_key
from clientbook.kit.db import utcnow
from clientbook.kit.errors import Conflict, FieldError, Unauthorized, ValidationFailed
from clientbook.models import AuthSession, RefreshToken, User
from clientbook.settings import Settings


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)


async def create_user(
    session: AsyncSession, *, email: str, password: str, name: str | None = None
) -> User:
    try:
        email = clean_email(email)
    except ValueError as exc:
        raise ValidationFailed.field("email", str(exc)) from exc
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.field(
            "password", f"must be at least {MIN_PASSWORD_LENGTH} characters"
        )
    if await find_user(session, email) is not None:
        raise _user_exists()
    user = User(
        email=email, email_key=email_key(email), password_hash=hash_password(password), name=name
    )
    session.add(user)
    await session.flush()
    return user


def _user_exists() -> Conflict:
    message = "a user with this e-mail already exists"
    return Conflict(message, errors=[FieldError("email", message)])


async def find_user(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email_key == email_key(email)))
    return result.scalar_one_or_none()


async def login(
    session: AsyncSession,
    settings: Settings,
    login_throttle: LoginThrottle,
    *,
    email: str,
    password: str,
    ip: str,
) -> TokenPair:
    """Tokens for a good e-mail and password; every attempt is counted first."""
    auth_session = await sign_in(session, login_throttle, email=email, password=password, ip=ip)
    return await _issue(session, settings, auth_session)


async def sign_in(
    session: AsyncSession, login_throttle: LoginThrottle, *, email: str, password: str, ip: str
) -> AuthSession:
    """A new session for a good e-mail and password (the API's tokens and the console's
    cookie both stand on one); every attempt is counted first."""
    key = email_key(email)
    await login_throttle.attempt(email_key=key, ip=ip)
    user = await find_user(session, email)
    good = verify_password(user.password_hash if user else None, password)
    if user is None or not good or not user.is_active:
        raise Unauthorized("Incorrect e-mail or password")
    await login_throttle.succeeded(session, email_key=key, ip=ip)
    auth_session = AuthSession(user_id=user.id)
    session.add(auth_session)
    await session.flush()
    return auth_session


async def refresh(session: AsyncSession, settings: Settings, refresh_token: str) -> TokenPair:
    """Trade a refresh token for a new pair; a token presented twice revokes its session."""
    now = utcnow()
    token = (
        await session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(refresh_token))
        )
    ).scalar_one_or_none()
    if token is None:
        raise Unauthorized("The refresh token is invalid")
    auth_session = await session.get_one(AuthSession, token.session_id)
    if auth_session.revoked_at is not None or token.expires_at <= now:
        raise Unauthorized("The refresh token is no longer valid")
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        auth_session.revoked_at = now
        await session.flush()
        raise Unauthorized(
            "The refresh token was already used; the session is revoked", keep_changes=True
        )
    user = await session.get_one(User, auth_session.user_id)
    if not user.is_active:
        raise Unauthorized("The account is disabled")
    return await _issue(session, settings, auth_session)


async def logout(session: AsyncSession, claims: AccessClaims) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == claims.session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def _issue(session: AsyncSession, settings: Settings, auth_session: AuthSession) -> TokenPair:
    refresh_token = new_refresh_token()
    session.add(
        RefreshToken(
            session_id=auth_session.id,
            token_hash=hash_refresh_token(refresh_token),
            expires_at=expiry(timedelta(seconds=settings.refresh_token_ttl_seconds)),
        )
    )
    await session.flush()
    claims = AccessClaims(user_id=auth_session.user_id, session_id=auth_session.id)
    access = issue_access_token(
        settings.jwt_secret, claims, timedelta(seconds=settings.access_token_ttl_seconds)
    )
    return TokenPair(access, refresh_token, settings.access_token_ttl_seconds)


async def issue_token_for(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, ttl: timedelta | None = None
) -> str:
    """An access token for scripting (the ``clientbook token`` command and the demo)."""
    auth_session = AuthSession(user_id=user_id)
    session.add(auth_session)
    await session.flush()
    lifetime = ttl or timedelta(seconds=settings.access_token_ttl_seconds)
    return issue_access_token(settings.jwt_secret, AccessClaims(user_id, auth_session.id), lifetime)
