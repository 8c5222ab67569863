"""Every unique rule and counter under concurrent requests to two server processes:
only 2xx/409/429 answers, and nothing stored twice."""

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import (
    Customer,
    CustomerAddress,
    CustomerGroup,
    CustomerProfile,
    GroupMember,
)
from tests.factories import Factory, StoreCtx
from tests.server import LiveServer, assert_statuses
from tests.surfaces.test_openloyalty import api, ol_store

BURST = 40


async def _count(database: Database, model: Any, *where: Any) -> int:
    async with database.transaction() as session:
        total = await session.scalar(select(func.count()).select_from(model).where(*where))
    return int(total or 0)


async def _burst(
    live_server: LiveServer, method: str, url: str, bodies: list[Any], headers: dict[str, str]
) -> list[httpx.Response]:
    async with live_server.client() as client:
        return await asyncio.gather(
            *(client.request(method, url, json=body, headers=headers) for body in bodies)
        )


def _case_variants(local: str, n: int) -> list[str]:
    return [
        "".join(c.upper() if (i >> k) & 1 else c for k, c in enumerate(local)) for i in range(n)
    ]


async def test_customer_email_in_any_letter_case_is_stored_once(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    bodies = [{"email": f"{v}@Example.com"} for v in _case_variants("sameperson", BURST)]
    responses = await _burst(
        live_server, "POST", f"{ctx.base}/customers", bodies, ctx.seller.headers
    )
    assert assert_statuses(responses, {201, 409}).count(201) == 1
    where = (Customer.store_id == ctx.id, Customer.email_key == "sameperson@example.com")
    assert await _count(database, Customer, *where) == 1


async def test_loyalty_card_is_stored_once(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    bodies = [{"first_name": f"P{i}", "loyalty_card_number": "CARD-1"} for i in range(BURST)]
    responses = await _burst(
        live_server, "POST", f"{ctx.base}/customers", bodies, ctx.seller.headers
    )
    assert assert_statuses(responses, {201, 409}).count(201) == 1
    where = (Customer.store_id == ctx.id, Customer.loyalty_card_number == "CARD-1")
    assert await _count(database, Customer, *where) == 1


async def test_idempotency_key_creates_once(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    headers = {**ctx.seller.headers, "Idempotency-Key": str(uuid.uuid4())}
    bodies = [{"first_name": "Once", "last_name": "Only"}] * BURST
    responses = await _burst(live_server, "POST", f"{ctx.base}/customers", bodies, headers)
    assert_statuses(responses, {201, 409})
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1  # every 201 is the first answer, replayed
    assert await _count(database, Customer, Customer.store_id == ctx.id) == 1


async def _group(live_server: LiveServer, ctx: StoreCtx, name: str) -> str:
    async with live_server.client() as client:
        made = await client.post(
            f"{ctx.base}/groups", json={"name": name}, headers=ctx.admin.headers
        )
    assert made.status_code == 201, made.text
    group_id: str = made.json()["id"]
    return group_id


async def test_group_name_is_stored_once(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    bodies = [{"name": "Regulars"}] * BURST
    responses = await _burst(live_server, "POST", f"{ctx.base}/groups", bodies, ctx.admin.headers)
    assert assert_statuses(responses, {201, 409}).count(201) == 1
    assert await _count(database, CustomerGroup, CustomerGroup.store_id == ctx.id) == 1


async def test_group_membership_is_stored_once(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    group_id = await _group(live_server, ctx, "VIP")
    ada, bob = await factory.customer(ctx), await factory.customer(ctx)
    bodies = [{"customer_ids": [str(ada.id), str(bob.id)][: 1 + i % 2]} for i in range(BURST)]
    url = f"{ctx.base}/groups/{group_id}/customers"
    responses = await _burst(live_server, "POST", url, bodies, ctx.seller.headers)
    assert_statuses(responses, {200})
    assert sum(r.json()["added"] for r in responses) == 2
    assert await _count(database, GroupMember, GroupMember.store_id == ctx.id) == 2


async def test_one_default_address_per_customer(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    bodies = [
        {
            "street": f"Street {i}",
            "city": "Town",
            "type": ("billing", "shipping")[i % 2],
            "is_default": True,
        }
        for i in range(BURST)
    ]
    url = f"{ctx.base}/customers/{customer.id}/addresses"
    responses = await _burst(live_server, "POST", url, bodies, ctx.seller.headers)
    assert_statuses(responses, {201})
    async with database.transaction() as session:
        defaults = list(
            await session.scalars(
                select(CustomerAddress.type).where(
                    CustomerAddress.store_id == ctx.id,
                    CustomerAddress.customer_id == customer.id,
                    CustomerAddress.is_default.is_(True),
                )
            )
        )
    assert len(defaults) == 1


async def test_default_price_list_deleted_meanwhile(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    async with live_server.client() as client:
        made = await client.post(
            f"{ctx.base}/price-lists",
            json={"name": "Wholesale", "currency": "EUR"},
            headers=ctx.admin.headers,
        )
        assert made.status_code == 201, made.text
        price_list = made.json()["id"]
        customers = [await factory.customer(ctx) for _ in range(BURST // 2)]
        responses = await asyncio.gather(
            client.delete(f"{ctx.base}/price-lists/{price_list}", headers=ctx.admin.headers),
            *(
                client.patch(
                    f"{ctx.base}/customers/{c.id}",
                    json={"default_price_list_id": price_list},
                    headers=ctx.seller.headers,
                )
                for c in customers
            ),
        )
    assert responses[0].status_code == 204
    assert_statuses(responses[1:], {200, 404, 409, 422})
    where = (Customer.store_id == ctx.id, Customer.default_price_list_id.is_not(None))
    assert await _count(database, Customer, *where) == 0


async def test_mood_mnky_first_scent_profiles_and_defaults_at_once(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    """A customer's simultaneous first scent-profile writes make one profile (each blend
    kept once per write that sent it), and simultaneous default addresses leave one."""
    ctx = await factory.store(country="US")
    customer = await factory.customer(ctx)
    auth = {"Authorization": f"Bearer {await factory.customer_token(ctx, customer.id)}"}
    bodies = [
        {"name": f"P{i}", "preferences": {"occasions": [f"o{i}"]}, "customBlends": []}
        for i in range(BURST // 2)
    ]
    responses = await _burst(live_server, "PATCH", "/api/customers/scent-profile", bodies, auth)
    assert_statuses(responses, {200})
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1
    where = (CustomerProfile.store_id == ctx.id, CustomerProfile.customer_id == customer.id)
    assert await _count(database, CustomerProfile, *where) == 1

    addresses = [
        {
            "name": f"A{i}",
            "city": "Town",
            "type": ("billing", "shipping", "both")[i % 3],
            "isDefault": True,
        }
        for i in range(BURST // 2)
    ]
    responses = await _burst(live_server, "POST", "/api/customers/addresses", addresses, auth)
    assert_statuses(responses, {201})
    defaults = (
        CustomerAddress.store_id == ctx.id,
        CustomerAddress.customer_id == customer.id,
        CustomerAddress.is_default.is_(True),
    )
    assert await _count(database, CustomerAddress, *defaults) == 1


async def test_open_loyalty_phone_is_registered_once_when_written_many_ways(
    live_server: LiveServer, factory: Factory, database: Database
) -> None:
    """Open Loyalty wants phone numbers unique in the store; no index says so (the
    canonical API lets a family share one), so racing registrations must queue on it."""
    ctx = await ol_store(factory)
    ways = ["600700800", "+48 600 700 800", "+48600700800", "600-700-800", "(+48) 600700800"]
    forms = [
        {
            "customer[firstName]": "Ann",
            "customer[lastName]": "Lee",
            "customer[email]": f"racer{i}@example.com",
            "customer[phone]": ways[i % len(ways)],
            "customer[agreement1]": "1",
        }
        for i in range(BURST)
    ]
    async with live_server.client() as client:
        responses = await asyncio.gather(
            *(
                client.post(api(ctx, "/customer/register"), data=form, headers=ctx.admin.headers)
                for form in forms
            )
        )
    assert assert_statuses(responses, {200, 400}).count(200) == 1
    refused = next(r for r in responses if r.status_code == 400)
    assert refused.json()["form"]["children"]["phone"]["errors"] == ["This value is already used."]
    where = (Customer.store_id == ctx.id, Customer.phone_key == "+48600700800")
    assert await _count(database, Customer, *where) == 1
