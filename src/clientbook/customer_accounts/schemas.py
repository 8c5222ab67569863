from typing import Literal

from pydantic import Field

from clientbook.customers.schemas import (
    Company,
    Consent,
    Email,
    Gender,
    LanguageTag,
    LongName,
    MetaKey,
    Name,
    PhoneText,
    PreferenceValue,
    Salutation,
    Short,
)
from clientbook.kit.schemas import RequestBody, ResponseBody
from clientbook.kit.validators import CurrencyCode, PastDate

ChannelName = Literal["email", "sms"]


class CustomerLogin(RequestBody):
    username: str = Field(min_length=1, max_length=254, description="E-mail, phone or card")
    password: str = Field(min_length=1, max_length=200)


class CustomerRefresh(RequestBody):
    refresh_token: str = Field(min_length=1, max_length=4096)


class Activation(RequestBody):
    """A link ``token``, or a ``code`` with the ``username`` it was sent to."""

    token: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, min_length=1, max_length=16)
    username: str | None = Field(default=None, min_length=1, max_length=254)


class PasswordSet(RequestBody):
    password: str = Field(min_length=1, max_length=200)


class ActivatedOut(ResponseBody):
    customer_id: str
    activated: bool = True


class CustomerTokenOut(ResponseBody):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int
    refresh_token: str


class PasswordChange(RequestBody):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=200)


class ActivationRequest(RequestBody):
    channel: ChannelName = Field(description="email: a link token; sms: a code")


class MessageQueued(ResponseBody):
    """The message is queued in the outbox; it is delivered by the sender."""

    channel: str
    queued: bool = True


class Registration(RequestBody):
    """A new account: an e-mail or a phone (or both), a password, and a few details."""

    email: Email | None = None
    phone: PhoneText | None = None
    password: str = Field(min_length=1, max_length=200)
    first_name: Name = None
    last_name: Name = None
    language: LanguageTag | None = None
    channel: ChannelName | None = Field(
        default=None, description="How to send the activation; by default e-mail if given"
    )


class ResendActivation(RequestBody):
    username: str = Field(min_length=1, max_length=254, description="E-mail, phone or card")
    channel: ChannelName | None = None


class ResetRequest(RequestBody):
    username: str = Field(min_length=1, max_length=254, description="E-mail, phone or card")
    channel: ChannelName | None = None


class ResetConfirm(RequestBody):
    """A link ``token``, or a ``code`` with its ``username``; and the new password."""

    token: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, min_length=1, max_length=16)
    username: str | None = Field(default=None, min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=200)


class Accepted(ResponseBody):
    """The same answer whether or not the account exists."""

    detail: str


class SelfUpdate(RequestBody):
    """What a customer may change of its own record; ``null`` clears a field. E-mail and
    phone change through ``/me/contact``."""

    first_name: Name = None
    last_name: Name = None
    display_name: LongName = None
    salutation: Salutation | None = None
    title: Short = None
    fax: PhoneText | None = None
    birth_date: PastDate | None = None
    gender: Gender | None = None
    language: LanguageTag | None = None
    preferred_currency: CurrencyCode | None = None
    company: Company | None = None
    consents: dict[Consent, bool] | None = None
    preferences: dict[MetaKey, PreferenceValue] | None = Field(default=None, max_length=50)


class ContactChange(RequestBody):
    """A new ``email`` or a new ``phone`` (one of them)."""

    email: Email | None = None
    phone: PhoneText | None = None


class ContactConfirm(RequestBody):
    """The ``token`` sent to a new e-mail address, or the ``code`` sent to a new phone."""

    token: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, min_length=1, max_length=16)


class CsrfOut(ResponseBody):
    """Echo it in ``X-CSRF-Token``."""

    csrf_token: str


class CookieSessionOut(ResponseBody):
    """The session is in the ``HttpOnly`` cookie; unsafe requests echo ``csrf_token``."""

    csrf_token: str
    expires_in: int
