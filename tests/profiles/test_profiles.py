"""``/v1/stores/{store}/customers/{id}/profiles/{kind}``: typed profiles, merging, scoping."""

from typing import Any

import httpx
from sqlalchemy import select

from clientbook.kit.db import Database
from clientbook.models import CustomerEvent, CustomerProfile
from tests.factories import Factory, StoreCtx
from tests.problems import assert_problem, error_fields


def url(ctx: StoreCtx, customer_id: Any, kind: str) -> str:
    return f"{ctx.base}/customers/{customer_id}/profiles/{kind}"


SCENT = {
    "name": "Jane's Profile",
    "preferences": {
        "intensity": "medium",
        "categories": ["floral", "woody"],
        "favorite_notes": ["lavender", "bergamot", "cedar"],
        "disliked_notes": ["patchouli", "musk"],
        "occasions": ["relaxation", "home"],
    },
    "custom_blends": [
        {"name": "Summer Breeze", "description": "Light", "notes": ["lavender", "bergamot"]}
    ],
}


async def test_kinds_are_listed_with_their_schema(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    response = await client.get(f"{ctx.base}/profile-kinds", headers=ctx.seller.headers)
    assert response.status_code == 200, response.text
    kinds = {k["kind"]: k for k in response.json()}
    assert set(kinds) == {"scent", "preferences"}
    assert "custom_blends" in kinds["scent"]["json_schema"]["properties"]
    assert kinds["preferences"]["customer_fields"] == [
        "email_marketing",
        "preferred_currency",
        "sms_marketing",
    ]


async def test_scent_profile_merges_objects_and_replaces_lists(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    empty = await client.get(url(ctx, customer.id, "scent"), headers=ctx.seller.headers)
    assert empty.status_code == 200, empty.text
    assert empty.json()["id"] is None
    assert empty.json()["data"]["custom_blends"] == []

    made = await client.patch(
        url(ctx, customer.id, "scent"), json=SCENT, headers=ctx.seller.headers
    )
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["id"]
    assert body["created_at"]
    (blend,) = body["data"]["custom_blends"]
    assert blend["id"]
    assert blend["created_at"]

    changed = await client.patch(
        url(ctx, customer.id, "scent"),
        json={
            "name": "Updated",
            "preferences": {"intensity": "strong", "occasions": ["work"]},
            "custom_blends": [{**blend, "name": "Renamed"}, {"name": "Cozy", "notes": ["vanilla"]}],
        },
        headers=ctx.seller.headers,
    )
    assert changed.status_code == 200, changed.text
    data = changed.json()["data"]
    assert data["name"] == "Updated"
    assert data["preferences"] == {
        **SCENT["preferences"],
        "intensity": "strong",
        "occasions": ["work"],
    }
    assert [b["name"] for b in data["custom_blends"]] == ["Renamed", "Cozy"]
    assert data["custom_blends"][0]["id"] == blend["id"]
    assert data["custom_blends"][0]["created_at"] == blend["created_at"]
    assert changed.json()["id"] == body["id"]

    # null resets a field to its default
    reset = await client.patch(
        url(ctx, customer.id, "scent"), json={"preferences": None}, headers=ctx.seller.headers
    )
    assert reset.json()["data"]["preferences"]["categories"] == []

    async with database.transaction() as session:
        rows = list(
            await session.scalars(select(CustomerProfile).where(CustomerProfile.store_id == ctx.id))
        )
        events = list(
            await session.scalars(
                select(CustomerEvent.fields).where(
                    CustomerEvent.store_id == ctx.id, CustomerEvent.action == "profile_updated"
                )
            )
        )
    assert len(rows) == 1
    assert rows[0].kind == "scent"
    assert events == [["profiles.scent"]] * 3


async def test_invalid_documents_name_the_field_and_store_nothing(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    target = url(ctx, customer.id, "scent")
    cases = [
        ({"preferences": {"intensity": "deafening"}}, "preferences.intensity"),
        ({"preferences": {"categories": "floral"}}, "preferences.categories"),
        ({"colour": "red"}, "colour"),
        ({"custom_blends": [{"notes": []}]}, "custom_blends.0.name"),
        (
            {"custom_blends": [{"id": "8b1f0b35-9d0f-4a4e-9a57-6a8e0f8c1e11", "name": "x"}]},
            "custom_blends.0.id",
        ),
        ({"name": "x" * 101}, "name"),
    ]
    for patch, field in cases:
        response = await client.patch(target, json=patch, headers=ctx.seller.headers)
        body = assert_problem(response, 422)
        assert field in error_fields(body), (patch, body)
    unknown = await client.get(url(ctx, customer.id, "horoscope"), headers=ctx.seller.headers)
    assert_problem(unknown, 404)
    async with database.transaction() as session:
        assert (
            await session.scalar(
                select(CustomerProfile.id).where(CustomerProfile.store_id == ctx.id)
            )
            is None
        )


async def test_preferences_are_backed_by_the_customer_consents_and_currency(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    response = await client.patch(
        url(ctx, customer.id, "preferences"),
        json={"email_marketing": True, "preferred_currency": "USD", "reminder_frequency": "weekly"},
        headers=ctx.seller.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == {
        "email_marketing": True,
        "sms_marketing": False,
        "preferred_currency": "USD",
        "reminder_frequency": "weekly",
    }
    assert body["consents"]["email_marketing"]["granted_at"]
    assert body["consents"]["sms_marketing"]["withdrawn_at"] is None
    record = await client.get(f"{ctx.base}/customers/{customer.id}", headers=ctx.seller.headers)
    assert record.json()["preferred_currency"] == "USD"
    assert record.json()["consents"]["email_marketing"]["granted"] is True

    withdrawn = await client.patch(
        url(ctx, customer.id, "preferences"),
        json={"email_marketing": False},
        headers=ctx.seller.headers,
    )
    consent = withdrawn.json()["consents"]["email_marketing"]
    assert consent["granted"] is False
    assert consent["withdrawn_at"]
    assert consent["granted_at"] is None
    assert withdrawn.json()["data"]["reminder_frequency"] == "weekly"
    bad = await client.patch(
        url(ctx, customer.id, "preferences"),
        json={"reminder_frequency": "hourly", "preferred_currency": "XXQ"},
        headers=ctx.seller.headers,
    )
    assert error_fields(assert_problem(bad, 422)) == {"reminder_frequency", "preferred_currency"}


async def test_another_stores_customer_is_not_found(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    other = await factory.store()
    theirs = await factory.customer(other)
    for method in ("GET", "PATCH"):
        response = await client.request(
            method, url(ctx, theirs.id, "scent"), json={"name": "x"}, headers=ctx.seller.headers
        )
        assert_problem(response, 404)
