"""One-time activation secrets: a link token (e-mail) or a 6-digit code (SMS).

A secret is consumed by one conditional UPDATE ... RETURNING: of concurrent redemptions
exactly one succeeds. A new secret of a purpose replaces the customer's older ones.
Wrong codes count against the customer's live codes too, so a code dies after a few
guesses however they are spread over addresses.
"""

import hmac
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.throttle import LoginThrottle
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.identify import find_account
from clientbook.customer_accounts.scope import PublicStore
from clientbook.customer_accounts.secrets import hmac_of, new_code, new_token
from clientbook.customer_accounts.service import GUESS, name_key, throttle_key
from clientbook.kit.db import Database, utcnow
from clientbook.kit.errors import ValidationFailed
from clientbook.models import CustomerCode, CustomerCredential

Channel = Literal["email", "sms"]
ACTIVATION = "activation"
RESET = "reset"
CONTACT = "contact"  # a new e-mail or phone; the code's target holds it


def _code_hmac(
    key: str, store_id: uuid.UUID, customer_id: uuid.UUID, purpose: str, code: str
) -> str:
    return hmac_of(key, "code", str(store_id), str(customer_id), purpose, code)


async def issue(
    session: AsyncSession,
    config: AccountConfig,
    store: PublicStore,
    customer_id: uuid.UUID,
    *,
    purpose: str,
    channel: Channel,
    target: str | None = None,
) -> str:
    """A new link token (email) or code (sms) for the customer; the value to send."""
    store_id = store.id
    codes = CustomerCode
    await session.execute(
        delete(codes).where(
            codes.store_id == store_id, codes.customer_id == customer_id, codes.purpose == purpose
        )
    )
    if channel == "sms":
        value = new_code()
        stored = _code_hmac(config.secret, store_id, customer_id, purpose, value)
        ttl = config.code_ttl
    else:
        value = new_token()
        stored = hmac_of(config.secret, "link", value)
        ttl = config.link_ttl
    session.add(
        CustomerCode(
            store_id=store_id,
            customer_id=customer_id,
            purpose=purpose,
            code_hmac=stored,
            target=target,
            expires_at=utcnow() + ttl,
            attempts=0,
        )
    )
    await session.flush()
    return value


@dataclass(frozen=True)
class Redeemed:
    customer_id: uuid.UUID
    target: str | None


async def _consume(
    session: AsyncSession,
    config: AccountConfig,
    store: PublicStore,
    purpose: str,
    stored: str,
) -> Redeemed | None:
    store_id = store.id
    codes = CustomerCode
    row = (
        await session.execute(
            update(codes)
            .where(
                codes.store_id == store_id,
                codes.code_hmac == stored,
                codes.purpose == purpose,
                codes.used_at.is_(None),
                codes.expires_at > utcnow(),
                codes.attempts < config.code_max_attempts,
            )
            .values(used_at=utcnow())
            .returning(codes.customer_id, codes.target)
        )
    ).one_or_none()
    return None if row is None else Redeemed(row.customer_id, row.target)


def _refused(field: str) -> ValidationFailed:
    return ValidationFailed.field(field, "is invalid, expired or already used")


async def redeem_token(
    session: AsyncSession, config: AccountConfig, store: PublicStore, purpose: str, token: str
) -> Redeemed:
    """Use a link token of this purpose once; a 422 on ``token`` if it does not work."""
    found = await _consume(session, config, store, purpose, hmac_of(config.secret, "link", token))
    if found is None:
        raise _refused("token")
    return found


async def redeem_code(
    session: AsyncSession,
    config: AccountConfig,
    store: PublicStore,
    customer_id: uuid.UUID,
    purpose: str,
    code: str,
) -> Redeemed:
    """Use the customer's code of this purpose once; a wrong one counts against it."""
    stored = _code_hmac(config.secret, store.id, customer_id, purpose, code.strip())
    found = await _consume(session, config, store, purpose, stored)
    if found is None:
        await _count_wrong_guess(session, store, customer_id, purpose)
        refused = _refused("code")
        refused.keep_changes = True
        raise refused
    return found


