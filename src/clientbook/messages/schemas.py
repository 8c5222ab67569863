from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Path
from pydantic import Field

from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.messages.templates import LANGUAGE, MAX_SOURCE, NAME


class ChannelName(StrEnum):
    email = "email"
    sms = "sms"


TemplateName = Annotated[
    str, Path(description="The template's name, e.g. test_message", pattern=f"^{NAME.pattern}$")
]
LanguageTag = Annotated[
    str,
    Path(description="BCP 47 language tag, e.g. en, fr, de-CH", pattern=f"^{LANGUAGE.pattern}$"),
]


class TemplateBody(RequestBody):
    body: str = Field(
        min_length=1,
        max_length=MAX_SOURCE,
        description="Jinja2 text; an e-mail's first line is 'Subject: ...'",
    )


class TemplateOut(ResponseBody):
    template: str
    channel: str
    language: str
    source: str = Field(description="store: the store's own text; default: shipped")
    body: str
    updated_at: datetime | None = None
