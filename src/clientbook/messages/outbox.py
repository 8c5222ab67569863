"""``enqueue``: write a message to the outbox in the caller's transaction.

The row commits or rolls back with the change that causes it, so a rolled-back change
sends nothing and a committed one is delivered even if the process dies right after. The
text is rendered when the message is sent (``sender.py``), with the store's templates of
that moment.
"""

import json
import uuid
from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.contact import clean_email, parse_phone
from clientbook.kit.errors import ValidationFailed
from clientbook.messages import templates
from clientbook.models import MessageTemplate, OutboxMessage, Store

Channel = Literal["email", "sms"]
CHANNELS: tuple[Channel, ...] = ("email", "sms")


async def enqueue(
    session: AsyncSession,
    *,
    store_id: uuid.UUID,
    channel: Channel,
    to: str,
    template: str,
    context: Mapping[str, Any],
    language: str | None = None,
    customer_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Queue one message and return its id. ``to`` is an e-mail address for ``email``
    and an international (E.164) phone number for ``sms``; ``context`` holds JSON values
    for the template; ``language`` (BCP 47) falls back to the store's, then English."""
    if channel not in CHANNELS:
        raise ValidationFailed.field("channel", "must be email or sms")
    recipient = _recipient(channel, to)
    if language is not None and not templates.LANGUAGE.fullmatch(language):
        raise ValidationFailed.field("language", "is not a BCP 47 language tag")
    await _require_template(session, store_id, template, channel)
    message = OutboxMessage(
        id=uuid.uuid4(),
        store_id=store_id,
        customer_id=customer_id,
        channel=channel,
        recipient=recipient,
        template=template,
        language=language or await _store_language(session, store_id),
        # A round trip through JSON: what is stored is what the template will see.
        context=json.loads(json.dumps(dict(context))),
        status="pending",
        attempts=0,
    )
    session.add(message)
    await session.flush()
    return message.id


def _recipient(channel: Channel, to: str) -> str:
    try:
        if channel == "email":
            return clean_email(to)
        e164 = parse_phone(to).e164
    except ValueError as exc:
        raise ValidationFailed.field("to", str(exc)) from exc
    if e164 is None:
        raise ValidationFailed.field("to", "an SMS needs an international number (+...)")
    return e164


async def _require_template(
    session: AsyncSession, store_id: uuid.UUID, template: str, channel: str
) -> None:
    """A misspelt template name fails the caller at once rather than the message later."""
    if templates.exists_packaged(template, channel):
        return
    own = await session.scalar(
        select(MessageTemplate.template)
        .where(
            MessageTemplate.store_id == store_id,
            MessageTemplate.template == template,
            MessageTemplate.channel == channel,
        )
        .limit(1)
    )
    if own is None:
        raise ValidationFailed.field("template", f"no template {template!r} for {channel}")


async def _store_language(session: AsyncSession, store_id: uuid.UUID) -> str:
    language = await session.scalar(select(Store.language).where(Store.id == store_id))
    return language or templates.DEFAULT_LANGUAGE
