"""Open Loyalty's ``customer[...]`` form (register and update) as canonical bodies.

Only the translation lives here: names, ``1``/``0`` agreements, ``key:value;...`` labels,
country names, its date formats, and which fields the client sent (a PUT changes what it
names: an empty value clears, an omitted one stays). The rules are the services'.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pycountry
from pydantic import ValidationError

from clientbook.addresses.schemas import AddressCreate
from clientbook.customers.fields import PhoneRules
from clientbook.customers.schemas import CustomerCreate, CustomerFields, CustomerUpdate
from clientbook.kit.errors import FieldError, ValidationFailed, field_errors
from clientbook.kit.schemas import in_utc
from clientbook.surfaces.openloyalty.errors import FIELD_NAMES, FormTree

# Open Loyalty keeps a local number it cannot read as written, refuses an international
# one its country never assigns (``+440000000``) and a second customer with one number.
OL_PHONES = PhoneRules(local_as_given=True, unique=True, valid_only=True)

ADDRESS: FormTree = {
    "street": None,
    "address1": None,
    "address2": None,
    "postal": None,
    "city": None,
    "province": None,
    "country": None,
}
COMPANY: FormTree = {"name": None, "nip": None}
_HEAD: FormTree = {
    "firstName": None,
    "lastName": None,
    "gender": None,
    "email": None,
    "phone": None,
    "birthDate": None,
    "createdAt": None,
    "address": ADDRESS,
    "company": COMPANY,
    "loyaltyCardNumber": None,
}
_TAIL: FormTree = {
    "agreement1": None,
    "agreement2": None,
    "agreement3": None,
    "levelId": None,
    "posId": None,
    "sellerId": None,
}
# The children of the forms, in the document's order (the register form's 400 lists no
# labels; the update form's does).
REGISTER_FORM: FormTree = {**_HEAD, **_TAIL}
UPDATE_FORM: FormTree = {**_HEAD, "labels": None, **_TAIL}

BLANK = "This value should not be blank."
NOT_TRUE = "This value should be true."
NOT_VALID = "This value is not valid."

_SIMPLE = {
    "firstName": "first_name",
    "lastName": "last_name",
    "gender": "gender",
    "email": "email",
    "phone": "phone",
    "loyaltyCardNumber": "loyalty_card_number",
}
_ADDRESS = {
    "street": "street",
    "address1": "line1",
    "address2": "line2",
    "postal": "postal_code",
    "city": "city",
    "province": "province",
    "country": "country",
}
_OL_NAME = {canonical: name for name, canonical in _SIMPLE.items()} | FIELD_NAMES


class FormNotSubmitted(ValidationFailed):
    """No ``customer`` form at all: Symfony answers the form, every child without an error."""

    form_not_submitted = True

    def __init__(self) -> None:
        super().__init__("The customer form was not sent")


@dataclass
class CustomerForm:
    """What a ``customer[...]`` form asks for, in canonical terms."""

    fields: dict[str, Any] = field(default_factory=dict)  # CustomerFields names, as sent
    address: dict[str, Any] | None = None  # AddressFields names; None: not sent
    created_at: datetime | None = None
    level_id: uuid.UUID | None = None
    pos_id: uuid.UUID | None = None
    invitation_token: str | None = None  # a referring customer's code
    sent: frozenset[str] = frozenset()  # the form names the client sent

    def create_body(self) -> CustomerCreate:
        return _validated(CustomerCreate, self.fields)

    def update_body(self) -> CustomerUpdate:
        return _validated(CustomerUpdate, self.fields)

    def address_body(self) -> AddressCreate | None:
        if self.address is None:
            return None
        try:
            return AddressCreate.model_validate({**self.address, "is_default": True})
        except ValidationError as exc:
            errors = [
                FieldError("address." + _address_name(e.field), e.message)
                for e in field_errors(exc.errors())
            ]
            raise ValidationFailed("The address is not valid", errors=errors) from exc


def _address_name(canonical: str) -> str:
    return next((ol for ol, name in _ADDRESS.items() if name == canonical), canonical)


Body = TypeVar("Body", bound=CustomerFields)


def _validated(model: type[Body], fields: dict[str, Any]) -> Body:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        errors = [
            FieldError(_OL_NAME.get(e.field.split(".")[0], e.field), e.message)
            for e in field_errors(exc.errors())
        ]
        raise ValidationFailed("The customer form is not valid", errors=errors) from exc


def customer_form(params: dict[str, Any]) -> dict[str, Any]:
    """The ``customer`` part of the request; FormNotSubmitted when there is none."""
    form = params.get("customer")
    if not isinstance(form, dict):
        raise FormNotSubmitted()
    return form


def _text(value: Any, name: str, errors: list[FieldError]) -> str | None:
    """A form value as text; ``""`` (an emptied field) is None."""
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        value = str(int(value) if isinstance(value, bool) else value)
    if not isinstance(value, str):
        errors.append(FieldError(name, NOT_VALID))
        return None
    value = value.strip()
    return value or None


def _flag(value: Any, name: str, errors: list[FieldError]) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value, name, errors)
    if text is None:
        return None
    if text.lower() in ("1", "true", "on", "yes"):
        return True
    if text.lower() in ("0", "false", "off", "no"):
        return False
    errors.append(FieldError(name, NOT_VALID))
    return None


def labels(text: str | None) -> list[dict[str, str]] | None:
    """``key1:val1;key2:val2`` → ``[{key, value}]``; a part without ``:`` has an empty value."""
    if text is None:
        return None
    found = []
    for part in text.split(";"):
        key, _, value = part.partition(":")
        if key.strip():
            found.append({"key": key.strip(), "value": value.strip()})
    return found


def country_code(text: str) -> str | None:
    """A country's code from its code or its English name (``Poland`` → ``PL``)."""
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


