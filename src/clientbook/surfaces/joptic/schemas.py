"""J-Optic's request shapes (camelCase). The value rules are the canonical types'."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator

from clientbook.kit.contact import clean_email
from clientbook.kit.schemas import in_utc
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


@dataclass(frozen=True)
class Birthday:
    """``dateOfBirth``: the day it means, and the instant sent when one was."""

    day: date
    instant: datetime | None = None


_BIRTHDAY_FORMAT = "must be an ISO date like 1992-05-12T00:00:00.000Z"
_NOON = time(12)


def _birthday(value: object) -> Birthday:
    """``1992-05-12``, or an instant such as ``1992-05-11T23:00:00.000Z``: a client's local
    midnight written in UTC. The day meant is the one whose midnight is nearest, so a
    local midnight anywhere from UTC-12 to UTC+11 gives its own day, and noon UTC (a
    common way to send a bare date) gives that day."""
    if not isinstance(value, str):
        raise ValueError(_BIRTHDAY_FORMAT)
    text = value.strip()
    try:
        if "T" not in text:
            return Birthday(past_date(date.fromisoformat(text)))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        moment = in_utc(moment) if moment.tzinfo else moment.replace(tzinfo=UTC)
        day = moment.date() + (timedelta(days=1) if moment.time() > _NOON else timedelta())
    except (ValueError, OverflowError) as exc:  # the day after 9999-12-31 overflows
        raise ValueError(_BIRTHDAY_FORMAT) from exc
    return Birthday(past_date(day), moment)


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
    dateOfBirth: Annotated[Birthday, PlainValidator(_birthday)]  # noqa: N815
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
