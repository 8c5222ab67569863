"""E-mail and phone rules shared by staff accounts and customers."""

import re
import unicodedata
from dataclasses import dataclass

import idna
import phonenumbers
from email_validator import EmailNotValidError, validate_email

EMAIL_MAX_LENGTH = 254
E164_MAX_LENGTH = 16  # "+" and at most 15 digits (ITU-T E.164)
_POSSIBLE = phonenumbers.ValidationResult.IS_POSSIBLE
MIN_LOCAL_DIGITS = 7
MAX_AS_GIVEN_DIGITS = 15
# What a number kept as given may be written with: digits and the usual separators.
_PHONE_CHARACTERS = re.compile(r"[0-9 .()/-]+")


def email_key(email: str) -> str:
    """The form two addresses are compared in: trimmed, Unicode NFC, lower-cased, and the
    domain in its ASCII (IDNA) form, so ``bücher.example`` and ``xn--bcher-kva.example``
    are one domain."""
    text = email.strip()
    if text.isascii():  # nearly every address: already NFC, its domain already ASCII
        return text.lower()
    text = unicodedata.normalize("NFC", text).lower()
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    return f"{local}@{_ascii_domain(domain)}"[:EMAIL_MAX_LENGTH]


def _ascii_domain(domain: str) -> str:
    try:
        return idna.encode(domain, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        return domain  # not a valid domain: compared as written


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
    """A number as given; its E.164 form when it can be read; and the key two numbers are
    compared by: the E.164 form, else the digits as given."""

    given: str
    e164: str | None

    @property
    def key(self) -> str:
        return self.e164 or phone_digits(self.given)


def parse_phone(value: str, region: str | None = None, *, valid_only: bool = False) -> Phone:
    """Validate a phone number in any common spelling and give its E.164 form.

    A number without a leading ``+`` (or ``00``) is read in ``region``; with no region it
    cannot be normalised and is kept as given, when it looks like a local number.
    """
    given = value.strip()
    if not given:
        raise ValueError("must not be empty")
    if len(given) > 64:
        raise ValueError("must be at most 64 characters")
    international = given.startswith("+") or (region is None and given.startswith("00"))
    if not international and region is None:
        return _as_given(given)
    text = "+" + given[2:] if not given.startswith("+") and international else given
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("is not a valid phone number") from exc
    if not _possible(number) or (valid_only and not phonenumbers.is_valid_number(number)):
        raise ValueError("is not a valid phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(e164) > E164_MAX_LENGTH:
        raise ValueError("is not a valid phone number (more than 15 digits)")
    return Phone(given, e164)


def phone_as_given(value: str) -> Phone:
    """A local number kept as written, whatever the store's country (7-15 digits)."""
    return _as_given(value.strip())


def _as_given(given: str) -> Phone:
    """A local number the store cannot read without its country: kept as written."""
    digits = phone_digits(given)
    if not _PHONE_CHARACTERS.fullmatch(given) or not (
        MIN_LOCAL_DIGITS <= len(digits) <= MAX_AS_GIVEN_DIGITS
    ):
        raise ValueError(
            f"is not a valid phone number (a local number has {MIN_LOCAL_DIGITS} to "
            f"{MAX_AS_GIVEN_DIGITS} digits; or use the international form, starting with +)"
        )
    return Phone(given, None)


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
