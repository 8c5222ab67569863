"""Customer properties in the canonical API: typed key/value pairs with a language."""

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from clientbook.customers.anonymize import anonymize_customer
from clientbook.models import CustomerProperty
from clientbook.properties.service import MAX_PROPERTIES
from clientbook.stores.scope import member_scope
from tests.factories import Factory


async def test_add_list_change_and_remove(factory: Factory, client: httpx.AsyncClient) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = f"{ctx.base}/customers/{customer.id}/properties"
    seller = ctx.seller.headers
    made = await client.post(
        url, json={"type": "newsletter", "value": "weekly", "language": "de"}, headers=seller
    )
    assert made.status_code == 201, made.text
    found = made.json()
    assert made.headers["Location"].endswith(found["id"])
    assert (found["type"], found["value"], found["language"]) == ("newsletter", "weekly", "de")
    listed = await client.get(url, headers=seller)
    assert [p["id"] for p in listed.json()["data"]] == [found["id"]]
    changed = await client.patch(f"{url}/{found['id']}", json={"value": "daily"}, headers=seller)
    assert changed.json()["value"] == "daily"
    assert (await client.delete(f"{url}/{found['id']}", headers=seller)).status_code == 204
    assert (await client.get(url, headers=seller)).json()["data"] == []


async def test_refusals_name_the_field(factory: Factory, client: httpx.AsyncClient) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = f"{ctx.base}/customers/{customer.id}/properties"
    owner = ctx.owner.headers
    for body, field in (
        ({"type": "has space", "value": "x"}, "type"),
        ({"type": "t", "value": "x" * 256}, "value"),
        ({"type": "t", "value": "x", "language": "not a tag"}, "language"),
        ({"value": "x"}, "type"),
    ):
        answer = await client.post(url, json=body, headers=owner)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == field
    made = (await client.post(url, json={"type": "t", "value": "v"}, headers=owner)).json()
    cleared = await client.patch(f"{url}/{made['id']}", json={"value": None}, headers=owner)
    assert cleared.status_code == 422


async def test_a_customer_holds_a_bounded_number(
    factory: Factory, client: httpx.AsyncClient
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = f"{ctx.base}/customers/{customer.id}/properties"
    for n in range(MAX_PROPERTIES):
        made = await client.post(
            url, json={"type": "t", "value": str(n)}, headers=ctx.owner.headers
        )
        assert made.status_code == 201
    over = await client.post(url, json={"type": "t", "value": "x"}, headers=ctx.owner.headers)
    assert over.status_code == 409


async def test_anonymising_erases_them(
    factory: Factory, client: httpx.AsyncClient, app: FastAPI
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = f"{ctx.base}/customers/{customer.id}/properties"
    await client.post(url, json={"type": "t", "value": "v"}, headers=ctx.owner.headers)
    async with factory.database.transaction() as session:
        scope = await member_scope(session, ctx.id, ctx.owner.user.id)
        await anonymize_customer(session, scope, app.state.storage, customer.id)
    async with factory.database.reading() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(CustomerProperty)
            .where(CustomerProperty.store_id == ctx.id, CustomerProperty.customer_id == customer.id)
        )
    assert left == 0