def _date(text: str, name: str, errors: list[FieldError]) -> date | None:
    """``2017-10-05``, or with a time (``2017-10-05 14:15``, ISO 8601): the day."""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        errors.append(FieldError(name, NOT_VALID))
        return None


def _datetime(text: str, tz: ZoneInfo, name: str, errors: list[FieldError]) -> datetime | None:
    """``2017-01-01 14:15:16`` (the store's zone), a day, or ISO 8601 with an offset."""
    try:
        moment = datetime.fromisoformat(text)
        return in_utc(moment if moment.tzinfo is not None else moment.replace(tzinfo=tz))
    except ValueError:
        errors.append(FieldError(name, NOT_VALID))
        return None


def _uuid(text: str, name: str, errors: list[FieldError]) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        errors.append(FieldError(name, NOT_VALID))
        return None


def read_form(form: dict[str, Any], tz: ZoneInfo, *, registering: bool) -> CustomerForm:
    """Translate the sent fields; a registration also needs its required ones."""
    errors: list[FieldError] = []
    result = CustomerForm(sent=frozenset(form))
    values = result.fields
    for name, canonical in _SIMPLE.items():
        if name in form:
            values[canonical] = _text(form[name], name, errors)
    if "birthDate" in form:
        text = _text(form["birthDate"], "birthDate", errors)
        values["birth_date"] = text and _date(text, "birthDate", errors)
    if "labels" in form:
        values["labels"] = labels(_text(form["labels"], "labels", errors))
    if "company" in form:
        company = form["company"] if isinstance(form["company"], dict) else {}
        company_name = _text(company.get("name"), "company.name", errors)
        nip = _text(company.get("nip"), "company.nip", errors)
        values["company"] = {"name": company_name, "tax_id": nip} if company_name or nip else None
    consents: dict[str, bool] = {}
    for agreement in ("agreement1", "agreement2", "agreement3"):
        if agreement in form:
            granted = _flag(form[agreement], agreement, errors)
            consents[agreement] = bool(granted)
    if consents:
        values["consents"] = consents
    if "address" in form:
        result.address = _address(form["address"], errors)
    if "createdAt" in form and (text := _text(form["createdAt"], "createdAt", errors)):
        result.created_at = _datetime(text, tz, "createdAt", errors)
    if "levelId" in form and (text := _text(form["levelId"], "levelId", errors)):
        result.level_id = _uuid(text, "levelId", errors)
    if "posId" in form and (text := _text(form["posId"], "posId", errors)):
        result.pos_id = _uuid(text, "posId", errors)
    if "invitationToken" in form:
        result.invitation_token = _text(form["invitationToken"], "invitationToken", errors)
    if "sellerId" in form and (text := _text(form["sellerId"], "sellerId", errors)):
        _uuid(text, "sellerId", errors)
    if registering:
        _required(values, consents, errors)
    if errors:
        raise ValidationFailed("The customer form is not valid", errors=errors)
    return result


def _required(values: dict[str, Any], consents: dict[str, bool], errors: list[FieldError]) -> None:
    for name, canonical in (("firstName", "first_name"), ("lastName", "last_name")):
        if not values.get(canonical):
            errors.append(FieldError(name, BLANK))
    if not values.get("email") and not values.get("phone"):
        errors.append(FieldError("email", BLANK))
    if not consents.get("agreement1"):
        errors.append(FieldError("agreement1", NOT_TRUE))
    values.setdefault("gender", None)
    values["gender"] = values["gender"] or "not_disclosed"


def _address(given: Any, errors: list[FieldError]) -> dict[str, Any]:
    """The whole address (a part not sent is cleared, as Open Loyalty does)."""
    given = given if isinstance(given, dict) else {}
    address: dict[str, Any] = {}
    for name, canonical in _ADDRESS.items():
        address[canonical] = _text(given.get(name), f"address.{name}", errors)
    if address["country"] is not None:
        code = country_code(address["country"])
        if code is None:
            errors.append(FieldError("address.country", "This value is not a valid country."))
        address["country"] = code
    return address
