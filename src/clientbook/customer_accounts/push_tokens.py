"""A customer's push tokens (Open Loyalty's Pushy): the devices that take its push
messages. A customer keeps at most ``MAX_TOKENS``; a new one beyond that replaces the
oldest (an old phone stops getting messages, a new one starts)."""

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.audit import service as audit
from clientbook.customers.service import get_customer
from clientbook.kit.db import utcnow
from clientbook.models import CustomerPushToken
from clientbook.stores.scope import StoreScope

MAX_TOKENS = 20


async def list_tokens(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID
) -> list[str]:
    await get_customer(session, scope, customer_id)
    rows = await session.scalars(
        select(CustomerPushToken.token)
        .where(
            CustomerPushToken.store_id == scope.store_id,
            CustomerPushToken.customer_id == customer_id,
        )
        .order_by(CustomerPushToken.created_at, CustomerPushToken.token)
    )
    return list(rows)


async def add_token(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, token: str
) -> None:
    """Add a device's token; one already there stays as it is."""
    await get_customer(session, scope, customer_id, for_update=True)  # adds queue here
    tokens = await list_tokens(session, scope, customer_id)
    if token in tokens:
        return
    for old in tokens[: max(0, len(tokens) - MAX_TOKENS + 1)]:
        await _delete(session, scope, customer_id, old)
    session.add(
        CustomerPushToken(
            store_id=scope.store_id, customer_id=customer_id, token=token, created_at=utcnow()
        )
    )
    await session.flush()
    await audit.record(session, scope, customer_id, "push_token_added", ["push_tokens"])


async def remove_token(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, token: str
) -> None:
    """Remove a device's token (one already gone is not an error: the end state is the same)."""
    await get_customer(session, scope, customer_id, for_update=True)
    if await _delete(session, scope, customer_id, token):
        await audit.record(session, scope, customer_id, "push_token_removed", ["push_tokens"])


async def _delete(
    session: AsyncSession, scope: StoreScope, customer_id: uuid.UUID, token: str
) -> bool:
    done = await session.execute(
        delete(CustomerPushToken).where(
            CustomerPushToken.store_id == scope.store_id,
            CustomerPushToken.customer_id == customer_id,
            CustomerPushToken.token == token,
        )
    )
    return bool(getattr(done, "rowcount", 0))
