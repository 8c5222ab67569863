"""Reusable field validators (ISO codes, bounded strings) for Pydantic schemas."""

from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias
from zoneinfo import available_timezones

import pycountry
from pydantic import AfterValidator, BeforeValidator, StringConstraints


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _none_if_blank(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return _strip(value)


# Give it a length with ``Annotated[Text, Field(max_length=...)]``.
Text = Annotated[str, BeforeValidator(_strip)]
"""A string, trimmed."""


# Optional text: trimmed, blank becomes null. The length sits on the string inside the
# ``| None``: on the union itself pydantic would check it against null too (a TypeError).
# No ``min_length``: a blank string is accepted (as null), and the schema says so.
def _optional(max_length: int) -> Any:
    inner = Annotated[str, StringConstraints(max_length=max_length)]
    return Annotated[inner | None, BeforeValidator(_none_if_blank)]


if TYPE_CHECKING:
    OptionalText20: TypeAlias = str | None
    OptionalText64: TypeAlias = str | None
    OptionalText100: TypeAlias = str | None
    OptionalText200: TypeAlias = str | None
    OptionalText2000: TypeAlias = str | None
else:
    OptionalText20 = _optional(20)
    OptionalText64 = _optional(64)
    OptionalText100 = _optional(100)
    OptionalText200 = _optional(200)
    OptionalText2000 = _optional(2000)


@cache
def _countries() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def _currencies() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


def country_code(value: str) -> str:
    code = value.strip().upper()
    if code not in _countries():
        raise ValueError("must be an ISO 3166-1 alpha-2 country code, like 'DE'")
    return code


def currency_code(value: str) -> str:
    code = value.strip().upper()
    if code not in _currencies():
        raise ValueError("must be an ISO 4217 currency code, like 'EUR'")
    return code


def timezone_name(value: str) -> str:
    if value not in available_timezones():
        raise ValueError("must be an IANA time zone, like 'Europe/Paris'")
    return value


def past_date(value: date) -> date:
    if value > date.today():
        raise ValueError("must not be in the future")
    if value.year < 1900:
        raise ValueError("must not be before 1900")
    return value


CountryCode = Annotated[str, AfterValidator(country_code)]
CurrencyCode = Annotated[str, AfterValidator(currency_code)]
TimezoneName = Annotated[str, AfterValidator(timezone_name)]
PastDate = Annotated[date, AfterValidator(past_date)]
