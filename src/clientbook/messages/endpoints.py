"""``/v1/stores/{store}/message-templates``: a store's own message texts."""

from fastapi import APIRouter, Response

from clientbook.deps import SessionDep, StoreScopeDep
from clientbook.messages import template_admin as service
from clientbook.messages.schemas import (
    ChannelName,
    LanguageTag,
    TemplateBody,
    TemplateName,
    TemplateOut,
)

router = APIRouter(prefix="/v1/stores/{store}/message-templates", tags=["messages"])


@router.get("", response_model=dict[str, list[TemplateOut]])
async def list_message_templates(
    session: SessionDep, scope: StoreScopeDep
) -> dict[str, list[TemplateOut]]:
    """The store's own message texts and the shipped defaults (owner or admin)."""
    return {"data": await service.list_templates(session, scope)}


@router.put("/{template}/{channel}/{language}", response_model=TemplateOut)
async def put_message_template(
    template: TemplateName,
    channel: ChannelName,
    language: LanguageTag,
    data: TemplateBody,
    session: SessionDep,
    scope: StoreScopeDep,
) -> TemplateOut:
    """Set the store's text for a template in a language; it must compile (owner or admin)."""
    row = await service.put_template(session, scope, template, channel.value, language, data.body)
    return TemplateOut(
        template=row.template,
        channel=row.channel,
        language=row.language,
        source="store",
        body=row.body,
        updated_at=row.updated_at,
    )


@router.delete("/{template}/{channel}/{language}", status_code=204)
async def delete_message_template(
    template: TemplateName,
    channel: ChannelName,
    language: LanguageTag,
    session: SessionDep,
    scope: StoreScopeDep,
) -> Response:
    """Remove the store's text; the shipped default applies again (owner or admin)."""
    await service.delete_template(session, scope, template, channel.value, language)
    return Response(status_code=204)
