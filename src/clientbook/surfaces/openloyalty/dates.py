"""Open Loyalty's dates: ``2016-08-08T10:53:14+0200``, in the store's time zone."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):  # a name the time zone database no longer has
        return ZoneInfo("UTC")


def ol_datetime(value: datetime | None, tz: ZoneInfo) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).strftime(FORMAT)


def ol_birth_date(day: date | None, instant: datetime | None, tz: ZoneInfo) -> str | None:
    """The instant the client sent, else midnight of the day in the store's zone."""
    if instant is not None:
        return ol_datetime(instant, tz)
    if day is None:
        return None
    return datetime.combine(day, time(), tzinfo=tz).strftime(FORMAT)
