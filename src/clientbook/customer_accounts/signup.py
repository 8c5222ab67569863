"""A customer opens an account by itself on a shop front-end (Aimeos' ``POST
/jsonapi/customer`` with nobody signed in): active at once, with the password it chose
or one generated and sent in the welcome message.

An e-mail that already has an account creates nothing: its owner is told someone tried
(as registration does), and the caller answers as if it had worked, so signing up
reveals nobody.
"""

import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.addresses.schemas import AddressCreate
from clientbook.addresses.service import add_address
from clientbook.customer_accounts import credentials, notify
from clientbook.customer_accounts.identify import find_account
from clientbook.customer_accounts.scope import PublicStore, scope_of_customer
from clientbook.customers.schemas import CustomerCreate
from clientbook.customers.service import create_customer
from clientbook.kit.db import Database
from clientbook.kit.errors import Conflict, ValidationFailed
from clientbook.messages.outbox import enqueue
from clientbook.models import Customer

WELCOME = "customer_welcome"


def generated_password() -> str:
    return secrets.token_urlsafe(12)


async def sign_up(
    session: AsyncSession,
    database: Database,
    store: PublicStore,
    data: CustomerCreate,
    *,
    address: AddressCreate | None,
    password: str | None,
) -> uuid.UUID | None:
    """The new customer's id, or None when the e-mail already had an account."""
    if not data.email:
        raise ValidationFailed.field("email", "is required")
    if password:
        credentials.require_length(password)
    async with database.reading() as reader:
        existing = await find_account(reader, store, data.email)
    if existing is not None:
        owner = await session.get_one(Customer, (store.id, existing[0].id))
        await notify.tell_registered(session, store, owner, "email")
        return None
    scope = scope_of_customer(store, None)
    try:
        async with session.begin_nested():  # a concurrent twin may take the e-mail first
            customer = await create_customer(session, scope, data)
    except Conflict as exc:
        if any(error.field == "email" for error in exc.errors):
            return None
        raise
    if address is not None:
        await add_address(session, scope_of_customer(store, customer.id), customer.id, address)
    chosen = password or generated_password()
    await credentials.save_password(session, store, customer.id, chosen, activate=True)
    await enqueue(
        session,
        store_id=store.id,
        channel="email",
        to=data.email,
        template=WELCOME,
        context={"name": customer.first_name, "password": None if password else chosen},
        language=customer.language or None,
        customer_id=customer.id,
    )
    return customer.id
