"""A store's own message texts: owners and admins list, set and remove them."""

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import utcnow
from clientbook.kit.errors import NotFound, ValidationFailed
from clientbook.messages import templates
from clientbook.messages.schemas import TemplateOut
from clientbook.models import MessageTemplate
from clientbook.stores.scope import Role, StoreScope


async def list_templates(session: AsyncSession, scope: StoreScope) -> list[TemplateOut]:
    """The store's own texts, then the shipped defaults they can replace."""
    scope.require(Role.admin)
    own = await session.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.store_id == scope.store_id)
        .order_by(MessageTemplate.template, MessageTemplate.channel, MessageTemplate.language)
    )
    found = [
        TemplateOut(
            template=t.template,
            channel=t.channel,
            language=t.language,
            source="store",
            body=t.body,
            updated_at=t.updated_at,
        )
        for t in own
    ]
    for template, channel, language in templates.packaged_names():
        path = templates.packaged(template, channel, language)
        if path is not None:
            body = path.read_text(encoding="utf-8")
            found.append(
                TemplateOut(
                    template=template,
                    channel=channel,
                    language=language,
                    source="default",
                    body=body,
                )
            )
    return found


async def put_template(
    session: AsyncSession,
    scope: StoreScope,
    template: str,
    channel: str,
    language: str,
    body: str,
) -> MessageTemplate:
    """Set the store's text, once it compiles."""
    scope.require(Role.admin)
    channel_rule = "" if template == templates.LAYOUT else channel
    try:
        templates.compile_source(body, channel_rule)
    except templates.TemplateProblem as exc:
        raise ValidationFailed.field("body", str(exc)) from exc
    now = utcnow()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(MessageTemplate).values(
        store_id=scope.store_id,
        template=template,
        channel=channel,
        language=language.lower(),
        body=body,
        created_at=now,
        updated_at=now,
    )
    # One statement, so two owners saving the same text at once both succeed.
    statement = insert.on_conflict_do_update(
        index_elements=["store_id", "template", "channel", "language"],
        set_={"body": insert.excluded.body, "updated_at": now},
    ).returning(MessageTemplate)
    row: MessageTemplate = (await session.scalars(statement)).one()
    return row


async def delete_template(
    session: AsyncSession, scope: StoreScope, template: str, channel: str, language: str
) -> None:
    """Remove the store's text; the shipped default applies again."""
    scope.require(Role.admin)
    result = await session.execute(
        delete(MessageTemplate).where(
            MessageTemplate.store_id == scope.store_id,
            MessageTemplate.template == template,
            MessageTemplate.channel == channel,
            MessageTemplate.language == language.lower(),
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("The store has no text of its own for this template")
