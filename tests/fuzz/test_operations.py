"""Every operation, fuzzed: no 5xx, errors in their surface's documented shape, and
successful answers that match their OpenAPI schemas."""

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.fuzz.conftest import EXAMPLES, FuzzStore, openapi_document
from tests.server import LiveServer

schema = schemathesis.openapi.from_dict(openapi_document())


def error_shape(path: str, status: int, body: Any, content_type: str) -> str | None:
    """What is wrong with an error body for its surface, or None."""
    if path.startswith("/v1/"):
        if content_type != "application/problem+json":
            return f"content type {content_type!r}, not application/problem+json"
        missing = {"type", "title", "status", "detail"} - set(body)
        if missing or body["status"] != status:
            return f"not an RFC 9457 problem: {body}"
        errors = body.get("errors", [])
        if any(set(e) != {"field", "message"} for e in errors):
            return f"errors are not [{{field, message}}]: {errors}"
        return None
    if path == "/customer" or path.startswith("/customer/"):  # J-Optic
        if set(body) != {"statusCode", "message", "error"} or body["statusCode"] != status:
            return f"not J-Optic's {{statusCode, message, error}}: {body}"
        return None
    jethings = path == "/customers" or path.startswith("/customers/")
    if jethings and (set(body) != {"message", "statusCode"} or body["statusCode"] != status):
        return f"not Jethings' {{message, statusCode}}: {body}"
    return None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=False,
    suppress_health_check=list(HealthCheck),
)
def test_operation(case: Any, fuzz_server: LiveServer, fuzz_store: FuzzStore) -> None:
    given = case.path_parameters or {}
    if "store" in given:
        given["store"] = fuzz_store.code
    if "customer_id" in given:  # one real customer, so writes under it reach the database
        given["customer_id"] = fuzz_store.customer_id
    headers = {"Authorization": f"Bearer {fuzz_store.token}", "x-store-id": fuzz_store.id}
    response = case.call(base_url=fuzz_server.base_url, headers=headers, timeout=60)
    status = response.status_code
    request = f"{case.method} {case.formatted_path} -> {status}: {response.text[:500]}"
    assert status < 500, request
    if status >= 400 and response.content:
        content_type = response.headers.get("content-type", [""])[0].split(";")[0]
        problem = error_shape(case.path, status, response.json(), content_type)
        assert problem is None, f"{request}\n{problem}"
    if 200 <= status < 300:
        case.validate_response(response, checks=[response_schema_conformance])
    case.validate_response(response, checks=[status_code_conformance])