async def guess_code(
    session: AsyncSession,
    config: AccountConfig,
    throttle: LoginThrottle,
    database: Database,
    store: PublicStore,
    *,
    purpose: str,
    username: str,
    code: str,
    ip: str,
) -> Redeemed:
    """A code given with the username it was sent for, counted by the throttle first."""
    async with database.reading() as reader:  # as in service.sign_in
        found = await find_account(reader, store, username)
    await throttle.attempt(
        email_key=throttle_key(store.id, "code:" + name_key(found, username)),
        ip=ip,
        purpose=GUESS,
    )
    if found is None:
        raise _refused("code")
    return await redeem_code(session, config, store, found[0].id, purpose, code)


async def activate_with_token(
    session: AsyncSession, config: AccountConfig, store: PublicStore, token: str
) -> uuid.UUID:
    customer_id = (await redeem_token(session, config, store, ACTIVATION, token)).customer_id
    await _mark_activated(session, store, customer_id)
    return customer_id


async def activate_with_code(
    session: AsyncSession,
    config: AccountConfig,
    throttle: LoginThrottle,
    database: Database,
    store: PublicStore,
    *,
    username: str,
    code: str,
    ip: str,
) -> uuid.UUID:
    redeemed = await guess_code(
        session,
        config,
        throttle,
        database,
        store,
        purpose=ACTIVATION,
        username=username,
        code=code,
        ip=ip,
    )
    await _mark_activated(session, store, redeemed.customer_id)
    return redeemed.customer_id


async def _count_wrong_guess(
    session: AsyncSession, store: PublicStore, customer_id: uuid.UUID, purpose: str
) -> None:
    store_id = store.id
    codes = CustomerCode
    await session.execute(
        update(codes)
        .where(
            codes.store_id == store_id,
            codes.customer_id == customer_id,
            codes.purpose == purpose,
            codes.used_at.is_(None),
        )
        .values(attempts=codes.attempts + 1)
    )


async def _mark_activated(
    session: AsyncSession, store: PublicStore, customer_id: uuid.UUID
) -> None:
    """Pending becomes active; an account already active stays so (the address is confirmed)."""
    store_id = store.id
    credential = await session.get(CustomerCredential, (store_id, customer_id))
    if credential is None:
        session.add(
            CustomerCredential(store_id=store_id, customer_id=customer_id, activated_at=utcnow())
        )
    elif credential.activated_at is None:
        credential.activated_at = utcnow()
    await session.flush()


async def activate_with_code_only(
    session: AsyncSession,
    config: AccountConfig,
    throttle: LoginThrottle,
    store: PublicStore,
    *,
    code: str,
    ip: str,
) -> uuid.UUID:
    """Activate with an SMS code given without its username (Open Loyalty's
    ``activate-sms/{token}``). Codes are keyed by their customer, so the store's live
    activation codes are tried one by one (a few HMACs each); guesses are counted per
    client address, since no customer is named to count them against."""
    await throttle.attempt(
        email_key=throttle_key(store.id, "code-only:" + ip), ip=ip, purpose=GUESS, session=session
    )
    store_id, given = store.id, code.strip()
    codes = CustomerCode
    live = await session.stream(
        select(codes.customer_id, codes.code_hmac).where(
            codes.store_id == store_id,
            codes.purpose == ACTIVATION,
            codes.used_at.is_(None),
            codes.expires_at > utcnow(),
            codes.attempts < config.code_max_attempts,
        )
    )
    stored = None
    async for row in live:
        candidate = _code_hmac(config.secret, store_id, row.customer_id, ACTIVATION, given)
        if hmac.compare_digest(candidate, row.code_hmac):
            stored = candidate
            break
    await live.close()
    found = None if stored is None else await _consume(session, config, store, ACTIVATION, stored)
    if found is None:
        refused = _refused("code")
        refused.keep_changes = True  # the guess stays counted
        raise refused
    await _mark_activated(session, store, found.customer_id)
    return found.customer_id
