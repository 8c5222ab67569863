"""Jethings (seed 001): every example of the document, and what its clients rely on."""

import re
import uuid
from typing import Any

import httpx
import pytest

from clientbook import demo
from clientbook.stores.scope import Role
from tests.factories import Factory, StoreCtx

JS_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def headers(ctx: StoreCtx, who: str = "owner", store: str | None = None) -> dict[str, str]:
    return {**getattr(ctx, who).headers, "x-store-id": store or str(ctx.id)}


async def price_list(
    client: httpx.AsyncClient, ctx: StoreCtx, name: str = "Retail", active: bool = True
) -> str:
    made = await client.post(
        f"{ctx.base}/price-lists",
        json={"name": name, "is_active": active},
        headers=ctx.admin.headers,
    )
    return str(made.json()["id"])


async def test_create_with_and_without_price_list(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    pl = await price_list(client, ctx)
    made = await client.post(
        "/customers",
        json={"localName": "Ali's Boutique", "defaultPriceListId": pl},
        headers=headers(ctx),
    )
    assert made.status_code == 200, made.text
    body = made.json()
    customer, link = body["customer"], body["customerStore"]
    assert customer == {
        "id": customer["id"],
        "localName": "Ali's Boutique",
        "defaultPriceListId": pl,
        "isActive": True,
        "createdAt": customer["createdAt"],
        "updatedAt": customer["updatedAt"],
    }
    assert JS_DATE.match(customer["createdAt"])
    assert link == {
        "id": link["id"],
        "customerId": customer["id"],
        "storeId": str(ctx.id),
        "createdAt": link["createdAt"],
    }
    assert link["id"] != customer["id"]

    plain = await client.post(
        "/customers", json={"localName": "New Customer"}, headers=headers(ctx)
    )
    assert plain.status_code == 200
    assert plain.json()["customer"]["defaultPriceListId"] is None

    canonical = await client.get(
        f"{ctx.base}/customers/{customer['id']}", headers=ctx.owner.headers
    )
    assert canonical.json()["display_name"] == "Ali's Boutique"
    assert canonical.json()["default_price_list_id"] == pl


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "localName is required"),
        ({"localName": "  "}, 400, "localName is required"),
        (
            {"localName": "X", "defaultPriceListId": "pl_abc123"},
            400,
            "defaultPriceListId must be a UUID",
        ),
        ({"localName": "X", "defaultPriceListId": str(uuid.uuid4())}, 404, "Price list not found"),
    ],
)
async def test_create_errors(
    client: httpx.AsyncClient, factory: Factory, body: dict[str, Any], status: int, message: str
) -> None:
    ctx = await factory.store()
    response = await client.post("/customers", json=body, headers=headers(ctx))
    assert response.status_code == status
    assert response.json() == {"message": message, "statusCode": status}
    listed = await client.get("/customers", headers=headers(ctx))
    assert listed.json()["pagination"]["total"] == 0


