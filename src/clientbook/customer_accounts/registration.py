"""A customer registers itself: a pending account, activated by a link or a code.

The answer is the same whether or not the e-mail or phone already has an account (the
owner is told that someone tried instead), so registering reveals nobody. Attempts are
throttled per identifier and per client address.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.accounts.throttle import LoginThrottle
from clientbook.customer_accounts import codes, credentials, notify
from clientbook.customer_accounts.codes import Channel
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.identify import find_account
from clientbook.customer_accounts.schemas import Registration, ResendActivation
from clientbook.customer_accounts.scope import PublicStore, scope_of_customer
from clientbook.customer_accounts.service import name_key, throttle_key
from clientbook.customers.schemas import CustomerCreate
from clientbook.customers.service import create_customer
from clientbook.kit.db import Database
from clientbook.kit.errors import Conflict, ValidationFailed
from clientbook.models import Customer, CustomerCredential

REGISTER = "customer-register"  # the throttle's purposes
RESEND = "customer-resend"


def _channel(data: Registration) -> tuple[Channel, str]:
    """The channel of the activation message and the identifier it goes to."""
    if not data.email and not data.phone:
        raise ValidationFailed.field("email", "give an e-mail address or a phone number")
    channel: Channel = data.channel or ("email" if data.email else "sms")
    if channel == "email":
        if not data.email:
            raise ValidationFailed.field("email", "is needed to send the activation by e-mail")
        return channel, data.email
    if not data.phone:
        raise ValidationFailed.field("phone", "is needed to send the activation by SMS")
    return channel, data.phone


async def register(
    session: AsyncSession,
    database: Database,
    config: AccountConfig,
    throttle: LoginThrottle,
    store: PublicStore,
    data: Registration,
    *,
    ip: str,
) -> None:
    channel, identifier = _channel(data)
    credentials.require_length(data.password)
    names = [name for name in (data.email, data.phone) if name]
    async with database.reading() as reader:  # the throttle's count must not wait for us
        found = [await find_account(reader, store, name) for name in names]
    existing = next((hit for hit in found if hit is not None), None)
    # By the name given, not the account found: the first attempt creates the account
    # the later ones find, and all of them count alike.
    key = throttle_key(store.id, "register:" + name_key(None, identifier))
    await throttle.attempt(email_key=key, ip=ip, purpose=REGISTER)
    if existing is not None:
        owner = await session.get_one(Customer, (store.id, existing[0].id))
        await notify.tell_registered(session, store, owner, channel)
        return
    fields = CustomerCreate(
        first_name=data.first_name,
        last_name=data.last_name,
        email=data.email,
        phone=data.phone,
        language=data.language,
    )
    try:
        async with session.begin_nested():  # a concurrent twin may take the e-mail first
            customer = await create_customer(session, scope_of_customer(store, None), fields)
    except Conflict:
        return  # the twin's own messages tell its owner; the answer stays the same
    await credentials.save_password(session, store, customer.id, data.password, activate=False)
    await notify.send_secret(
        session, config, store, customer, purpose=codes.ACTIVATION, channel=channel
    )


async def resend_activation(
    session: AsyncSession,
    database: Database,
    config: AccountConfig,
    throttle: LoginThrottle,
    store: PublicStore,
    data: ResendActivation,
    *,
    ip: str,
) -> None:
    """Send a pending account's activation again; the same answer for any username."""
    async with database.reading() as reader:
        found = await find_account(reader, store, data.username)
    key = throttle_key(store.id, "resend:" + name_key(found, data.username))
    await throttle.attempt(email_key=key, ip=ip, purpose=RESEND)
    if found is None or found[1] is None or found[1].activated_at is not None:
        return
    customer = await session.get_one(Customer, (store.id, found[0].id))
    credential = await session.get(CustomerCredential, (store.id, customer.id))
    if credential is None or credential.activated_at is not None or not customer.is_active:
        return
    channel: Channel = data.channel or ("email" if "@" in data.username else "sms")
    if notify.address_of(customer, channel):
        await notify.send_secret(
            session, config, store, customer, purpose=codes.ACTIVATION, channel=channel
        )
