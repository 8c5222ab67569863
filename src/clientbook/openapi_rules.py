"""What the OpenAPI document says beyond the routes (``kit/openapi.py``): which
dependencies read credentials, the surfaces' error bodies, and a description per tag."""

from typing import Any

from clientbook.accounts.endpoints import issue_token, refresh_token
from clientbook.customer_accounts.deps import get_customer_scope, get_throttle
from clientbook.customer_accounts.endpoints import cookie_sign_in, customer_refresh
from clientbook.deps import get_claims
from clientbook.kit.openapi import Rules, Surface
from clientbook.openapi_examples import EXAMPLES
from clientbook.surfaces.aimeos.access import get_visitor
from clientbook.surfaces.aimeos.routes import create_customer as aimeos_create_customer
from clientbook.surfaces.aimeos.routes import sign_in as aimeos_sign_in
from clientbook.surfaces.moodmnky.access import get_reading_shopper, get_shopper
from clientbook.surfaces.openloyalty.access import get_caller
from clientbook.surfaces.openloyalty.auth import admin_login, customer_login, refresh, seller_login

TAGS = {
    "operations": "Health, readiness and Prometheus metrics, for operators.",
    "auth": "Staff sign-in: access and refresh tokens.",
    "stores": "Stores, their settings and their members.",
    "invitations": "Inviting staff into a store, and answering invitations.",
    "api keys": "A store's API keys for back-ends and integrations (signed-in staff only).",
    "webhooks": "Endpoints that hear of a store's customer changes, signed (docs/webhooks.md).",
    "customers": "The customer book: create, read, change, delete, restore, search.",
    "import and export": "Customers in bulk, as CSV or JSON Lines.",
    "customer accounts": "Customers signing in as themselves, and staff managing that.",
    "duplicates": "Likely duplicate customers, scans of a whole store, and merges.",
    "privacy": "A person's data: an export to download, erasure (docs/privacy.md).",
    "addresses": "A customer's addresses.",
    "profiles": "Typed customer profiles (scent, preferences), each checked by its schema.",
    "files": "Files attached to a customer, checked by their content.",
    "prescriptions": "Optical prescriptions of a customer.",
    "price lists": "A store's price lists.",
    "groups": "Customer groups and their members.",
    "messages": "A store's own texts for the e-mails and SMS Clientbook sends.",
    "properties": "A customer's typed key/value properties (with a language).",
    "loyalty": "Wallets, points, tiers, purchases, earning rules, rewards, referrals, POS.",
    "J-Optic": "J-Optic's customer API, as its clients call it (its own error body).",
    "Jethings": "Jethings' customer API, as its clients call it (its own error body).",
    "Open Loyalty": "Open Loyalty's customer API, as its clients call it (its own error body).",
    "MOOD MNKY": "MOOD MNKY's customer API: a customer's own record (its own error body).",
    "Aimeos": "Aimeos' JSON:API customer resource: discovery, sign-up, the own record "
    "(JSON:API error objects).",
}

GROUPS = {
    "import and export": "customers",
    "J-Optic": "joptic",
    "Jethings": "jethings",
    "Open Loyalty": "openloyalty",
    "MOOD MNKY": "moodmnky",
    "Aimeos": "aimeos",
}


def _error(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": sorted(properties), "properties": properties}


SURFACES = [
    Surface(
        "/jsonapi",
        "Aimeos",
        _error(
            {
                "meta": {"type": "object", "example": {"total": 0, "prefix": None}},
                "errors": {
                    "type": "array",
                    "items": _error(
                        {
                            "status": {"type": "string", "example": "400"},
                            "title": {"type": "string", "example": "Bad Request"},
                            "detail": {"type": "string", "example": "is required"},
                        }
                    ),
                },
            }
        ),
        media_type="application/vnd.api+json",
        validation_status=400,
    ),
    # Before Open Loyalty's "/api": the longer prefix is matched first.
    Surface(
        "/api/customers",
        "MOOD MNKY",
        _error(
            {
                "success": {"type": "boolean", "example": False},
                "error": _error(
                    {
                        "status": {"type": "integer", "example": 400},
                        "code": {"type": "string", "example": "VALIDATION_ERROR"},
                        "message": {"type": "string", "example": "email: is not valid"},
                        "field": {"type": ["string", "null"], "example": "email"},
                        "errors": {"type": "array", "items": {"type": "object"}},
                    }
                ),
            }
        ),
        validation_status=400,
    ),
    Surface(
        "/customer",
        "J-Optic",
        _error(
            {
                "statusCode": {"type": "integer", "example": 400},
                "message": {"type": "string", "example": "customerData.email: is not valid"},
                "error": {"type": "string", "example": "Bad Request"},
            }
        ),
        validation_status=400,
    ),
    Surface(
        "/customers",
        "Jethings",
        _error(
            {
                "message": {"type": "string", "example": "Customer not found"},
                "statusCode": {"type": "integer", "example": 404},
            }
        ),
        validation_status=400,
    ),
    Surface(
        "/api",
        "Open Loyalty",
        {
            "type": "object",
            "description": "{error} for most errors; a form's {form, errors} for its fields",
            "properties": {
                "error": {"type": "string", "example": "Customer not found"},
                "form": {"type": "object"},
                "errors": {"type": "array", "items": {"type": "string"}},
            },
        },
        validation_status=400,
    ),
]


def _versioned(path: str, _method: str, answer: dict[str, Any]) -> bool:
    """Answers that carry an ETag: a customer document, and a file's content."""
    if path.endswith("/files/{file_id}/content"):
        return True
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    return path.startswith("/v1/") and schema.get("$ref", "").endswith("/CustomerOut")


_PROPERTY = "/v1/stores/{store}/customers/{customer_id}/properties/{property_id}"
# Where the rule's name reads badly.
OPERATION_IDS = {
    "GET /v1/stores/{store}/customers/{customer_id}/groups": "groups.of_customer",
    "GET /v1/stores/{store}/customers/{customer_id}/events": "customers.events",
    "GET /v1/stores": "stores.mine",
    "GET /v1/invitations": "invitations.mine",
    "POST /v1/auth/token": "auth.token",
    "POST /v1/auth/refresh": "auth.refresh",
    "POST /v1/stores/{store}/customers/{customer_id}/properties": "properties.add",
    f"PATCH {_PROPERTY}": "properties.update",
    f"DELETE {_PROPERTY}": "properties.delete",
    "GET /jsonapi/customer": "aimeos.get_customer",
    "PATCH /jsonapi/customer": "aimeos.update_customer",
}

RULES = Rules(
    surfaces=SURFACES,
    credentials=frozenset(
        {get_claims, get_customer_scope, get_caller, get_shopper, get_reading_shopper, get_visitor}
    ),
    throttled=frozenset(
        {get_throttle, issue_token, admin_login, seller_login, customer_login, aimeos_sign_in}
    ),
    sign_in=frozenset({refresh_token, refresh, customer_refresh}),
    # The CSRF tokens: the cookie sign-in's pre-session one, and Aimeos' ``_token``.
    refusals={
        cookie_sign_in: frozenset({403}),
        get_visitor: frozenset({400, 403, 404}),  # a bad body or query; no store here
        aimeos_create_customer: frozenset({429}),  # the sign-up limit
    },
    versioned=_versioned,
    tags=TAGS,
    groups=GROUPS,
    operation_ids=OPERATION_IDS,
    examples=EXAMPLES,
)
