"""Form fields as the services' own request bodies: the same names and the same
validation as the canonical API, so a field error reads as the API would give it."""

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from clientbook.kit.errors import FieldError, ValidationFailed, field_errors

Body = TypeVar("Body", bound=BaseModel)

# The profile form's fields: text inputs named as the canonical API names them.
PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "language",
    "loyalty_card_number",
)


def text(form: Mapping[str, Any], name: str) -> str | None:
    """A text field: trimmed, and None when left empty (an empty field clears the value)."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def parse(model: type[Body], data: dict[str, Any]) -> Body:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc.errors())
        raise ValidationFailed("Some fields are not valid", errors=errors) from None


def profile_data(form: Mapping[str, Any]) -> dict[str, Any]:
    """The profile form as a customer body: every field it shows, so clearing one clears it."""
    data: dict[str, Any] = {name: text(form, name) for name in PROFILE_FIELDS}
    company = text(form, "company_name")
    data["company"] = {"name": company} if company else None
    data["labels"] = labels_of(text(form, "labels") or "")
    metadata = metadata_of(text(form, "metadata") or "")
    data["metadata"] = metadata
    return data


def labels_of(value: str) -> list[dict[str, str]]:
    """``vip, tier:gold`` → ``[{"key": "vip", "value": ""}, {"key": "tier", "value": "gold"}]``."""
    labels = []
    for part in value.split(","):
        key, _, label_value = part.strip().partition(":")
        if key.strip():
            labels.append({"key": key.strip(), "value": label_value.strip()})
    return labels


def metadata_of(value: str) -> dict[str, str]:
    """One ``key=value`` a line."""
    found: dict[str, str] = {}
    for line in value.splitlines():
        key, sep, item = line.partition("=")
        if not key.strip():
            continue
        if not sep:
            raise ValidationFailed(
                "Metadata lines are key=value",
                errors=[FieldError("metadata", f"'{key.strip()}' needs a value: key=value")],
            )
        found[key.strip()] = item.strip()
    return found


def labels_text(labels: list[dict[str, str]]) -> str:
    return ", ".join(f"{x['key']}:{x['value']}" if x.get("value") else x["key"] for x in labels)


def metadata_text(metadata: dict[str, str]) -> str:
    return "\n".join(f"{key}={value}" for key, value in metadata.items())
