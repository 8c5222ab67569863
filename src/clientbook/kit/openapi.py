"""The OpenAPI document, made honest from the routes themselves.

FastAPI documents a route's parameters, body and success answer. This module adds, for
every operation, what the route's signature says it can also answer:

* ``operationId``: ``<group>.<action>`` (``customers.create``), from the router's first
  tag and the endpoint function's name (the group's own noun taken out), stable as long
  as the function keeps its name (a test holds the list);
* ``security``: the bearer scheme, when a dependency reads credentials (so Swagger UI's
  Authorize works);
* its errors, in the error body of the surface that owns the path: 401 when it takes
  credentials, 403 and 404 in a store, 404 for an id in the path, 409 for a write, 412
  with ``If-Match``, 413/415/422 with a body, 422 with parameters, 429 where sign-in
  attempts are throttled, 503 when the database is away;
* an example of its request body and of each answer (``kit/openapi_examples.py``);
* its headers: ``X-Request-ID`` on every answer, ``Location`` on a 201, ``ETag`` where
  the answer is versioned, ``Retry-After`` on 429 and 503, ``WWW-Authenticate`` on 401.

``kit`` knows no domain: the app says which dependencies read credentials, which
throttle, and each surface's error body.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from clientbook.kit import openapi_examples
from clientbook.kit.openapi_examples import Example

BEARER = "bearer"
WRITES = frozenset({"post", "put", "patch", "delete"})
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Not Found"},
        "status": {"type": "integer", "example": 404},
        "detail": {"type": "string", "example": "Customer not found"},
        "instance": {"type": "string", "example": "/v1/stores/MAIN/customers/1b6e..."},
        "errors": {
            "type": "array",
            "description": "Which fields were refused, and why",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id (the client's, when it sent a sane one), as logged",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "The new resource's URL, when it has one of its own",
        "schema": {"type": "string"},
    },
    "ETag": {
        "description": "The version of what was answered; send it back in If-Match",
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer"},
    },
    "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}},
}


@dataclass(frozen=True)
class Surface:
    """How the operations under ``prefix`` answer an error."""

    prefix: str
    name: str
    schema: dict[str, Any]
    media_type: str = "application/json"
    validation_status: int = 422  # J-Optic, Jethings and Open Loyalty answer 400


@dataclass(frozen=True)
class Rules:
    surfaces: list[Surface]
    credentials: frozenset[Callable[..., Any]]  # dependencies that read credentials
    throttled: frozenset[Callable[..., Any]] = frozenset()  # ... that count sign-in attempts
    sign_in: frozenset[Callable[..., Any]] = frozenset()  # take credentials in the body
    # What a dependency (or endpoint) answers beyond the rules above, such as a CSRF 403.
    refusals: dict[Callable[..., Any], frozenset[int]] = field(default_factory=dict)
    in_store: str = "store"  # the path parameter naming a store
    versioned: Callable[[str, str, dict[str, Any]], bool] = lambda _p, _m, _op: False
    tags: dict[str, str] = field(default_factory=dict)  # tag -> description
    operation_ids: dict[str, str] = field(default_factory=dict)  # "GET /path" -> id
    groups: dict[str, str] = field(default_factory=dict)  # tag -> operationId group
    examples: dict[str, Example] = field(default_factory=dict)  # "GET /path" -> example


def install(app: FastAPI, rules: Rules) -> None:
    """Serve the document with the additions above (made once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None or "securitySchemes" not in app.openapi_schema.get(
            "components", {}
        ):
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(document, app.routes, rules)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any], routes: Iterable[Any], rules: Rules) -> dict[str, Any]:
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff access token (POST /v1/auth/token), a store's API key "
        "(cbk_...), or on a store's customer routes a customer token",
    }
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for surface in rules.surfaces:
        schemas[_schema_name(surface)] = surface.schema
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    by_key = {
        (route.path_format, method.lower()): route
        for route in _api_routes(routes)
        if route.include_in_schema
        for method in route.methods or ()
    }
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            route = by_key.get((path, method))
            if route is not None:
                _complete_operation(path, method, operation, route, rules)
    openapi_examples.add(document, rules.examples)
    used = {
        tag
        for ops in document.get("paths", {}).values()
        for o in ops.values()
        for tag in o.get("tags", [])
    }
    document["tags"] = [
        {"name": tag, "description": rules.tags.get(tag, "")} for tag in sorted(used)
    ]
    return document


