"""Staff (re)send a customer's activation message."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customer_accounts import codes, notify
from clientbook.customer_accounts.codes import Channel
from clientbook.customer_accounts.config import AccountConfig
from clientbook.customer_accounts.scope import public_store_of
from clientbook.customers.service import get_customer
from clientbook.stores.scope import Role, StoreScope


async def send_activation(
    session: AsyncSession,
    config: AccountConfig,
    scope: StoreScope,
    customer_id: uuid.UUID,
    channel: Channel,
) -> None:
    """A new activation secret by e-mail (link token) or SMS (code); older ones die.

    A customer staff made is active already: its token then confirms the address, once.
    """
    scope.require(Role.seller)
    customer = await get_customer(session, scope, customer_id)
    await notify.send_secret(
        session, config, public_store_of(scope), customer, purpose=codes.ACTIVATION, channel=channel
    )
    await audit.record(session, scope, customer.id, "activation_sent", [channel])
