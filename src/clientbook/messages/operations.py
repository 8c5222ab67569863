"""What operators do with the outbox: list messages and send failed ones again."""

import uuid
from collections.abc import Sequence

from sqlalchemy import Update, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import utcnow
from clientbook.kit.errors import NotFound
from clientbook.models import OutboxMessage

STATUSES = ("pending", "sending", "sent", "failed")


async def list_messages(
    session: AsyncSession, status: str | None, limit: int
) -> Sequence[OutboxMessage]:
    """The newest messages first (every store: this is for the operator)."""
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return (await session.scalars(query)).all()


async def retry(session: AsyncSession, message_id: uuid.UUID) -> None:
    """Send a failed message again, with a fresh count of attempts."""
    result = await session.execute(
        _retry().where(OutboxMessage.id == message_id, OutboxMessage.status == "failed")
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no failed message {message_id}")


async def retry_all_failed(session: AsyncSession) -> int:
    result = await session.execute(_retry().where(OutboxMessage.status == "failed"))
    count: int = result.rowcount  # type: ignore[attr-defined]
    return count


def _retry() -> Update:
    return (
        update(OutboxMessage)
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), last_error=None)
        .execution_options(synchronize_session=False)
    )
