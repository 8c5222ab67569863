"""Races end in clean answers (one winner, the rest 409/412), never in 5xx or duplicates."""

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.kit.integrity import UniqueRule
from clientbook.models import Customer, CustomerAddress, CustomerEvent, GroupMember
from tests.factories import Factory, StoreCtx


def _case_variants(local: str, n: int) -> list[str]:
    """``n`` spellings of one address that differ only in letter case."""
    variants = []
    for i in range(n):
        chars = [c.upper() if (i >> k) & 1 else c for k, c in enumerate(local)]
        variants.append("".join(chars))
    assert len(set(variants)) == n
    return variants


async def _count(database: Database, ctx: StoreCtx, *where: Any) -> int:
    async with database.transaction() as session:
        total = await session.scalar(
            select(func.count()).select_from(Customer).where(Customer.store_id == ctx.id, *where)
        )
    return int(total or 0)


async def test_concurrent_creates_of_one_email_make_exactly_one_customer(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    emails = [f"{local}@Example.com" for local in _case_variants("racecondition", 50)]

    async def create(email: str) -> httpx.Response:
        return await client.post(
            f"{ctx.base}/customers",
            json={"first_name": "Race", "email": email},
            headers=ctx.seller.headers,
        )

    responses = await asyncio.gather(*(create(email) for email in emails))

    statuses = sorted(r.status_code for r in responses)
    assert all(s < 500 for s in statuses), statuses
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == 49, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in response.json()["errors"]] == ["email"]
    winner = next(r for r in responses if r.status_code == 201).json()
    assert await _count(database, ctx) == 1
    assert await _count(database, ctx, Customer.email_key == "racecondition@example.com") == 1
    stored = await factory.get_customer(ctx, winner["id"])
    assert stored is not None
    assert stored.email == winner["email"]


async def test_concurrent_patches_with_the_same_if_match_let_one_win(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx, first_name="Before")
    url = f"{ctx.base}/customers/{customer.id}"
    etag = (await client.get(url, headers=ctx.seller.headers)).headers["etag"]

    async def patch(name: str) -> httpx.Response:
        return await client.patch(
            url, json={"first_name": name}, headers={**ctx.seller.headers, "If-Match": etag}
        )

    first, second = await asyncio.gather(patch("Alpha"), patch("Bravo"))

    statuses = sorted([first.status_code, second.status_code])
    assert statuses in ([200, 409], [200, 412]), (first.text, second.text)
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert loser.headers["content-type"].startswith("application/problem+json")
    stored = await factory.get_customer(ctx, customer.id)
    assert stored is not None
    assert stored.first_name == winner.json()["first_name"]
    assert stored.version == 2
    assert winner.headers["etag"] == '"2"'


async def test_concurrent_default_addresses_leave_one_default(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = f"{ctx.base}/customers/{customer.id}/addresses"

    async def add(city: str, kind: str) -> httpx.Response:
        return await client.post(
            url, json={"city": city, "type": kind, "is_default": True}, headers=ctx.seller.headers
        )

    responses = await asyncio.gather(
        *(add(f"B{i}", "billing") for i in range(10)),
        *(add(f"S{i}", "shipping") for i in range(10)),
    )
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]

    async with database.transaction() as session:
        rows = (
            await session.execute(
                select(CustomerAddress.type, func.count())
                .where(
                    CustomerAddress.store_id == ctx.id,
                    CustomerAddress.customer_id == customer.id,
                    CustomerAddress.is_default.is_(True),
                )
                .group_by(CustomerAddress.type)
            )
        ).all()
    assert sum(int(n) for _, n in rows) == 1


