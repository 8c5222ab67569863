"""Customers Clientbook creates by itself, as Jethings does: one for each new store (the
store as a customer, for B2B) and one for each staff account signed up in a store."""

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers.schemas import CustomerCreate
from clientbook.customers.service import create_customer
from clientbook.models import Customer, Store, User
from clientbook.stores.scope import StoreScope


async def create_customer_for_store(
    session: AsyncSession, scope: StoreScope, store: Store
) -> Customer:
    """Jethings' ``createCustomerFromStore``: the new store in its own customer book."""
    return await create_customer(
        session, scope, CustomerCreate(display_name=store.name), linked_store_id=store.id
    )


async def create_customer_for_user(
    session: AsyncSession, scope: StoreScope, user: User
) -> Customer:
    """Jethings' ``createCustomerFromUser``: a customer linked to a newly signed-up account."""
    first, _, last = (user.name or "").strip().partition(" ")
    if first and last:
        fields = CustomerCreate(first_name=first, last_name=last.strip())
    else:
        fields = CustomerCreate(display_name=user.name or user.email)
    return await create_customer(session, scope, fields, user_id=user.id)
