"""Staff give a customer credentials: set a password, register a pending account."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from clientbook.accounts.throttle import LoginThrottle
from clientbook.customer_accounts.scope import CustomerScope, PublicStore, public_store_of
from clientbook.customer_accounts.service import (
    RECHECK,
    revoke_customer_sessions,
    revoke_other_sessions,
    throttle_key,
)
from clientbook.customers.service import get_customer
from clientbook.kit.db import utcnow
from clientbook.kit.errors import ValidationFailed
from clientbook.models import CustomerCredential
from clientbook.stores.scope import Role, StoreScope


def require_length(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.field(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")


def check_password(password: str) -> str:
    require_length(password)
    return hash_password(password)


async def save_password(
    session: AsyncSession,
    store: PublicStore,
    customer_id: uuid.UUID,
    password: str,
    *,
    activate: bool,
) -> CustomerCredential:
    """Set the password; every earlier sign-in of the customer ends."""
    password_hash = check_password(password)
    store_id = store.id
    credential = await session.get(CustomerCredential, (store_id, customer_id))
    if credential is None:
        credential = CustomerCredential(store_id=store_id, customer_id=customer_id)
        session.add(credential)
    credential.password_hash = password_hash
    if activate and credential.activated_at is None:
        credential.activated_at = utcnow()
    await session.flush()
    await revoke_customer_sessions(session, store, customer_id)
    return credential


async def set_password(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, password: str
) -> None:
    """Staff set a customer's password; a customer staff look after is active at once."""
    scope.require(Role.admin)
    await get_customer(session, scope, customer_id, for_update=True)
    await save_password(session, public_store_of(scope), customer_id, password, activate=True)


async def change_password(
    session: AsyncSession,
    throttle: LoginThrottle,
    scope: CustomerScope,
    current: str,
    new: str,
    *,
    ip: str,
) -> None:
    """A customer changes its own password (the old one is needed, and guesses of it are
    throttled as sign-ins are); its other sessions end, the one it asks from stays."""
    password_hash = check_password(new)
    key = throttle_key(scope.store.id, f"recheck:{scope.customer_id}")
    await throttle.attempt(email_key=key, ip=ip, purpose=RECHECK, session=session)
    credential = await session.get_one(
        CustomerCredential, (scope.store.id, scope.customer_id), with_for_update=True
    )
    if not verify_password(credential.password_hash, current):
        wrong = ValidationFailed.field("current_password", "is not the current password")
        wrong.keep_changes = True  # the throttle's count stands
        raise wrong
    await throttle.succeeded(session, email_key=key, ip=ip, purpose=RECHECK)
    credential.password_hash = password_hash
    await session.flush()
    await revoke_other_sessions(session, scope)


async def set_own_password(session: AsyncSession, scope: CustomerScope, password: str) -> None:
    """A signed-in customer sets a new password without the current one (Aimeos' PATCH
    of ``customer.password``); its other sessions end, the one it asks from stays."""
    password_hash = check_password(password)
    credential = await session.get_one(
        CustomerCredential, (scope.store.id, scope.customer_id), with_for_update=True
    )
    credential.password_hash = password_hash
    await session.flush()
    await revoke_other_sessions(session, scope)