async def test_concurrent_default_changes_never_deadlock(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    """One request makes an address the billing default while another moves the current
    default to shipping: both succeed, whatever the order, and one default is left."""
    ctx = await factory.store()
    for _ in range(15):
        customer = await factory.customer(ctx)
        url = f"{ctx.base}/customers/{customer.id}/addresses"
        created = []
        for city, default in (("New", False), ("Current", True)):
            response = await client.post(
                url,
                json={"city": city, "type": "billing", "is_default": default},
                headers=ctx.seller.headers,
            )
            assert response.status_code == 201
            created.append(response.json()["id"])
        new, current = created
        responses = await asyncio.gather(
            client.patch(f"{url}/{new}", json={"is_default": True}, headers=ctx.seller.headers),
            client.patch(
                f"{url}/{current}",
                json={"type": "shipping", "city": "Moved"},
                headers=ctx.seller.headers,
            ),
        )
        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        listed = await client.get(url, headers=ctx.seller.headers)
        defaults = sorted((a["type"], a["city"]) for a in listed.json()["data"] if a["is_default"])
        assert defaults == [("billing", "New")], defaults


def test_a_unique_rule_recognises_each_databases_message() -> None:
    """The losers of a race get 409 only if their database's error is recognised."""
    rule = UniqueRule(
        "uq_customers_store_id_email_key", "customers", ("store_id", "email_key"), "email", "m"
    )
    assert rule.matches(
        'duplicate key value violates unique constraint "uq_customers_store_id_email_key"'
    )
    assert rule.matches("UNIQUE constraint failed: customers.store_id, customers.email_key")
    assert rule.matches("UNIQUE constraint failed: index 'uq_customers_store_id_email_key'")
    assert not rule.matches(
        'duplicate key value violates unique constraint "uq_customers_store_id_loyalty_card_number"'
    )
    assert not rule.matches(
        "UNIQUE constraint failed: customers.store_id, customers.loyalty_card_number"
    )
    assert not rule.matches("UNIQUE constraint failed: customers.store_id")


async def test_concurrent_adds_of_one_customer_to_a_group_store_it_once(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    group = await client.post(f"{ctx.base}/groups", json={"name": "VIP"}, headers=ctx.admin.headers)
    members = f"{ctx.base}/groups/{group.json()['id']}/customers"
    ada = await factory.customer(ctx, first_name="Ada")
    bob = await factory.customer(ctx, first_name="Bob")

    async def add(ids: list[str]) -> httpx.Response:
        return await client.post(members, json={"customer_ids": ids}, headers=ctx.seller.headers)

    batches = [[str(ada.id)], [str(bob.id), str(ada.id)], [str(ada.id), str(bob.id)]] * 15
    responses = await asyncio.gather(*(add(ids) for ids in batches))

    assert sorted({r.status_code for r in responses}) == [200], [r.text for r in responses]
    assert sum(r.json()["added"] for r in responses) == 2
    async with database.transaction() as session:
        stored = await session.scalars(
            select(GroupMember.customer_id).where(GroupMember.store_id == ctx.id)
        )
        assert sorted(stored) == sorted([ada.id, bob.id])
        added_events = await session.scalar(
            select(func.count())
            .select_from(CustomerEvent)
            .where(CustomerEvent.store_id == ctx.id, CustomerEvent.action == "group_added")
        )
    assert added_events == 2


async def test_adding_to_a_group_deleted_meanwhile_is_404(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    group = await client.post(
        f"{ctx.base}/groups", json={"name": "Gone"}, headers=ctx.admin.headers
    )
    url = f"{ctx.base}/groups/{group.json()['id']}"
    customers = [await factory.customer(ctx, first_name=f"C{i}") for i in range(5)]

    async def add(customer_id: str) -> httpx.Response:
        return await client.post(
            f"{url}/customers", json={"customer_ids": [customer_id]}, headers=ctx.seller.headers
        )

    responses = await asyncio.gather(
        client.delete(url, headers=ctx.admin.headers),
        *(add(str(c.id)) for c in customers),
    )
    assert responses[0].status_code == 204
    assert {r.status_code for r in responses[1:]} <= {200, 404}, [r.text for r in responses]
