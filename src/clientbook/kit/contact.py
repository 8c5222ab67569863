"""E-mail and phone rules shared by staff accounts and customers."""

from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

EMAIL_MAX_LENGTH = 254
E164_MAX_LENGTH = 16  # "+" and at most 15 digits (ITU-T E.164)
_POSSIBLE = phonenumbers.ValidationResult.IS_POSSIBLE
MIN_LOCAL_DIGITS = 7


def email_key(email: str) -> str:
    """The form two addresses are compared in: trimmed and lower-cased."""
    return email.strip().lower()


def clean_email(value: str) -> str:
    """Trim and validate an e-mail address; it is stored as given otherwise."""
    email = value.strip()
    if not email:
        raise ValueError("must not be empty")
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValueError(f"must be at most {EMAIL_MAX_LENGTH} characters")
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid e-mail address: {exc}") from exc
    return email


@dataclass(frozen=True)
class Phone:
    given: str
    e164: str


def parse_phone(value: str, region: str | None = None) -> Phone:
    """Validate a phone number in any common spelling and give its E.164 form.

    A number without a leading ``+`` needs the store's country to be read.
    """
    given = value.strip()
    if not given:
        raise ValueError("must not be empty")
    if len(given) > 64:
        raise ValueError("must be at most 64 characters")
    try:
        number = phonenumbers.parse(given, region)
    except phonenumbers.NumberParseException as exc:
        hint = "" if region else " (use the international form, starting with +)"
        raise ValueError(f"is not a valid phone number{hint}") from exc
    if not _possible(number):
        raise ValueError("is not a valid phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(e164) > E164_MAX_LENGTH:
        raise ValueError("is not a valid phone number (more than 15 digits)")
    return Phone(given, e164)


def _possible(number: phonenumbers.PhoneNumber) -> bool:
    """The right length for its country. A number dialable only locally passes when it has
    a subscriber number of seven digits or more (seed documents use ``+1-555-0199``)."""
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == _POSSIBLE:
        return True
    local_only = reason == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY
    return local_only and len(str(number.national_number)) >= MIN_LOCAL_DIGITS


def phone_digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())
