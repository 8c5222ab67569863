"""Read the secrets a flow sent from the outbox, as a customer reads its mail."""

import uuid
from typing import Any

from sqlalchemy import select

from clientbook.kit.db import Database
from clientbook.models import OutboxMessage


async def messages(
    database: Database, store_id: uuid.UUID, template: str | None = None
) -> list[OutboxMessage]:
    async with database.reading() as session:
        query = select(OutboxMessage).where(OutboxMessage.store_id == store_id)
        if template is not None:
            query = query.where(OutboxMessage.template == template)
        rows = await session.scalars(query.order_by(OutboxMessage.created_at))
        return list(rows.all())


async def last_secret(database: Database, store_id: uuid.UUID, template: str) -> dict[str, Any]:
    """The newest message of the template: its recipient, channel and token or code."""
    found = await messages(database, store_id, template)
    assert found, f"no {template} message"
    last = found[-1]
    return {"to": last.recipient, "channel": last.channel, **last.context}