def _api_routes(routes: Iterable[Any]) -> Iterable[Any]:
    """Each API route as its app serves it (an included router's routes with their
    prefix: FastAPI's route contexts, which ``get_openapi`` reads too)."""
    for context in iter_route_contexts(list(routes)):
        if isinstance(context.original_route, APIRoute):
            yield context


def operation_id(route: Any, groups: dict[str, str]) -> str:
    """``<group>.<action>``: the group from the route's first tag, the action its
    function's name without the group's noun (``create_customer`` → ``create``)."""
    tag = str(route.tags[0]) if route.tags else "operations"
    group = groups.get(tag) or re.sub(r"[^a-z0-9]+", "_", tag.lower()).strip("_")
    name = route.name
    for noun in sorted({group, group.rstrip("s"), group.removesuffix("es")}, key=len)[::-1]:
        name = re.sub(rf"(^|_){noun}(_|$)", "_", name)
    return f"{group}.{name.strip('_') or route.name}"


def _schema_name(surface: Surface) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", surface.name) + "Error"


def _surface(path: str, rules: Rules) -> Surface | None:
    for surface in rules.surfaces:
        if path == surface.prefix or path.startswith(surface.prefix.rstrip("/") + "/"):
            return surface
    return None


def _calls(dependant: Dependant) -> set[Any]:
    found = {dependant.call} if dependant.call is not None else set()
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def _complete_operation(
    path: str, method: str, operation: dict[str, Any], route: Any, rules: Rules
) -> None:
    operation["operationId"] = rules.operation_ids.get(
        f"{method.upper()} {path}", operation_id(route, rules.groups)
    )
    calls = _calls(route.dependant)
    takes_credentials = bool(calls & rules.credentials)
    if takes_credentials:
        operation["security"] = [{BEARER: []}]
    surface = _surface(path, rules)
    parameters = operation.get("parameters", [])
    names = {(p["in"], p["name"].lower()) for p in parameters}
    statuses: set[int] = {503}
    if takes_credentials:
        statuses.add(401)
    if ("path", rules.in_store) in names:
        statuses |= {403, 404} if takes_credentials else {404}
    if any(where == "path" and name != rules.in_store for where, name in names):
        statuses.add(404)
    has_body = "requestBody" in operation
    if has_body:
        statuses |= {413, 422}
        if any(kind.endswith("json") for kind in operation["requestBody"].get("content", {})):
            statuses.add(415)
    if parameters:
        statuses.add(422)
    if method in WRITES:
        statuses.add(409)
    if ("header", "if-match") in names:
        statuses.add(412)
    if calls & rules.throttled:
        statuses.add(429)
    if calls & (rules.sign_in | rules.throttled):
        statuses |= {400, 401, 415, 422}  # credentials in the body, refused or malformed
    for call in calls & set(rules.refusals):
        statuses |= rules.refusals[call]
    if method in ("post", "put", "patch"):
        statuses.add(413)  # any body over the limit
    if has_body or parameters:
        statuses.add(400)  # a body that is not JSON, a NUL byte or a lone surrogate
    if takes_credentials and ("path", rules.in_store) not in names:
        statuses.add(403)  # an API key where a signed-in user is needed, or a role
    if surface is not None and surface.validation_status != 422 and 422 in statuses:
        statuses.discard(422)
        statuses.add(surface.validation_status)
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)
    media, ref = (
        (surface.media_type, {"$ref": f"#/components/schemas/{_schema_name(surface)}"})
        if surface is not None
        else ("application/problem+json", {"$ref": "#/components/schemas/Problem"})
    )
    for status in sorted(statuses):
        answer: dict[str, Any] = {
            "description": HTTPStatus(status).phrase,
            "content": {media: {"schema": ref}},
        }
        responses.setdefault(str(status), answer)
    for status, answer in responses.items():
        headers = answer.setdefault("headers", {})
        headers["X-Request-ID"] = HEADERS["X-Request-ID"]
        if status == "201":
            headers["Location"] = HEADERS["Location"]
        if status in ("429", "503"):
            headers["Retry-After"] = HEADERS["Retry-After"]
        if status == "401" and surface is None:
            headers["WWW-Authenticate"] = HEADERS["WWW-Authenticate"]
        if status.startswith("2") and rules.versioned(path, method, answer):
            headers["ETag"] = HEADERS["ETag"]
