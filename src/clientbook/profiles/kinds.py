"""The registry of profile kinds. Each kind's schema validates a whole document after a
partial update was merged into it; every store has every kind.

``preferences`` is partly backed by the customer record itself: the marketing opt-ins
are the customer's ``email_marketing``/``sms_marketing`` consents (with the time each
was given or withdrawn) and the currency is its ``preferred_currency``, so they have one
source, whichever API writes them.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clientbook.kit.validators import CurrencyCode

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Tags = Annotated[list[Tag], Field(max_length=50)]
Intensity = Literal["light", "medium", "strong"]
Frequency = Literal["never", "daily", "weekly", "biweekly", "monthly", "quarterly"]


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=2000)


class ScentPreferences(Document):
    intensity: Intensity | None = None
    categories: Tags = []
    favorite_notes: Tags = []
    disliked_notes: Tags = []
    occasions: Tags = []


class Blend(Document):
    """A custom blend; ``id`` and ``created_at`` are Clientbook's (a new blend has none)."""

    id: uuid.UUID | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    notes: Tags = []
    created_at: datetime | None = None


class Scent(Document):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    preferences: ScentPreferences = ScentPreferences()
    custom_blends: Annotated[list[Blend], Field(max_length=50)] = []


class Preferences(Document):
    email_marketing: bool | None = None
    sms_marketing: bool | None = None
    preferred_currency: CurrencyCode | None = None
    reminder_frequency: Frequency | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    schema: type[Document]
    # Fields kept on the customer record, not in the profile document.
    on_customer: frozenset[str] = frozenset()

    def json_schema(self) -> dict[str, Any]:
        return self.schema.model_json_schema()


SCENT = Kind("scent", Scent)
PREFERENCES = Kind(
    "preferences",
    Preferences,
    frozenset({"email_marketing", "sms_marketing", "preferred_currency"}),
)
KINDS: dict[str, Kind] = {kind.name: kind for kind in (SCENT, PREFERENCES)}
