"""A signed-in customer edits its own record: a safe subset of the customer fields.

E-mail and phone change through ``contact.py`` (confirmed at the new address first);
the card number, labels, status, metadata and price list stay the store's to set.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customer_accounts.schemas import SelfUpdate
from clientbook.customer_accounts.scope import CustomerScope, scope_of_customer
from clientbook.customers.schemas import CustomerUpdate
from clientbook.customers.service import update_customer
from clientbook.models import Customer


async def update_self(
    session: AsyncSession, scope: CustomerScope, data: SelfUpdate, *, if_match: int | None
) -> Customer:
    """The same rules and field errors as the staff PATCH; the customer is the actor."""
    changes = CustomerUpdate.model_validate(data.model_dump(exclude_unset=True))
    return await update_customer(
        session,
        scope_of_customer(scope.store, scope.customer_id),
        scope.customer_id,
        changes,
        if_match=if_match,
    )
