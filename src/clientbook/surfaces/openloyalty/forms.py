"""Request parameters as Open Loyalty's clients send them: Symfony's bracket notation
(``customer[address][street]=...``, ``labels[0][key]=...``) in the query string or a
url-encoded body (even on GET, as its curl examples do), or the same shape as JSON."""

from collections.abc import Iterable
from typing import Any

from fastapi import Request

from clientbook.kit import untrusted
from clientbook.kit.errors import BadRequest, UnsupportedMediaType
from clientbook.kit.requests import is_json, media_type, read_json_or_form

MAX_DEPTH = 4
MAX_FIELDS = 200


def _path(name: str) -> list[str]:
    """``customer[address][street]`` → ``["customer", "address", "street"]``."""
    head, bracket, rest = name.partition("[")
    parts = [head]
    while bracket:
        key, closing, rest = rest.partition("]")
        if not closing:
            raise BadRequest(f"{name}: unclosed bracket")
        parts.append(key)
        if not rest:
            break
        if not rest.startswith("["):
            raise BadRequest(f"{name}: text after a bracket")
        rest = rest[1:]
    if len(parts) > MAX_DEPTH:
        raise BadRequest(f"{name}: nested too deeply")
    return parts


def nest(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Bracketed names as nested dicts; ``[]`` and ``[0]`` keys become list-like dicts
    (read them with ``as_list``). A later value replaces an earlier one."""
    root: dict[str, Any] = {}
    for count, (name, value) in enumerate(pairs):
        if count >= MAX_FIELDS:
            raise BadRequest(f"More than {MAX_FIELDS} parameters")
        untrusted.check_text(name, "body")
        untrusted.check_text(value, name)
        parts = _path(name)
        node = root
        for key in parts[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        last = parts[-1] if parts[-1] != "" else str(len(node))
        node[last] = value
    return root


def as_list(value: Any) -> list[Any]:
    """A nested dict with number keys (``labels[0]``, ``labels[1]``) in key order."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
        return [value[k] for k in keys]
    return [] if value is None else [value]


async def read_params(request: Request) -> dict[str, Any]:
    """The query string, with a url-encoded or JSON body laid over it."""
    params = nest(request.query_params.multi_items())
    kind = media_type(request)
    if kind == "application/x-www-form-urlencoded":
        form = await request.form(max_fields=MAX_FIELDS)
        params.update(nest((k, v) for k, v in form.multi_items() if isinstance(v, str)))
    elif is_json(kind):
        body = await read_json_or_form(request)
        if body is not None:
            if not isinstance(body, dict):
                raise BadRequest("The request body must be a JSON object")
            params.update(body)
    elif kind and await request.body():
        raise UnsupportedMediaType("Send application/x-www-form-urlencoded or application/json")
    return params
