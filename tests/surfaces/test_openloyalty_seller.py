"""Open Loyalty (seed 002): seller activation, points of sale, POS search, levels by hand."""

import uuid
from typing import Any

import httpx

from tests.factories import Factory, StoreCtx
from tests.surfaces.test_openloyalty import FORM, api, ol_store


async def _pos(client: httpx.AsyncClient, ctx: StoreCtx, identifier: str) -> str:
    made = await client.post(
        f"{ctx.base}/points-of-sale",
        json={"name": identifier.upper(), "identifier": identifier},
        headers=ctx.admin.headers,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def _tier(client: httpx.AsyncClient, ctx: StoreCtx, name: str, condition: int) -> str:
    made = await client.post(
        f"{ctx.base}/tiers",
        json={"name": name, "reward_percent": "5.00", "condition_value": condition},
        headers=ctx.admin.headers,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def _details(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: Any) -> dict[str, Any]:
    found = await client.get(api(ctx, f"/customer/{customer_id}"), headers=ctx.admin.headers)
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


async def test_seller_activate_and_deactivate_documented(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await ol_store(factory)
    customer = await factory.customer(ctx)
    base = api(ctx, f"/seller/customer/{customer.id}")
    off = await client.post(f"{base}/deactivate", headers={**FORM, **ctx.admin.headers})
    assert off.status_code == 200, off.text
    assert off.content == b""
    assert (await _details(client, ctx, customer.id))["active"] is False
    on = await client.post(f"{base}/activate", headers={**FORM, **ctx.admin.headers})
    assert on.status_code == 200
    assert on.content == b""
    assert (await _details(client, ctx, customer.id))["active"] is True
    # As the seed documents, a seller signed in to the seller app may do both.
    seller = await client.post(f"{base}/deactivate", headers={**FORM, **ctx.seller.headers})
    assert (seller.status_code, seller.content) == (200, b"")
    assert (await _details(client, ctx, customer.id))["active"] is False
    seller = await client.post(f"{base}/activate", headers={**FORM, **ctx.seller.headers})
    assert (seller.status_code, seller.content) == (200, b"")
    assert (await _details(client, ctx, customer.id))["active"] is True


async def test_assign_pos_as_admin_and_seller_documented(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await ol_store(factory)
    other = await ol_store(factory)
    pos = await _pos(client, ctx, "pos1")
    pos2 = await _pos(client, ctx, "pos2")
    foreign = await _pos(client, other, "pos1")
    customer = await factory.customer(ctx)
    admin = await client.post(
        api(ctx, f"/customer/{customer.id}/pos"),
        content=f"posId={pos}",
        headers={**FORM, **ctx.admin.headers},
    )
    assert admin.status_code == 200, admin.text
    assert admin.json() == []
    assert (await factory.get_customer(ctx, customer.id)).pos_id == uuid.UUID(pos)  # type: ignore[union-attr]
    seller = await client.post(
        api(ctx, f"/seller/customer/{customer.id}/pos"),
        content=f"posId={pos2}",
        headers={**FORM, **ctx.seller.headers},
    )
    assert seller.status_code == 200, seller.text
    assert seller.content == b""
    assert (await factory.get_customer(ctx, customer.id)).pos_id == uuid.UUID(pos2)  # type: ignore[union-attr]
    for body in (f"posId={foreign}", "posId=nope", ""):
        refused = await client.post(
            api(ctx, f"/seller/customer/{customer.id}/pos"),
            content=body,
            headers={**FORM, **ctx.seller.headers},
        )
        assert refused.status_code == 400, (body, refused.text)
        assert "posId" in refused.json()["error"] or "pos_id" in refused.json()["error"]
    assert (await factory.get_customer(ctx, customer.id)).pos_id == uuid.UUID(pos2)  # type: ignore[union-attr]


async def test_level_assign_and_remove_documented(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await ol_store(factory)
    low = await _tier(client, ctx, "level0", 0)
    high = await _tier(client, ctx, "level1", 1000)
    customer = await factory.customer(ctx)
    assigned = await client.post(
        api(ctx, f"/customer/{customer.id}/level"),
        content=f"levelId={high}",
        headers={**FORM, **ctx.admin.headers},
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json() == []
    body = await _details(client, ctx, customer.id)
    assert body["levelId"] == high
    assert body["level"]["name"] == "level1"
    removed = await client.post(
        api(ctx, f"/customer/{customer.id}/remove-manually-level"),
        headers={**FORM, **ctx.admin.headers},
    )
    assert removed.status_code == 204, removed.text
    assert removed.content == b""
    assert (await _details(client, ctx, customer.id))["levelId"] == low
    unknown = await client.post(
        api(ctx, f"/customer/{customer.id}/level"),
        content=f"levelId={uuid.uuid4()}",
        headers={**FORM, **ctx.admin.headers},
    )
    assert unknown.status_code in (400, 404), unknown.text
    assert set(unknown.json()) == {"error"}


async def test_pos_search_documented_and_too_many(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await ol_store(factory)
    pos = await _pos(client, ctx, "pos2")
    john = await factory.customer(
        ctx,
        first_name="John",
        last_name="Doe",
        gender="male",
        email="user@example.com",
        phone="+48234234000",
        loyalty_card_number="47834433524",
    )
    john1 = await factory.customer(
        ctx,
        first_name="John1",
        last_name="Doe1",
        email="user-1@example.com",
        phone="+48456456000",
        labels=[{"key": "test", "value": "test"}],
    )
    await client.post(
        api(ctx, f"/customer/{john.id}/pos"),
        content=f"posId={pos}",
        headers={**FORM, **ctx.admin.headers},
    )
    await client.post(
        f"{ctx.base}/customers/{john1.id}/addresses",
        json={"city": "Warszawa", "postal_code": "00-001", "is_default": True},
        headers=ctx.admin.headers,
    )
    found = await client.post(
        api(ctx, "/pos/search/customer"),
        content="search[firstName]=John&search[lastName]=Doe",
        headers={**FORM, **ctx.seller.headers},
    )
    assert found.status_code == 200, found.text
    customers = found.json()["customers"]
    assert [c["customerId"] for c in customers] == [str(john.id)]
    first = customers[0]
    assert first["posId"] == pos
    assert first["posIdentifier"] == "pos2"
    assert first["status"]["state"] == "with-card"
    assert first["labels"] == []
    for criteria, expected in (
        ("search[loyaltyCardNumber]=47834433524", [john.id]),
        ("search[phone]=%2B48456456000", [john1.id]),
        ("search[phone]=456456000", [john1.id]),
        ("search[email]=USER@example.com", [john.id]),
        ("search[city]=warszawa&search[postcode]=00-001", [john1.id]),
        ("search[phone]=12", []),
    ):
        answer = await client.post(
            api(ctx, "/pos/search/customer"),
            content=criteria,
            headers={**FORM, **ctx.seller.headers},
        )
        assert answer.status_code == 200, (criteria, answer.text)
        assert [c["customerId"] for c in answer.json()["customers"]] == [
            str(i) for i in expected
        ], criteria
    for _ in range(21):
        await factory.customer(ctx, last_name="Many")
    too_many = await client.post(
        api(ctx, "/pos/search/customer"),
        json={"search": {"lastName": "many"}},
        headers=ctx.seller.headers,
    )
    assert too_many.status_code == 400
    assert too_many.json() == {"error": "too many results"}
    nothing = await client.post(
        api(ctx, "/pos/search/customer"), headers={**FORM, **ctx.seller.headers}
    )
    assert nothing.json() == {"error": "too many results"}