async def test_inactive_or_foreign_price_lists_are_not_found(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    inactive = await price_list(client, ctx, active=False)
    foreign = await price_list(client, other)
    for pl in (inactive, foreign):
        response = await client.post(
            "/customers", json={"localName": "X", "defaultPriceListId": pl}, headers=headers(ctx)
        )
        assert response.status_code == 404
        assert response.json() == {"message": "Price list not found", "statusCode": 404}


async def test_a_new_store_has_itself_as_a_customer(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    owner = await factory.user()
    made = await client.post(
        "/v1/stores",
        json={"code": f"B2B{uuid.uuid4().hex[:6]}", "name": "Ali's Boutique"},
        headers=owner.headers,
    )
    store_id = made.json()["id"]
    listed = await client.get("/customers", headers={**owner.headers, "x-store-id": store_id})
    assert listed.status_code == 200
    [itself] = listed.json()["data"]
    assert itself["name"] == "Ali's Boutique"
    assert itself["localName"] == "Ali's Boutique"
    assert itself["userId"] is None


async def test_a_new_staff_account_gets_a_customer_linked_to_it(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    # Accounts are signed up by the operator (``clientbook create-user``); an admin invites.
    async with factory.database.transaction() as session:
        await demo.create_member(
            session, email, "long password 1", "Nadia Amrani", ctx.code, Role.seller
        )
    members = await client.get(f"{ctx.base}/members", headers=ctx.owner.headers)
    [user_id] = [m["user_id"] for m in members.json()["data"] if m["email"] == email]
    listed = await client.get("/customers?search=nadia", headers=headers(ctx))
    [customer] = listed.json()["data"]
    assert customer["userId"] == user_id
    assert customer["name"] == "Nadia Amrani"


async def test_list_examples_and_pagination(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    names = ["John Doe", "John Smith", "Abdellah Chehri", "Zoe Johnson"]
    for name in names:
        await client.post("/customers", json={"localName": name}, headers=headers(ctx))
    everyone = await client.get("/customers", headers=headers(ctx))
    assert everyone.status_code == 200
    page = everyone.json()["pagination"]
    assert page == {
        "page": 1,
        "limit": 10,
        "total": 4,
        "totalPages": 1,
        "hasNext": False,
        "hasPrev": False,
    }
    item = everyone.json()["data"][0]
    assert set(item) == {
        "id",
        "name",
        "localName",
        "defaultPriceListId",
        "userId",
        "isActive",
        "createdAt",
        "updatedAt",
    }
    assert item["name"] == "Zoe Johnson"  # newest first

    searched = await client.get(
        "/customers?search=john&page=1&limit=10&sortBy=name&sortOrder=asc", headers=headers(ctx)
    )
    assert [c["name"] for c in searched.json()["data"]] == ["John Doe", "John Smith", "Zoe Johnson"]

    active = await client.get("/customers?isActive=true&page=1&limit=20", headers=headers(ctx))
    assert active.json()["pagination"]["limit"] == 20
    assert active.json()["pagination"]["total"] == 4

    exact = await client.get("/customers?name=John%20Doe", headers=headers(ctx))
    assert [c["name"] for c in exact.json()["data"]] == ["John Doe"]

    second = await client.get(
        "/customers?limit=3&page=1&sortBy=name&sortOrder=asc", headers=headers(ctx)
    )
    assert second.json()["pagination"] == {
        "page": 1,
        "limit": 3,
        "total": 4,
        "totalPages": 2,
        "hasNext": True,
        "hasPrev": False,
    }
    last = await client.get(
        "/customers?limit=3&page=2&sortBy=name&sortOrder=asc", headers=headers(ctx)
    )
    assert [c["name"] for c in last.json()["data"]] == ["Zoe Johnson"]
    assert last.json()["pagination"]["hasPrev"] is True


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", "Invalid page number"),
        ("page=abc", "Invalid page number"),
        ("limit=0", "Invalid limit: must be between 1 and 100"),
        ("limit=101", "Invalid limit: must be between 1 and 100"),
        ("sortBy=email", "Invalid sortBy: must be one of name, isActive, updatedAt, createdAt"),
        ("sortOrder=up", "Invalid sortOrder: must be one of asc, desc"),
        ("isActive=maybe", "Invalid isActive value: use true or false"),
    ],
)
async def test_invalid_list_parameters(
    client: httpx.AsyncClient, factory: Factory, query: str, message: str
) -> None:
    ctx = await factory.store()
    response = await client.get(f"/customers?{query}", headers=headers(ctx))
    assert response.status_code == 400
    assert response.json() == {"message": message, "statusCode": 400}


async def test_set_and_remove_price_list(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    first, second = await price_list(client, ctx, "A"), await price_list(client, ctx, "B")
    made = await client.post(
        "/customers",
        json={"localName": "Ali's Boutique", "defaultPriceListId": first},
        headers=headers(ctx),
    )
    customer_id = made.json()["customer"]["id"]
    url = f"/customers/{customer_id}/price-list"

    only = await client.put(url, json={"priceListId": second}, headers=headers(ctx))
    assert only.status_code == 200, only.text
    assert only.json() == {
        "success": True,
        "message": "Customer price list has been updated",
        "customer": {
            "id": customer_id,
            "localName": "Ali's Boutique",
            "defaultPriceListId": second,
            "isActive": True,
            "updatedAt": only.json()["customer"]["updatedAt"],
        },
    }
    renamed = await client.put(
        url, json={"priceListId": first, "name": "Updated Customer Name"}, headers=headers(ctx)
    )
    assert renamed.json()["customer"]["localName"] == "Updated Customer Name"
    assert renamed.json()["customer"]["defaultPriceListId"] == first

    removed = await client.delete(url, headers=headers(ctx))
    assert removed.status_code == 200
    assert removed.json()["message"] == "Customer price list has been removed"
    assert removed.json()["customer"]["defaultPriceListId"] is None
    assert removed.json()["success"] is True

    missing_customer = await client.put(
        f"/customers/{uuid.uuid4()}/price-list", json={"priceListId": first}, headers=headers(ctx)
    )
    assert missing_customer.status_code == 404
    missing_list = await client.put(
        url, json={"priceListId": str(uuid.uuid4())}, headers=headers(ctx)
    )
    assert missing_list.json() == {"message": "Price list not found", "statusCode": 404}
    no_list = await client.put(url, json={}, headers=headers(ctx))
    assert no_list.status_code == 400


async def test_price_list_of_another_stores_customer_is_not_found(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ours, theirs = await factory.store(), await factory.store()
    our_list = await price_list(client, ours, "Ours")
    their_list = await price_list(client, theirs, "Theirs")
    made = await client.post(
        "/customers",
        json={"localName": "Theirs", "defaultPriceListId": their_list},
        headers=headers(theirs),
    )
    assert made.status_code == 200, made.text
    foreign = made.json()["customer"]["id"]
    canonical_url = f"{theirs.base}/customers/{foreign}"
    before = await client.get(canonical_url, headers=theirs.owner.headers)
    assert before.status_code == 200
    assert before.json()["default_price_list_id"] == their_list

    not_found = {"message": "Customer not found", "statusCode": 404}
    url = f"/customers/{foreign}/price-list"
    for pl in (our_list, their_list):
        for body in ({"priceListId": pl}, {"priceListId": pl, "name": "Renamed"}):
            put = await client.put(url, json=body, headers=headers(ours))
            assert put.status_code == 404, put.text
            assert put.json() == not_found
    removed = await client.delete(url, headers=headers(ours))
    assert removed.status_code == 404, removed.text
    assert removed.json() == not_found

    after = await client.get(canonical_url, headers=theirs.owner.headers)
    assert after.json()["default_price_list_id"] == their_list
    assert after.json()["display_name"] == "Theirs"
    assert after.json() == before.json()


async def test_bulk_delete_touches_only_this_store(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ours, theirs = await factory.store(), await factory.store()
    mine = [
        (await client.post("/customers", json={"localName": n}, headers=headers(ours))).json()[
            "customer"
        ]["id"]
        for n in ("A", "B", "C")
    ]
    foreign = (
        await client.post("/customers", json={"localName": "F"}, headers=headers(theirs))
    ).json()["customer"]["id"]

    response = await client.request(
        "DELETE",
        "/customers/bulk",
        json={"ids": [mine[0], mine[1], foreign]},
        headers=headers(ours),
    )
    assert response.status_code == 200
    assert response.json() == {"message": "Customers removed from store", "deletedCount": 2}
    left = await client.get("/customers", headers=headers(ours))
    assert mine[2] in [c["id"] for c in left.json()["data"]]
    assert mine[0] not in [c["id"] for c in left.json()["data"]]
    still = await client.get("/customers", headers=headers(theirs))
    assert foreign in [c["id"] for c in still.json()["data"]]

    for body in ({}, {"ids": []}):
        empty = await client.request("DELETE", "/customers/bulk", json=body, headers=headers(ours))
        assert empty.status_code == 400
        assert empty.json() == {"message": "No customer IDs provided", "statusCode": 400}


async def test_store_access(client: httpx.AsyncClient, factory: Factory) -> None:
    ours, theirs = await factory.store(), await factory.store()
    forbidden = {"message": "You do not have access to this store", "statusCode": 403}
    outsider = headers(theirs, store=str(ours.id))
    assert (await client.get("/customers", headers=outsider)).json() == forbidden
    made = await client.post("/customers", json={"localName": "X"}, headers=outsider)
    assert made.json() == forbidden
    bulk = await client.request(
        "DELETE", "/customers/bulk", json={"ids": [str(uuid.uuid4())]}, headers=outsider
    )
    assert bulk.json() == forbidden
    assert (await client.get("/customers", headers={"x-store-id": str(ours.id)})).status_code == 401
