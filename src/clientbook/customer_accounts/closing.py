"""A customer closes its own account: its personal data is erased for good, as staff
anonymise a customer (``customers.anonymize``), and its orders and points stay."""

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customer_accounts.scope import CustomerScope, scope_of_customer
from clientbook.customers.anonymize import erase_personal_data
from clientbook.kit.storage import Storage


async def close_own_account(session: AsyncSession, scope: CustomerScope, storage: Storage) -> None:
    """Only the signed-in customer's own record: the scope names no other."""
    own = scope_of_customer(scope.store, scope.customer_id)
    await erase_personal_data(session, own, storage, scope.customer_id)
