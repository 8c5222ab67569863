"""Base classes for request and response bodies, and the instant type they take."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict


class RequestBody(BaseModel):
    """Unknown fields are rejected, so a typo is an error and not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


OUTSIDE_UTC_YEARS = "must fall between years 1 and 9999 in UTC"


def in_utc(value: datetime) -> datetime:
    """An aware instant in UTC, where instants are stored. ValueError when its offset
    moves it past year 1 or 9999 there (``0001-01-01T00:00:00+14:00``): it has no stored
    form, and a query comparing with it could not bind it."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(OUTSIDE_UTC_YEARS) from None


def _naive_as_utc(value: datetime) -> datetime:
    return in_utc(value if value.tzinfo is not None else value.replace(tzinfo=UTC))


# A point in time with its offset, as every request body takes one.
Instant = Annotated[AwareDatetime, AfterValidator(in_utc)]
# A bound in a query string: without an offset it is read as UTC.
QueryInstant = Annotated[datetime, AfterValidator(_naive_as_utc)]
