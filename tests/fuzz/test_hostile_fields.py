"""Each string field and query parameter of every operation, given each hostile string:
never a 5xx, and errors in the surface's shape. The fuzzer reaches these values by
chance; this sweep reaches every field every run."""

import uuid
from typing import Any

import pytest
import requests

from tests.fuzz.conftest import FuzzStore, openapi_document
from tests.fuzz.test_operations import error_shape
from tests.server import LiveServer

HOSTILE = ["a\x00b", "a\ud800b", "\u202eevil\u202c", "C" * 100_000]
DOCUMENT = openapi_document()


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _takes_text(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(_resolve(option).get("type") == "string" for option in options)


def _cases() -> list[Any]:
    cases = []
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and _takes_text(parameter.get("schema", {})):
                    cases.append(pytest.param(method, path, "query", parameter["name"]))
            content = (operation.get("requestBody") or {}).get("content", {})
            body = _resolve(content.get("application/json", {}).get("schema", {}))
            for name, schema in body.get("properties", {}).items():
                if _takes_text(schema):
                    cases.append(pytest.param(method, path, "body", name))
    return cases


class _Ids(dict[str, str]):
    """Path parameters: the fuzz store and its customer; any other id is a fresh UUID."""

    def __missing__(self, key: str) -> str:
        return str(uuid.uuid4())


@pytest.mark.parametrize(("method", "path", "where", "name"), _cases())
def test_hostile_strings_in_every_field(
    fuzz_server: LiveServer, fuzz_store: FuzzStore, method: str, path: str, where: str, name: str
) -> None:
    ids = _Ids(
        store=fuzz_store.code,
        storeCode=fuzz_store.code,
        customer_id=fuzz_store.customer_id,
        customer=fuzz_store.customer_id,
    )
    url = fuzz_server.base_url + path.format_map(ids)
    headers = {"Authorization": f"Bearer {fuzz_store.token}", "x-store-id": fuzz_store.id}
    for value in HOSTILE:
        if where == "query":
            if "\ud800" in value:
                continue  # a URL cannot carry a lone surrogate
            response = requests.request(
                method, url, params={name: value[:6000]}, headers=headers, timeout=60
            )
        else:
            response = requests.request(
                method, url, json={name: value}, headers=headers, timeout=60
            )
        sent = f"{method.upper()} {path} {where} {name}={value[:20]!r}"
        assert response.status_code < 500, f"{sent} -> {response.status_code}: {response.text}"
        if response.status_code >= 400 and response.content:
            kind = response.headers.get("content-type", "").split(";")[0]
            problem = error_shape(path, response.status_code, response.json(), kind)
            assert problem is None, f"{sent}: {problem}"
