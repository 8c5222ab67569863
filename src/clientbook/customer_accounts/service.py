"""Use cases of a customer's sign-in: password sign-in, refresh rotation, sign-out."""

import hashlib
import uuid
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.passwords import verify_password
from clientbook.accounts.throttle import LoginThrottle
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.identify import find_account
from clientbook.customer_accounts.scope import CustomerScope, PublicStore, session_is_live
from clientbook.customer_accounts.secrets import hmac_of, new_token
from clientbook.customer_accounts.tokens import CustomerClaims, issue_customer_token
from clientbook.kit.db import Database, utcnow
from clientbook.kit.errors import Forbidden, Unauthorized
from clientbook.models import (
    Customer,
    CustomerRefreshToken,
    CustomerSession,
)

BAD_SIGN_IN = "Incorrect username or password"
# The throttle's purposes: each counts a client address on its own.
SIGN_IN = "customer"
GUESS = "customer-code"
RECHECK = "customer-recheck"  # the current password, asked again to change it


@dataclass(frozen=True)
class CustomerTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)


def throttle_key(store_id: uuid.UUID, name: str) -> str:
    return f"customer:{store_id}:{name}"


def name_key(found: tuple[Customer, object] | None, username: str) -> str:
    """The throttle counts a known customer by its id (every spelling of its phone is one
    count) and an unknown name by a digest of it (any length fits the key column)."""
    if found is not None:
        return str(found[0].id)
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()


async def sign_in(
    session: AsyncSession,
    database: Database,
    config: AccountConfig,
    throttle: LoginThrottle,
    store: PublicStore,
    *,
    username: str,
    password: str,
    ip: str,
) -> uuid.UUID:
    """A new session for a good username and password; every attempt is counted first.

    An unknown name, a wrong password, a deactivated customer and a customer without a
    password all answer the same 401, after the same argon2 check. Only the right password
    of a pending account learns that it is pending.
    """
    # Read on a reader of its own: on SQLite the throttle's count must not wait for this
    # request's transaction.
    async with database.reading() as reader:
        found = await find_account(reader, store, username)
    key = throttle_key(store.id, name_key(found, username))
    await throttle.attempt(email_key=key, ip=ip, purpose=SIGN_IN)
    customer, credential = found or (None, None)
    good = verify_password(credential.password_hash if credential else None, password)
    if customer is None or credential is None or not good or not customer.is_active:
        raise Unauthorized(BAD_SIGN_IN)
    await throttle.succeeded(session, email_key=key, ip=ip, purpose=SIGN_IN)
    if credential.activated_at is None:
        raise Forbidden("The account is not activated yet", keep_changes=True)
    auth = CustomerSession(store_id=store.id, customer_id=customer.id)
    session.add(auth)
    await session.flush()
    return auth.id


async def issue_tokens(
    session: AsyncSession, config: AccountConfig, store: PublicStore, session_id: uuid.UUID
) -> CustomerTokens:
    store_id = store.id
    auth = await session.get_one(CustomerSession, (store_id, session_id))
    refresh = new_token()
    session.add(
        CustomerRefreshToken(
            store_id=store_id,
            session_id=session_id,
            token_hmac=hmac_of(config.secret, "refresh", refresh),
            expires_at=utcnow() + config.refresh_ttl,
        )
    )
    await session.flush()
    claims = CustomerClaims(store_id, auth.customer_id, session_id)
    access = issue_customer_token(config.secret, claims, config.access_ttl)
    return CustomerTokens(access, refresh, int(config.access_ttl.total_seconds()))


async def refresh(
    session: AsyncSession, config: AccountConfig, store: PublicStore, refresh_token: str
) -> CustomerTokens:
    """Trade a refresh token for a new pair. The token is consumed by one conditional
    UPDATE, so of two concurrent uses exactly one wins; a used token shown again after
    the grace period revokes its whole session."""
    now = utcnow()
    store_id = store.id
    token_hmac = hmac_of(config.secret, "refresh", refresh_token)
    tokens = CustomerRefreshToken
    session_id = (
        await session.execute(
            update(tokens)
            .where(
                tokens.store_id == store_id,
                tokens.token_hmac == token_hmac,
                tokens.used_at.is_(None),
                tokens.expires_at > now,
            )
            .values(used_at=now)
            .returning(tokens.session_id)
        )
    ).scalar_one_or_none()
    if session_id is None:
        await _refused(session, config, store, token_hmac)
    if not await session_is_live(session, store, session_id):
        raise Unauthorized("The refresh token is no longer valid")
    return await issue_tokens(session, config, store, session_id)


async def _refused(
    session: AsyncSession, config: AccountConfig, store: PublicStore, token_hmac: str
) -> NoReturn:
    store_id = store.id
    used = (
        await session.execute(
            select(CustomerRefreshToken).where(
                CustomerRefreshToken.store_id == store_id,
                CustomerRefreshToken.token_hmac == token_hmac,
            )
        )
    ).scalar_one_or_none()
    if used is None or used.used_at is None:
        raise Unauthorized("The refresh token is invalid or has expired")
    if used.used_at > utcnow() - config.reuse_grace:
        raise Unauthorized("The refresh token was just used; use the new one")
    await revoke_session(session, store, used.session_id)
    raise Unauthorized(
        "The refresh token was already used; the session is revoked", keep_changes=True
    )


async def revoke_session(session: AsyncSession, store: PublicStore, session_id: uuid.UUID) -> None:
    store_id = store.id
    await session.execute(
        update(CustomerSession)
        .where(
            CustomerSession.store_id == store_id,
            CustomerSession.id == session_id,
            CustomerSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


async def revoke_customer_sessions(
    session: AsyncSession, store: PublicStore, *customer_ids: uuid.UUID
) -> None:
    """End every sign-in of these customers (deactivated, deleted, or given a new password):
    their tokens stay dead even if the customer is later reactivated or restored."""
    await session.execute(
        update(CustomerSession)
        .where(
            CustomerSession.store_id == store.id,
            CustomerSession.customer_id.in_(customer_ids),
            CustomerSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


async def revoke_other_sessions(session: AsyncSession, scope: CustomerScope) -> None:
    await session.execute(
        update(CustomerSession)
        .where(
            CustomerSession.store_id == scope.store.id,
            CustomerSession.customer_id == scope.customer_id,
            CustomerSession.id != scope.session_id,
            CustomerSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
