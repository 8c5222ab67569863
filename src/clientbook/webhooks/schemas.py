import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.kit.validators import Text
from clientbook.webhooks.events import EventType

WebhookURL = Annotated[Text, Field(min_length=1, max_length=2000)]
Events = Annotated[list[EventType], Field(min_length=1, max_length=len(EventType))]


class WebhookCreate(RequestBody):
    url: WebhookURL
    events: Events
    active: bool = True


class WebhookUpdate(RequestBody):
    """Only the fields given change. ``active: true`` also clears an automatic disable."""

    url: WebhookURL | None = None
    events: Events | None = None
    active: bool | None = None


class WebhookOut(ResponseBody):
    id: uuid.UUID
    url: str
    events: list[str]
    active: bool
    failing_since: datetime | None = Field(description="First failure since the last success")
    disabled_at: datetime | None = Field(description="When Clientbook disabled it for failing")
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="The signing secret (Standard Webhooks, whsec_...): shown this once"
    )


class AttemptOut(ResponseBody):
    at: datetime
    ok: bool
    status_code: int | None = Field(description="The receiver's HTTP status, if it answered")
    latency_ms: int
    error: str | None


class DeliveryOut(ResponseBody):
    id: uuid.UUID
    event_id: str = Field(description="The webhook-id header, the same on every attempt")
    event_type: str
    customer_id: uuid.UUID | None
    status: str = Field(description="pending, sending, delivered or failed")
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    replayed_at: datetime | None
    delivered_at: datetime | None
    log: list[AttemptOut] = Field(default_factory=list, description="Attempts, newest first")
