"""A forgotten password: a one-time secret by message, then a new password with it.

The request answers the same whether or not the username names an account, and is
throttled per username and per client address.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.throttle import LoginThrottle
from clientbook.customer_accounts import codes, credentials, notify
from clientbook.customer_accounts.codes import Channel
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.identify import find_account
from clientbook.customer_accounts.scope import PublicStore
from clientbook.customer_accounts.service import name_key, throttle_key
from clientbook.kit.db import Database
from clientbook.kit.errors import ValidationFailed
from clientbook.models import Customer

REQUEST = "customer-reset"  # the throttle's purpose


def channel_for(customer: Customer, username: str, asked: Channel | None) -> Channel | None:
    """The channel asked for, else the one the username is (an e-mail, or a phone or card
    number: SMS when the customer has a phone); None when the customer has no address."""
    if asked is None:
        asked = "email" if "@" in username or not customer.phone_e164 else "sms"
    return asked if notify.address_of(customer, asked) else None


async def request_reset(
    session: AsyncSession,
    database: Database,
    config: AccountConfig,
    throttle: LoginThrottle,
    store: PublicStore,
    *,
    username: str,
    channel: Channel | None,
    ip: str,
) -> None:
    """Queue a reset secret to the account the username names, if there is one."""
    async with database.reading() as reader:  # the throttle's count must not wait for us
        found = await find_account(reader, store, username)
    key = throttle_key(store.id, "reset:" + name_key(found, username))
    await throttle.attempt(email_key=key, ip=ip, purpose=REQUEST)
    if found is None or not found[0].is_active:
        return
    customer = await session.get_one(Customer, (store.id, found[0].id))
    chosen = channel_for(customer, username, channel)
    if chosen is not None:
        await notify.send_secret(
            session, config, store, customer, purpose=codes.RESET, channel=chosen
        )


async def confirm_reset(
    session: AsyncSession,
    config: AccountConfig,
    throttle: LoginThrottle,
    database: Database,
    store: PublicStore,
    *,
    token: str | None,
    code: str | None,
    username: str | None,
    password: str,
    ip: str,
) -> None:
    """Set the new password with a link token, or a code and its username; once. Every
    session of the customer ends (their refresh tokens with them)."""
    credentials.require_length(password)
    if token is not None:
        redeemed = await codes.redeem_token(session, config, store, codes.RESET, token)
    elif code is not None and username is not None:
        redeemed = await codes.guess_code(
            session,
            config,
            throttle,
            database,
            store,
            purpose=codes.RESET,
            username=username,
            code=code,
            ip=ip,
        )
    else:
        raise ValidationFailed.field("token", "send a token, or a code with its username")
    # The secret reached the customer's own address: that activates a pending account too.
    await credentials.save_password(session, store, redeemed.customer_id, password, activate=True)
