"""Values no route can store or answer, refused as a 400 that names the field.

PostgreSQL refuses U+0000 in text and UTF-8 cannot encode a lone surrogate, so both would
fail at the database (a 500) and SQLite would keep what PostgreSQL refuses. Python's JSON
parser recurses once per nesting level (a ``RecursionError`` at about a thousand), JSON
columns and the response encoder hold integers of 64 bits, and ``NaN``/``Infinity`` are not
JSON at all. One set of checks covers every surface: the ``UntrustedInput`` middleware runs
them on URLs and on JSON and form bodies, ``kit.requests`` on multipart fields, and the
import on each row.
"""

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from clientbook.kit.errors import BadRequest, FieldError

MAX_DEPTH = 64
"""How deeply arrays and objects may nest in a JSON document."""

INT_MIN, INT_MAX = -(2**63), 2**63 - 1

NUL = "must not contain the NUL character (U+0000)"
SURROGATE = "must be valid Unicode (it contains a lone surrogate)"
TOO_DEEP = f"must not nest arrays and objects more than {MAX_DEPTH} levels deep"
TOO_BIG = "must be an integer within 64 bits (-9223372036854775808 to 9223372036854775807)"
NOT_FINITE = "must be a finite number"

_SURROGATES = re.compile("[\ud800-\udfff]")

# A JSON text that cannot hold any of the above is not parsed a second time: only a
# ``\u0000`` or surrogate escape, a long number, a constant or deep nesting can.
_SUSPICIOUS = re.compile(rb"\\u0000|\\u[dD][89a-fA-F]|[0-9]{19}|[eE][+-]?[0-9]{3}|NaN|Infinity")


def text_problem(value: str) -> str | None:
    if "\x00" in value:
        return NUL
    if _SURROGATES.search(value):
        return SURROGATE
    return None


def find_problem(value: Any, root: str = "body") -> FieldError | None:
    """The first value in a parsed JSON document (or a row's values) that cannot be kept.

    Fields are named by their path, joined with dots, list indexes as numbers
    (``company.name``, ``tags.2``), as validation errors name them; ``root`` names the
    document itself.
    """
    pending: list[tuple[Any, str, int]] = [(value, "", 0)]
    while pending:
        item, path, depth = pending.pop()
        message = _scalar_problem(item)
        if message is None and isinstance(item, dict | list) and depth >= MAX_DEPTH:
            message = TOO_DEEP
        if message is not None:
            return FieldError(path or root, message)
        if isinstance(item, dict):
            entries: Iterable[tuple[Any, Any]] = item.items()
        elif isinstance(item, list):
            entries = enumerate(item)
        else:
            continue
        for key, child in entries:
            key_problem = text_problem(key) if isinstance(key, str) else None
            if key_problem is not None:
                return FieldError(path or root, f"has a key that {key_problem}")
            pending.append((child, f"{path}.{key}" if path else str(key), depth + 1))
    return None


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
        return TOO_BIG
    if isinstance(value, float) and not math.isfinite(value):
        return NOT_FINITE
    return None


def json_body_problem(body: bytes, root: str = "body") -> FieldError | None:
    """What makes a JSON body unusable, or None (also for a body that is not JSON at all:
    the route refuses that in its own words)."""
    if not _SUSPICIOUS.search(body) and body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return None
    try:
        value = json.loads(body, parse_constant=float)
    except RecursionError:
        return FieldError(root, TOO_DEEP)
    except ValueError:
        return None
    return find_problem(value, root)


def loads(raw: str | bytes, *, field: str = "body") -> Any:
    """Parse JSON from a client: 400 naming ``field`` when it is not JSON, or naming the
    value inside it that cannot be kept."""
    try:
        value = json.loads(raw, parse_constant=float)
    except RecursionError:
        raise refused(FieldError(field, TOO_DEEP)) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise refused(FieldError(field, "must be valid JSON")) from exc
    problem = find_problem(value, field)
    if problem is not None:
        raise refused(problem)
    return value


def check_text(value: str, field: str) -> None:
    message = text_problem(value)
    if message is not None:
        raise refused(FieldError(field, message))


def refused(problem: FieldError) -> BadRequest:
    return BadRequest(f"{problem.field}: {problem.message}", errors=[problem])
