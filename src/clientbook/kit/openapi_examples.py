"""An example for every operation's request body and for each of its answers.

The app writes examples per operation (by ``METHOD /path``): a request body, and an answer
body per status. What it leaves out is made from the schema: a field's own ``example``,
``examples`` or ``default`` first, then a plausible value for its name, type and format
(``ada@example.com`` for an e-mail, a UUID for an id). A test validates every example,
written or made, against the schema it illustrates.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_NO_BODY = object()
NO_CONTENT = object()
"""An answer's example that says the answer has no body: its ``content`` is dropped."""


@dataclass(frozen=True)
class Example:
    """What an operation's caller sends and gets back, as a seed document or a user
    would write it."""

    request: Any = _NO_BODY
    # An answer's body, ``NO_CONTENT``, or a function of the document's schemas.
    answers: Mapping[int, Any] = field(default_factory=dict)

    @property
    def has_request(self) -> bool:
        return self.request is not _NO_BODY


# A string field's value by its name, when its schema says no more than "a string".
_BY_NAME = [
    ("email", "ada@example.com"),
    ("phone", "+4930123456"),
    ("first_name", "Ada"),
    ("firstname", "Ada"),
    ("last_name", "Lovelace"),
    ("lastname", "Lovelace"),
    ("password", "correct horse battery staple"),
    ("token", "eyJhbGciOiJIUzI1NiJ9.e30.sig"),
    ("currency", "EUR"),
    ("country", "DE"),
    ("language", "en"),
    ("locale", "en"),
    ("city", "Berlin"),
    ("street", "Unter den Linden 1"),
    ("postal", "10117"),
    ("zip", "10117"),
    ("url", "https://shop.example.com/hooks/clientbook"),
    ("code", "MAIN"),
    ("name", "Main store"),
    ("gender", "female"),
    ("status", "active"),
]
# Values tried, in order, against a string's ``pattern``.
_PATTERNED = ["MAIN", "EUR", "en", "de-DE", "welcome", "scent", "main-1", "1", "a"]
_FORMATS = {
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "date-time": "2026-11-20T10:00:00Z",
    "date": "1990-05-17",
    "email": "ada@example.com",
    "uri": "https://shop.example.com/hooks/clientbook",
    "binary": "",
}


def add(document: dict[str, Any], written: Mapping[str, Example]) -> None:
    """Put an example on every request body and every successful answer with a body (an
    error's schema carries its own field examples)."""
    components = document.get("components", {}).get("schemas", {})
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            example = written.get(f"{method.upper()} {path}", Example())
            body = operation.get("requestBody", {}).get("content", {})
            # A written request is in the first JSON media type (else the only one).
            chosen = next((m for m in body if m.endswith("json")), next(iter(body), None))
            for media, content in body.items():
                if "examples" in content:  # named examples of its own, exclusive of ``example``
                    continue
                if example.has_request and media == chosen:
                    content["example"] = example.request
                else:
                    content.setdefault(
                        "example", from_schema(content.get("schema", {}), components)
                    )
            for status, answer in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                if example.answers.get(int(status)) is NO_CONTENT:
                    answer.pop("content", None)
                    continue
                if int(status) in example.answers and "content" not in answer:
                    answer["content"] = {"application/json": {}}  # a streamed JSON answer
                for content in answer.get("content", {}).values():
                    if int(status) in example.answers:
                        written_answer = example.answers[int(status)]
                        if callable(written_answer):  # made from the document's schemas
                            written_answer = written_answer(components)
                        content["example"] = written_answer
                    elif "schema" in content:
                        content.setdefault("example", from_schema(content["schema"], components))


def from_schema(
    schema: dict[str, Any], components: Mapping[str, Any], name: str = "", depth: int = 0
) -> Any:
    """A value that ``schema`` accepts (``name`` is the field's, for a plausible string)."""
    for key in ("example", "const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    if "$ref" in schema:
        target = components.get(schema["$ref"].rsplit("/", 1)[1], {})
        return from_schema(target, components, name, depth + 1)
    for combined in ("allOf", "anyOf", "oneOf"):
        if combined in schema:
            options = [o for o in schema[combined] if o.get("type") != "null"] or [{}]
            return from_schema(options[0], components, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and ("format" in schema or "pattern" in schema):
        kind = "string"  # a property name's schema
    if kind == "object" or "properties" in schema:
        if depth > 8:
            return {}
        extra = schema.get("additionalProperties")
        if "properties" not in schema and isinstance(extra, dict):  # {"data": [...]}
            names = schema.get("propertyNames", {})
            named = from_schema(names, components, "data", depth + 1) if names else None
            key = named if isinstance(named, str) else "data"
            return {key: from_schema(extra, components, "data", depth + 1)}
        required = set(schema.get("required", []))
        properties = schema.get("properties", {})
        shown = properties if depth < 4 else {k: v for k, v in properties.items() if k in required}
        return {key: from_schema(value, components, key, depth + 1) for key, value in shown.items()}
    if kind == "array":
        if depth > 8:
            return []
        item = from_schema(schema.get("items", {}), components, name, depth + 1)
        return [item] * max(1, schema.get("minItems", 1))
    if kind in ("integer", "number"):
        value = 1 if kind == "integer" else 10.5
        value = max(value, schema.get("minimum", value), schema.get("exclusiveMinimum", 0) + 1)
        return min(value, schema.get("maximum", value))
    if kind == "boolean":
        return True
    if kind == "string":
        return _string(schema, name)
    return None


def _string(schema: dict[str, Any], name: str) -> str:
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    if "pattern" in schema:
        return next((v for v in _PATTERNED if re.search(schema["pattern"], v)), "")
    key = name.lower()
    value = next((v for part, v in _BY_NAME if part in key), "text")
    if key == "id" or (key.endswith("_id") and key != "tax_id"):
        value = _FORMATS["uuid"]
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if len(value) < low:
        value = value.ljust(low, "x")
    return value if high is None else value[:high]
