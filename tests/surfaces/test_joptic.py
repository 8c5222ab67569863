"""J-Optic (seed 000): every example of the document, and what its clients rely on."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from clientbook.settings import Settings
from tests.factories import Factory, StoreCtx
from tests.files.samples import EXE, JPEG, PDF

JS_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

EXAMPLE_1 = {
    "customerData": {
        "firstName": "Layla",
        "lastName": "Hassan",
        "email": "layla.hassan@example.com",
        "phoneNumber": "+1-555-0199",
        "dateOfBirth": "1992-05-12T00:00:00.000Z",
        "sex": "female",
    },
    "address": {
        "street": "123 Vision Ave",
        "city": "Casablanca",
        "zipCode": "20000",
        "state": "MA",
    },
    "opticData": {
        "distanceVision": {
            "rightEye": {"sph": "-1.25", "cyl": "-0.25", "axis": "90"},
            "leftEye": {"sph": "-1.00", "cyl": "-0.25", "axis": "85"},
        },
        "intermediateVision": {
            "rightEye": {"sph": "-0.75", "cyl": "0", "axis": "0"},
            "leftEye": {"sph": "-0.75", "cyl": "0", "axis": "0"},
        },
        "nearVision": {
            "rightEye": {"sph": "-0.50", "cyl": "0", "axis": "0"},
            "leftEye": {"sph": "-0.50", "cyl": "0", "axis": "0"},
        },
    },
}

EXAMPLE_2 = {
    "customerData": {
        "firstName": "Ahmed",
        "lastName": "Benali",
        "email": "ahmed.benali@example.com",
        "phoneNumber": "+212-6-12345678",
        "dateOfBirth": "1985-08-20T00:00:00.000Z",
        "sex": "male",
    }
}


def headers(ctx: StoreCtx, who: str = "owner", store: str | None = None) -> dict[str, str]:
    staff = getattr(ctx, who)
    return {**staff.headers, "x-store-id": store or str(ctx.id)}


async def create(
    client: httpx.AsyncClient, ctx: StoreCtx, data: Any, files: list[Any] | None = None
) -> httpx.Response:
    """As ``curl -F``: always multipart, the JSON as a text part."""
    text = data if isinstance(data, str) else json.dumps(data)
    parts = [("jsonData", (None, text)), *(files or [])]
    return await client.post("/customer", files=parts, headers=headers(ctx))


async def test_example_1_full_optical_data_and_files(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    response = await create(
        client,
        ctx,
        EXAMPLE_1,
        [
            ("prescription", ("prescription.pdf", PDF, "application/pdf")),
            ("idCard", ("id-card.jpg", JPEG, "image/jpeg")),
        ],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"customer", "localData"}
    customer = body["customer"]
    assert set(customer) == {"id", "isActive", "createdAt", "updatedAt", "deletedAt"}
    assert customer["isActive"] is True
    assert customer["deletedAt"] is None
    assert JS_DATE.match(customer["createdAt"])
    assert JS_DATE.match(customer["updatedAt"])
    local = body["localData"]
    assert local == {
        "id": local["id"],
        "firstName": "Layla",
        "lastName": "Hassan",
        "email": "layla.hassan@example.com",
        "phoneNumber": "+1-555-0199",
        "dateOfBirth": "1992-05-12T00:00:00.000Z",
        "sex": "female",
        "customerId": customer["id"],
    }
    assert local["id"] != customer["id"]

    # everything landed in the customer book, visible through the canonical API
    base = f"{ctx.base}/customers/{customer['id']}"
    canonical = (await client.get(base, headers=ctx.owner.headers)).json()
    assert canonical["birth_date"] == "1992-05-12"
    assert canonical["gender"] == "female"
    address = (await client.get(f"{base}/addresses", headers=ctx.owner.headers)).json()["data"]
    assert [(a["street"], a["city"], a["postal_code"], a["province"]) for a in address] == [
        ("123 Vision Ave", "Casablanca", "20000", "MA")
    ]
    prescriptions = (await client.get(f"{base}/prescriptions", headers=ctx.owner.headers)).json()
    current = prescriptions["data"][0]
    assert current["distance_vision"]["right_eye"] == {"sph": "-1.25", "cyl": "-0.25", "axis": 90}
    assert current["near_vision"]["left_eye"] == {"sph": "-0.50", "cyl": "0.00", "axis": 0}
    stored = (await client.get(f"{base}/files", headers=ctx.owner.headers)).json()["data"]
    assert sorted((f["kind"], f["content_type"]) for f in stored) == [
        ("idCard", "image/jpeg"),
        ("prescription", "application/pdf"),
    ]


async def test_example_2_minimal_data(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await create(client, ctx, EXAMPLE_2)
    assert response.status_code == 201, response.text
    local = response.json()["localData"]
    assert local["phoneNumber"] == "+212-6-12345678"
    assert local["sex"] == "male"
    assert local["dateOfBirth"] == "1985-08-20T00:00:00.000Z"


async def test_duplicate_email_is_409_with_the_documented_body(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    assert (await create(client, ctx, EXAMPLE_2)).status_code == 201
    again = dict(EXAMPLE_2)
    again["customerData"] = {**EXAMPLE_2["customerData"], "email": " AHMED.benali@example.com "}
    response = await create(client, ctx, again)
    assert response.status_code == 409
    assert response.json() == {
        "statusCode": 409,
        "message": "Customer with this email already exists",
        "error": "Conflict",
    }


@pytest.mark.parametrize(
    ("jsondata", "field"),
    [
        (None, "jsonData"),
        ("{not json", "jsonData"),
        ({"address": {}}, "customerData"),
        (
            {"customerData": {**EXAMPLE_2["customerData"], "firstName": ""}},
            "customerData.firstName",
        ),
        ({"customerData": {**EXAMPLE_2["customerData"], "sex": "other"}}, "customerData.sex"),
        ({"customerData": {**EXAMPLE_2["customerData"], "email": "nope"}}, "customerData.email"),
        (
            {"customerData": {**EXAMPLE_2["customerData"], "dateOfBirth": "20/08/1985"}},
            "customerData.dateOfBirth",
        ),
        (
            {"customerData": {**EXAMPLE_2["customerData"], "dateOfBirth": "2999-01-01"}},
            "customerData.dateOfBirth",
        ),
        (
            {"customerData": {**EXAMPLE_2["customerData"], "phoneNumber": "call me"}},
            "customerData.phoneNumber",
        ),
        (
            {
                **EXAMPLE_2,
                "opticData": {"distanceVision": {"rightEye": {"sph": "-1.25", "cyl": "-0.5"}}},
            },
            "opticData.distanceVision.rightEye",
        ),
        (
            {
                **EXAMPLE_2,
                "opticData": {
                    "distanceVision": {"rightEye": {"sph": "-1.25", "cyl": "-0.5", "axis": "200"}}
                },
            },
            "opticData.distanceVision.rightEye.axis",
        ),
    ],
)
async def test_bad_input_is_400_naming_the_field_and_stores_nothing(
    client: httpx.AsyncClient, factory: Factory, jsondata: Any, field: str
) -> None:
    ctx = await factory.store()
    if jsondata is None:
        response = await client.post(
            "/customer", files=[("other", (None, "x"))], headers=headers(ctx)
        )
    else:
        response = await create(client, ctx, jsondata)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["statusCode"] == 400
    assert body["error"] == "Bad Request"
    assert field in body["message"]
    listed = await client.get("/customer", headers=headers(ctx))
    assert listed.json()["pagination"]["total"] == 0


async def test_a_bad_file_after_good_data_leaves_nothing_behind(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    ctx = await factory.store()
    response = await create(
        client,
        ctx,
        EXAMPLE_1,
        [
            ("prescription", ("prescription.pdf", PDF, "application/pdf")),
            ("idCard", ("id.exe", EXE, "image/jpeg")),
        ],
    )
    assert response.status_code == 415
    assert response.json()["statusCode"] == 415
    assert (await client.get("/customer", headers=headers(ctx))).json()["data"] == []
    folder = Path(settings.storage_dir or "") / str(ctx.id)
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


async def test_a_failure_after_files_are_stored_removes_them(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    """The e-mail is taken: the customer insert fails after nothing, or the files, were written."""
    ctx = await factory.store()
    await factory.customer(ctx, email="layla.hassan@example.com")
    response = await create(
        client, ctx, EXAMPLE_1, [("prescription", ("p.pdf", PDF, "application/pdf"))]
    )
    assert response.status_code == 409
    folder = Path(settings.storage_dir or "") / str(ctx.id)
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


async def test_store_access(client: httpx.AsyncClient, factory: Factory) -> None:
    ours, theirs = await factory.store(), await factory.store()
    forbidden = {
        "statusCode": 403,
        "message": "You do not have access to this store",
        "error": "Forbidden",
    }
    for method in ("GET", "POST"):
        response = await client.request(
            method,
            "/customer",
            files=[("jsonData", (None, json.dumps(EXAMPLE_2)))] if method == "POST" else None,
            headers=headers(theirs, store=str(ours.id)),
        )
        assert response.status_code == 403
        assert response.json() == forbidden
    unknown = await client.get("/customer", headers=headers(ours, store="NO-SUCH-STORE"))
    assert unknown.json() == forbidden
    anonymous = await client.get("/customer", headers={"x-store-id": str(ours.id)})
    assert anonymous.status_code == 401
    assert anonymous.json()["statusCode"] == 401
    no_store = await client.get("/customer", headers=ours.owner.headers)
    assert no_store.status_code == 400
    assert "x-store-id" in no_store.json()["message"]
    by_code = await client.get("/customer", headers=headers(ours, store=ours.code))
    assert by_code.status_code == 200


async def test_get_examples_shape_groups_and_name_fallback(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    layla = (await create(client, ctx, EXAMPLE_1)).json()["customer"]["id"]
    await create(client, ctx, EXAMPLE_2)
    only_email = await factory.customer(ctx, first_name=None, last_name=None, email="x@example.com")
    vip = await client.post(
        f"{ctx.base}/groups", json={"name": "VIP Customers"}, headers=ctx.admin.headers
    )
    await client.post(
        f"{ctx.base}/groups/{vip.json()['id']}/customers",
        json={"customer_ids": [layla]},
        headers=ctx.admin.headers,
    )

    # Example 1: default pagination
    everyone = await client.get("/customer", headers=headers(ctx, "seller"))
    assert everyone.status_code == 200
    assert everyone.json()["pagination"] == {"page": 1, "limit": 10, "total": 3, "totalPages": 1}
    assert [c["name"] for c in everyone.json()["data"]] == [
        "x@example.com",  # newest first; no name, so the user name stands in
        "Ahmed Benali",
        "Layla Hassan",
    ]

    # Example 2: search with filters
    found = await client.get(
        "/customer?search=Hassan&isActive=true&page=1&limit=20&sortBy=name&sortOrder=asc",
        headers=headers(ctx),
    )
    assert found.status_code == 200
    item = found.json()["data"][0]
    assert item == {
        "id": layla,
        "name": "Layla Hassan",
        "userName": "layla.hassan@example.com",
        "groups": [{"id": vip.json()["id"], "name": "VIP Customers"}],
        "isLocal": True,
        "status": "active",
        "createdAt": item["createdAt"],
        "updatedAt": item["updatedAt"],
    }
    assert found.json()["pagination"] == {"page": 1, "limit": 20, "total": 1, "totalPages": 1}

    # Example 3: active only, newest first; an inactive one says "unactive"
    await client.post(f"{ctx.base}/customers/{only_email.id}/deactivate", headers=ctx.admin.headers)
    active = await client.get(
        "/customer?isActive=true&sortBy=createdAt&sortOrder=desc", headers=headers(ctx)
    )
    assert [c["name"] for c in active.json()["data"]] == ["Ahmed Benali", "Layla Hassan"]
    inactive = await client.get("/customer?isActive=false", headers=headers(ctx))
    assert [c["status"] for c in inactive.json()["data"]] == ["unactive"]

    by_status = await client.get("/customer?sortBy=status&sortOrder=asc", headers=headers(ctx))
    assert by_status.json()["data"][0]["status"] == "unactive"

    await client.delete(f"{ctx.base}/customers/{layla}", headers=ctx.admin.headers)
    after = await client.get("/customer?search=Hassan", headers=headers(ctx))
    assert after.json()["data"] == []


@pytest.mark.parametrize(
    "query",
    ["page=0", "limit=0", "limit=101", "page=x", "sortBy=email", "sortOrder=up", "isActive=maybe"],
)
async def test_bad_list_parameters_are_400(
    client: httpx.AsyncClient, factory: Factory, query: str
) -> None:
    ctx = await factory.store()
    response = await client.get(f"/customer?{query}", headers=headers(ctx))
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400
    assert query.split("=")[0] in response.json()["message"]
