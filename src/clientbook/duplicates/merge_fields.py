"""Which value of each field a merge keeps: the survivor's, unless it has none (then the
first merged customer's that has one), unless the caller names whose to keep."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clientbook.kit.errors import FieldError, ValidationFailed
from clientbook.models import Customer

# The field a caller names → the attributes that travel with it.
FIELDS: dict[str, tuple[str, ...]] = {
    "first_name": ("first_name",),
    "last_name": ("last_name",),
    "display_name": ("display_name",),
    "salutation": ("salutation",),
    "title": ("title",),
    "email": ("email", "email_key"),
    "phone": ("phone", "phone_e164", "phone_key"),
    "fax": ("fax",),
    "birth_date": ("birth_date", "birth_instant"),
    "gender": ("gender",),
    "language": ("language",),
    "website": ("website",),
    "preferred_currency": ("preferred_currency",),
    "company_name": ("company_name",),
    "company_tax_id": ("company_tax_id",),
    "loyalty_card_number": ("loyalty_card_number",),
    "labels": ("labels",),
    "consents": ("consents",),
    "preferences": ("preferences",),
    "metadata": ("metadata_",),
    "default_price_list_id": ("default_price_list_id",),
    "pos_id": ("pos_id",),
    "seller_id": ("seller_id",),
}


@dataclass(frozen=True)
class FieldChoice:
    field: str
    values: dict[uuid.UUID, Any]
    kept_from: uuid.UUID

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "values": {str(k): _plain(v) for k, v in self.values.items()},
            "kept_from": str(self.kept_from),
            "kept": _plain(self.values[self.kept_from]),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def plan(
    survivor: Customer, merged: Sequence[Customer], chosen: Mapping[str, uuid.UUID]
) -> list[FieldChoice]:
    """Every field whose values differ, with whose value is kept."""
    people = [survivor, *merged]
    ids = {c.id for c in people}
    errors = [
        FieldError(f"fields.{name}", "is not a field a merge can choose")
        for name in chosen
        if name not in FIELDS
    ]
    errors += [
        FieldError(f"fields.{name}", "name the survivor or one of the merged customers")
        for name, who in chosen.items()
        if name in FIELDS and who not in ids
    ]
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)
    choices = []
    for name, attributes in FIELDS.items():
        values = {c.id: getattr(c, attributes[0]) for c in people}
        if len({repr(v) for v in values.values()}) == 1:
            continue
        kept = chosen.get(name)
        if kept is None:
            kept = next((c.id for c in people if not _empty(values[c.id])), survivor.id)
        choices.append(FieldChoice(name, values, kept))
    return choices


def apply(survivor: Customer, merged: Sequence[Customer], choices: Sequence[FieldChoice]) -> None:
    """Give the survivor the kept values (with the columns derived from them)."""
    by_id = {c.id: c for c in merged}
    for choice in choices:
        source = by_id.get(choice.kept_from)
        if source is None:
            continue
        for attribute in FIELDS[choice.field]:
            setattr(survivor, attribute, getattr(source, attribute))
