"""Messages to a customer that carry a one-time secret: issued and queued together.

The secret and its outbox row are written in the caller's transaction: a rolled-back
request sends nothing, and a committed one delivers the very secret it stored.
"""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customer_accounts import codes
from clientbook.customer_accounts.codes import Channel
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import PublicStore
from clientbook.kit.errors import ValidationFailed
from clientbook.messages.outbox import enqueue
from clientbook.models import Customer

TEMPLATES = {
    codes.ACTIVATION: "customer_activation",
    codes.RESET: "customer_password_reset",
    codes.CONTACT: "customer_contact_change",
}
REGISTER_EXISTING = "customer_register_existing"
_FIELD = {"email": "email", "sms": "phone"}


def address_of(customer: Customer, channel: Channel) -> str | None:
    return customer.email if channel == "email" else customer.phone_e164


def require_address(customer: Customer, channel: Channel) -> str:
    """The customer's address for the channel, or a 422 naming the missing field."""
    address = address_of(customer, channel)
    if not address:
        what = "an e-mail address" if channel == "email" else "an international phone number"
        raise ValidationFailed.field(_FIELD[channel], f"the customer has no {what} to send to")
    return address


def _minutes(ttl: timedelta) -> int:
    return max(1, int(ttl.total_seconds()) // 60)


async def send_secret(
    session: AsyncSession,
    config: AccountConfig,
    store: PublicStore,
    customer: Customer,
    *,
    purpose: str,
    channel: Channel,
    to: str | None = None,
    target: str | None = None,
) -> None:
    """Issue a link token (e-mail) or code (SMS) for ``purpose`` and queue its message to
    ``to`` (by default the customer's own address for the channel)."""
    address = to or require_address(customer, channel)
    value = await codes.issue(
        session, config, store, customer.id, purpose=purpose, channel=channel, target=target
    )
    ttl = config.code_ttl if channel == "sms" else config.link_ttl
    secret = {"code": value} if channel == "sms" else {"token": value}
    await enqueue(
        session,
        store_id=store.id,
        channel=channel,
        to=address,
        template=TEMPLATES[purpose],
        context={"name": customer.first_name, **secret, "valid_minutes": _minutes(ttl)}
        if customer.first_name
        else {**secret, "valid_minutes": _minutes(ttl)},
        language=customer.language or None,
        customer_id=customer.id,
    )


async def tell_registered(
    session: AsyncSession, store: PublicStore, customer: Customer, channel: Channel
) -> None:
    """Tell an account's owner that someone tried to register with its address."""
    address = address_of(customer, channel)
    if not address:
        return
    context = {"name": customer.first_name} if customer.first_name else {}
    await enqueue(
        session,
        store_id=store.id,
        channel=channel,
        to=address,
        template=REGISTER_EXISTING,
        context=context,
        language=customer.language or None,
        customer_id=customer.id,
    )
