"""A signed-in customer's own record: the only customer its scope reaches."""

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customer_accounts.scope import CustomerScope
from clientbook.models import Customer


async def own_record(session: AsyncSession, scope: CustomerScope) -> Customer:
    return await session.get_one(Customer, (scope.store.id, scope.customer_id))
