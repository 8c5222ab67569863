"""The OpenAPI document's written examples, by ``METHOD /path``.

The compatibility surfaces' examples are their seed documents' own
(``surfaces/seed_examples.json``, written by ``scripts/seed_examples.py``); the canonical
API's are the ones a store meets first. Every other operation's example is made from its
schema (``kit/openapi_examples.py``), and a test checks them all against their schemas.
"""

import json
from importlib.resources import files
from typing import Any

from clientbook.kit.openapi_examples import NO_CONTENT, Example, from_schema

_ID = "1b6e7c3a-4f2d-4f8e-9a51-0c2d5e7f9a10"
_STORE_ID = "7d2f0c1e-3b4a-4c5d-8e9f-a0b1c2d3e4f5"
_AT = "2026-11-20T10:00:00Z"

_CUSTOMER_IN = {
    "first_name": "Jane",
    "last_name": "Smith",
    "email": "jane.smith@example.com",
    "phone": "+4930123456",
    "birth_date": "1990-05-17",
    "gender": "female",
    "language": "de",
    "consents": {"email_marketing": True},
}
_CUSTOMER: dict[str, Any] = {
    "id": _ID,
    "store_id": _STORE_ID,
    "name": "Jane Smith",
    "first_name": "Jane",
    "last_name": "Smith",
    "display_name": None,
    "salutation": None,
    "title": None,
    "email": "jane.smith@example.com",
    "phone": "+4930123456",
    "fax": None,
    "birth_date": "1990-05-17",
    "gender": "female",
    "language": "de",
    "website": None,
    "preferred_currency": None,
    "company": None,
    "loyalty_card_number": None,
    "labels": [],
    "consents": {"email_marketing": {"granted": True, "granted_at": _AT, "updated_at": _AT}},
    "preferences": {},
    "metadata": {},
    "status": "active",
    "is_active": True,
    "default_price_list_id": None,
    "level_id": None,
    "pos_id": None,
    "seller_id": None,
    "user_id": None,
    "linked_store_id": None,
    "created_at": _AT,
    "updated_at": _AT,
    "deleted_at": None,
    "version": 1,
}
_STORES = "/v1/stores/{store}"

_PAGINATION = {
    "page": 1,
    "limit": 20,
    "total": 1,
    "total_is_exact": True,
    "total_pages": 1,
    "has_next": False,
    "has_prev": False,
}
_EVENT = {
    "id": _ID,
    "customer_id": _ID,
    "action": "updated",
    "fields": ["last_name"],
    "actor_user_id": _STORE_ID,
    "actor_api_key_id": None,
    "actor_customer_id": None,
    "at": _AT,
}
_METRICS = """\
# HELP clientbook_http_requests_total HTTP requests answered, by route template, method and status
# TYPE clientbook_http_requests_total counter
clientbook_http_requests_total{route="/v1/stores/{store}/customers",method="GET",status="200"} 42.0
"""


def _page_of(schema: str) -> Any:
    """A page of one ``schema`` (a list answered as a plain dict names no schema)."""
    return lambda schemas: {
        "data": [from_schema(schemas[schema], schemas)],
        "pagination": _PAGINATION,
    }


_OTHER_ID = "5c1d9e2b-7a3f-4e6d-b8c0-1f2e3d4c5b6a"
_PAIR = {
    "customer_ids": [_ID, _OTHER_ID],
    "score": 0.9,
    "reasons": ["same phone", "similar name at the same post code"],
    "status": "open",
    "found_at": _AT,
    "decided_at": None,
}
_SCAN = {
    "id": _ID,
    "status": "queued",
    "steps": 3,
    "done": 0,
    "progress": 0.0,
    "pairs": 0,
    "created_at": _AT,
    "started_at": None,
    "finished_at": None,
}
_EXPORT = {
    "id": _ID,
    "customer_id": _OTHER_ID,
    "status": "ready",
    "size": 48213,
    "created_at": _AT,
    "ready_at": _AT,
    "expires_at": "2026-11-20T11:00:00Z",
    "download_url": f"/v1/data-exports/{_ID}/download?store={_STORE_ID}"
    "&expires=1763636400&signature=" + "3f" * 32,
    "links": {"self": f"/v1/stores/BERLIN/data-exports/{_ID}"},
}
_ERASED = {
    **_CUSTOMER,
    **dict.fromkeys(("name", "first_name", "last_name", "email", "phone")),
    "birth_date": None,
    "gender": None,
    "consents": {},
    "status": "deleted",
    "is_active": False,
}
# Duplicates, merges, data exports and erasure (docs/privacy.md).
_LIFECYCLE = {
    f"GET {_STORES}/duplicates": Example(
        answers={200: {"data": [_PAIR], "pagination": _PAGINATION}}
    ),
    f"POST {_STORES}/duplicates/dismissals": Example(
        request={"customer_ids": [_ID, _OTHER_ID]},
        answers={200: {**_PAIR, "status": "dismissed", "decided_at": _AT}},
    ),
    f"POST {_STORES}/duplicates/scans": Example(
        answers={202: {**_SCAN, "links": {"self": f"/v1/stores/BERLIN/duplicates/scans/{_ID}"}}}
    ),
    f"GET {_STORES}/duplicates/scans/{{scan_id}}": Example(
        answers={
            200: {
                **_SCAN,
                "status": "done",
                "done": 3,
                "progress": 1.0,
                "pairs": 12,
                "started_at": _AT,
                "finished_at": _AT,
            }
        }
    ),
    f"POST {_STORES}/customers/{{customer_id}}/merge": Example(
        request={"from": [_OTHER_ID], "preview": True},
        answers={
            200: {
                "preview": True,
                "survivor": _CUSTOMER,
                "merged_ids": [_OTHER_ID],
                "fields": [
                    {
                        "field": "phone",
                        "values": {_ID: "+4930123456", _OTHER_ID: "+4930999999"},
                        "kept_from": _ID,
                        "kept": "+4930123456",
                    }
                ],
                "records": {"addresses": 1, "files": 0, "purchases": 2},
            }
        },
    ),
    f"POST {_STORES}/customers/{{customer_id}}/data-export": Example(
        answers={
            202: {
                **_EXPORT,
                "status": "pending",
                "size": None,
                "ready_at": None,
                "expires_at": None,
                "download_url": None,
            }
        }
    ),
    f"GET {_STORES}/data-exports/{{export_id}}": Example(answers={200: _EXPORT}),
    f"POST {_STORES}/customers/{{customer_id}}/erase": Example(answers={200: _ERASED}),
}


