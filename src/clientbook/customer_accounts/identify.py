"""Find the customer a sign-in names: by e-mail, phone (any spelling) or loyalty card."""

import contextlib

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customer_accounts.scope import PublicStore
from clientbook.kit.contact import email_key, parse_phone
from clientbook.models import Customer, CustomerCredential


def _names(username: str, country: str | None) -> ColumnElement[bool]:
    given = username.strip()
    if "@" in given:
        return Customer.email_key == email_key(given)
    conditions = [Customer.loyalty_card_number == given]
    with contextlib.suppress(ValueError):  # not a phone number: a card number or nothing
        conditions.append(Customer.phone_key == parse_phone(given, country).key)
    return or_(*conditions)


async def find_account(
    session: AsyncSession, store: PublicStore, username: str
) -> tuple[Customer, CustomerCredential | None] | None:
    """The store's live customer this username names, with its credentials if it has any.

    A name that matches two customers (a card number that is another's phone) names
    nobody: a sign-in must never pick one of them at random.
    """
    rows = (
        await session.execute(
            select(Customer, CustomerCredential)
            .outerjoin(
                CustomerCredential,
                (CustomerCredential.store_id == Customer.store_id)
                & (CustomerCredential.customer_id == Customer.id),
            )
            .where(
                Customer.store_id == store.id,
                Customer.deleted_at.is_(None),
                _names(username, store.country),
            )
            .limit(2)
        )
    ).all()
    if len(rows) != 1:
        return None
    customer, credential = rows[0]
    return customer, credential
