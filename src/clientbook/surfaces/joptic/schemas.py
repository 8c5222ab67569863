"""J-Optic's request shapes (camelCase). The value rules are the canonical types'."""

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from clientbook.kit.contact import clean_email
from clientbook.kit.validators import (
    OptionalText20,
    OptionalText100,
    OptionalText200,
    Text,
    past_date,
)
from clientbook.optics.schemas import EyeMeasurement


class JOpticBody(BaseModel):
    model_config = ConfigDict(extra="ignore", str_max_length=10_000)


def _iso_date(value: object) -> date:
    """``1992-05-12`` or ``1992-05-12T00:00:00.000Z`` (the day, in UTC)."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO date like 1992-05-12T00:00:00.000Z")
    text = value.strip()
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            day = (moment.astimezone(UTC) if moment.tzinfo else moment).date()
        else:
            day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError("must be an ISO date like 1992-05-12T00:00:00.000Z") from exc
    return past_date(day)


def _email(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return clean_email(value)


Name = Annotated[Text, Field(min_length=1, max_length=100)]


class CustomerData(JOpticBody):
    firstName: Name  # noqa: N815 (J-Optic's field names)
    lastName: Name  # noqa: N815
    email: Annotated[str, BeforeValidator(_email)]
    phoneNumber: Annotated[Text, Field(min_length=1, max_length=64)]  # noqa: N815
    dateOfBirth: Annotated[date, BeforeValidator(_iso_date)]  # noqa: N815
    sex: Literal["male", "female"]


class Address(JOpticBody):
    street: OptionalText200 = None
    city: OptionalText100 = None
    zipCode: OptionalText20 = None  # noqa: N815
    state: OptionalText100 = None


class Vision(JOpticBody):
    rightEye: EyeMeasurement | None = None  # noqa: N815
    leftEye: EyeMeasurement | None = None  # noqa: N815


class OpticData(JOpticBody):
    distanceVision: Vision | None = None  # noqa: N815
    intermediateVision: Vision | None = None  # noqa: N815
    nearVision: Vision | None = None  # noqa: N815


class JsonData(JOpticBody):
    customerData: CustomerData  # noqa: N815
    address: Address | None = None
    opticData: OpticData | None = None  # noqa: N815


SortBy = Literal["name", "status", "createdAt", "updatedAt"]
SortOrder = Literal["asc", "desc"]