V1 = {
    "GET /readyz": Example(answers={200: {"status": "ok", "database": "ok"}}),
    "GET /metrics": Example(answers={200: _METRICS}),
    f"GET {_STORES}/customers/{{customer_id}}/events": Example(
        answers={200: {"data": [_EVENT], "pagination": _PAGINATION}}
    ),
    f"GET {_STORES}/webhooks/{{webhook_id}}/deliveries": Example(
        answers={200: _page_of("DeliveryOut")}
    ),
    f"GET {_STORES}/groups/{{group_id}}/customers": Example(
        answers={200: {"data": [_CUSTOMER], "pagination": _PAGINATION}}
    ),
    "POST /v1/auth/token": Example(
        request={"email": "owner@example.com", "password": "correct horse battery staple"},
    ),
    "POST /v1/stores": Example(
        request={"code": "BERLIN", "name": "Berlin shop", "currency": "EUR", "country": "DE"},
    ),
    f"POST {_STORES}/customers": Example(request=_CUSTOMER_IN, answers={201: _CUSTOMER}),
    f"GET {_STORES}/customers/{{customer_id}}": Example(answers={200: _CUSTOMER}),
    f"PATCH {_STORES}/customers/{{customer_id}}": Example(
        request={"last_name": "Smith-Jones"},
        answers={200: {**_CUSTOMER, "name": "Jane Smith-Jones", "last_name": "Smith-Jones"}},
    ),
    f"POST {_STORES}/webhooks": Example(
        request={
            "url": "https://shop.example.com/hooks/clientbook",
            "events": ["customer.created", "customer.updated"],
        },
        answers={
            201: {
                "id": _ID,
                "url": "https://shop.example.com/hooks/clientbook",
                "events": ["customer.created", "customer.updated"],
                "active": True,
                "failing_since": None,
                "disabled_at": None,
                "disabled_reason": None,
                "created_at": _AT,
                "updated_at": _AT,
                "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            }
        },
    ),
    f"POST {_STORES}/customers/{{customer_id}}/points": Example(
        request={"type": "earn", "amount": 100, "reason": "Welcome bonus"},
    ),
    **_LIFECYCLE,
}

# Open Loyalty's answers with an empty body (its seed shows no answer for these).
_EMPTY = [
    "POST /api/{storeCode}/admin/customer/{customer}/activate",
    "POST /api/{storeCode}/admin/customer/{customer}/deactivate",
    "POST /api/{storeCode}/seller/customer/{customer}/activate",
    "POST /api/{storeCode}/seller/customer/{customer}/deactivate",
    "POST /api/{storeCode}/seller/customer/{customer}/pos",
    "POST /api/{storeCode}/customer/activate/{token}",
    "POST /api/{storeCode}/admin/customer/{customer}/send-sms-code",
    "POST /api/{storeCode}/seller/customer/{customer}/send-sms-code",
    "POST /api/{storeCode}/customer/customer-phone/send-sms-code",
]
# Where a seed's answer has another status than ours (MOOD MNKY documents its 201 as 200).
_STATUS = {"POST /api/customers/addresses": 201}
# Seed paths whose parameters we name otherwise.
_PATHS = {
    "PUT /customers/{customerId}/price-list": "PUT /customers/{customer_id}/price-list",
    "DELETE /customers/{customerId}/price-list": "DELETE /customers/{customer_id}/price-list",
}


def _seed_examples() -> dict[str, Example]:
    raw = json.loads(files("clientbook.surfaces").joinpath("seed_examples.json").read_text())
    # Aimeos' document shows its answers with "..." in them: these are Clientbook's own
    # answers to the document's requests (its example account), host as the document's.
    raw |= json.loads(files("clientbook.surfaces").joinpath("aimeos_examples.json").read_text())
    found = {}
    for key, example in raw.items():
        key = _PATHS.get(key, key)
        answers = {
            _STATUS.get(key, int(status)): body
            for status, body in example.get("answers", {}).items()
        }
        if "request" in example:
            found[key] = Example(request=example["request"], answers=answers)
        else:
            found[key] = Example(answers=answers)
    return found


def _from_seeds() -> dict[str, Example]:
    seeds = _seed_examples()
    seeds |= {key: Example(seeds[key].request, {200: NO_CONTENT}) for key in _EMPTY}
    # The admin's status answer in the seed lacks a comma; the seller's is the same shape.
    status = "GET /api/{storeCode}/ROLE/customer/{customer}/status"
    seeds[status.replace("ROLE", "admin")] = seeds[status.replace("ROLE", "seller")]
    return seeds


EXAMPLES = {**_from_seeds(), **V1}
