import uuid

import httpx

from tests.factories import Factory


async def test_price_list_crud(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store(currency="MAD")
    url = f"{ctx.base}/price-lists"
    created = await client.post(url, json={"name": " Wholesale "}, headers=ctx.admin.headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "Wholesale"
    assert body["currency"] == "MAD"  # the store's currency by default
    assert body["is_active"] is True
    assert created.headers["location"] == f"{url}/{body['id']}"

    listed = await client.get(url, headers=ctx.seller.headers)
    assert [p["id"] for p in listed.json()["data"]] == [body["id"]]

    patched = await client.patch(
        f"{url}/{body['id']}",
        json={"is_active": False, "currency": "eur"},
        headers=ctx.owner.headers,
    )
    assert patched.status_code == 200
    assert patched.json()["is_active"] is False
    assert patched.json()["currency"] == "EUR"

    deleted = await client.delete(f"{url}/{body['id']}", headers=ctx.admin.headers)
    assert deleted.status_code == 204
    gone = await client.get(f"{url}/{body['id']}", headers=ctx.admin.headers)
    assert gone.status_code == 404


async def test_price_list_validation_and_roles(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    url = f"{ctx.base}/price-lists"
    seller = await client.post(url, json={"name": "Retail"}, headers=ctx.seller.headers)
    assert seller.status_code == 403
    bad = await client.post(url, json={"name": "", "currency": "EURO"}, headers=ctx.admin.headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"name", "currency"}
    null_name = await client.post(url, json={"name": "Retail"}, headers=ctx.admin.headers)
    patched = await client.patch(
        f"{url}/{null_name.json()['id']}", json={"name": None}, headers=ctx.admin.headers
    )
    assert patched.status_code == 422
    assert patched.json()["errors"][0]["field"] == "name"


async def test_price_lists_are_invisible_to_other_stores(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ours, theirs = await factory.store(), await factory.store()
    made = await client.post(
        f"{ours.base}/price-lists", json={"name": "VIP"}, headers=ours.admin.headers
    )
    price_list_id = made.json()["id"]
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method,
            f"{theirs.base}/price-lists/{price_list_id}",
            json={"name": "stolen"} if method == "PATCH" else None,
            headers=theirs.owner.headers,
        )
        assert response.status_code == 404, method
    listed = await client.get(f"{theirs.base}/price-lists", headers=theirs.owner.headers)
    assert listed.json()["data"] == []
    as_outsider = await client.get(
        f"{ours.base}/price-lists/{price_list_id}", headers=theirs.owner.headers
    )
    assert as_outsider.status_code == 404
    still = await client.get(f"{ours.base}/price-lists/{price_list_id}", headers=ours.admin.headers)
    assert still.json()["name"] == "VIP"


async def test_unknown_price_list_is_404(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await client.get(f"{ctx.base}/price-lists/{uuid.uuid4()}", headers=ctx.admin.headers)
    assert response.status_code == 404
