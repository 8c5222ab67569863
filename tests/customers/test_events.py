"""GET /v1/stores/{store}/customers/{id}/events: who changed which fields, and when."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.customers.helpers import create, problem, unique_email, url
from tests.factories import Factory, Staff, StoreCtx


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def events(
    client: httpx.AsyncClient, ctx: StoreCtx, customer_id: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(
        url(ctx, customer_id, "events"), params=params, headers=ctx.seller.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def summary(body: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(event["action"], event["fields"]) for event in body["data"]]


async def act(
    client: httpx.AsyncClient, ctx: StoreCtx, staff: Staff, method: str, path: str, **kw: Any
) -> httpx.Response:
    response = await client.request(method, path, headers=staff.headers, **kw)
    assert response.status_code in (200, 201, 204), response.text
    return response


async def test_every_change_is_an_event_newest_first(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    started = datetime.now(UTC)
    created = await create(
        client, ctx, {"first_name": "Eve", "email": unique_email(), "is_active": False}
    )
    cid = created["id"]
    await act(client, ctx, ctx.seller, "PATCH", url(ctx, cid), json={"last_name": "Adams"})
    await act(client, ctx, ctx.admin, "DELETE", url(ctx, cid))
    await act(client, ctx, ctx.owner, "POST", url(ctx, cid, "restore"))
    await act(client, ctx, ctx.admin, "POST", url(ctx, cid, "activate"))
    await act(client, ctx, ctx.owner, "POST", url(ctx, cid, "deactivate"))
    finished = datetime.now(UTC)

    body = await events(client, ctx, cid)
    assert summary(body) == [
        ("deactivated", ["is_active"]),
        ("activated", ["is_active"]),
        ("restored", ["deleted_at"]),
        ("deleted", ["deleted_at"]),
        ("updated", ["last_name"]),
        ("created", ["email", "first_name", "is_active"]),
    ]
    actors = [event["actor_user_id"] for event in body["data"]]
    assert actors == [
        str(ctx.owner.user.id),
        str(ctx.admin.user.id),
        str(ctx.owner.user.id),
        str(ctx.admin.user.id),
        str(ctx.seller.user.id),
        str(ctx.seller.user.id),
    ]
    times = [parse_ts(event["at"]) for event in body["data"]]
    assert times == sorted(times, reverse=True)
    assert started <= times[-1]
    assert times[0] <= finished
    for event in body["data"]:
        assert set(event) == {
            "id",
            "customer_id",
            "action",
            "fields",
            "actor_user_id",
            "actor_api_key_id",
            "actor_customer_id",
            "at",
        }
        assert event["customer_id"] == cid
        uuid.UUID(event["id"])
    assert len({event["id"] for event in body["data"]}) == 6
    assert body["pagination"] == {
        "page": 1,
        "limit": 20,
        "total": 6,
        "total_is_exact": True,
        "total_pages": 1,
        "has_next": False,
        "has_prev": False,
    }


async def test_update_event_names_only_the_fields_that_changed(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="DE")
    created = await create(
        client,
        ctx,
        {
            "first_name": "Fay",
            "last_name": "Lee",
            "phone": "030 1234567",
            "consents": {"agreement1": True},
            "metadata": {"a": "1"},
        },
    )
    response = await client.patch(
        url(ctx, created["id"]),
        json={
            "first_name": "Fay",  # unchanged
            "last_name": "Li",
            "phone": "+49 30 1234567",  # same number, written differently
            "consents": {"agreement1": True, "sms_marketing": True},
            "metadata": {"a": "1"},  # unchanged
            "company": {"name": "Lee & Co"},
        },
        headers=ctx.seller.headers,
    )
    assert response.status_code == 200, response.text
    latest = (await events(client, ctx, created["id"]))["data"][0]
    assert latest["action"] == "updated"
    assert latest["fields"] == ["company", "consents", "last_name", "phone"]


async def test_requests_that_change_nothing_leave_no_update_event(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Same", "title": "Dr."})
    cid = created["id"]
    unchanged = await client.patch(
        url(ctx, cid), json={"first_name": "Same", "title": " Dr. "}, headers=ctx.seller.headers
    )
    assert unchanged.status_code == 200
    assert summary(await events(client, ctx, cid)) == [("created", ["first_name", "title"])]


async def test_failed_requests_record_no_event(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    taken = unique_email()
    await create(client, ctx, {"email": taken})
    created = await create(client, ctx, {"first_name": "Fail"})
    cid = created["id"]
    seller = ctx.seller.headers
    problem(await client.patch(url(ctx, cid), json={"email": taken}, headers=seller), 409)
    problem(
        await client.patch(
            url(ctx, cid), json={"title": "X"}, headers={**seller, "If-Match": '"9"'}
        ),
        412,
    )
    problem(await client.patch(url(ctx, cid), json={"gender": "x"}, headers=seller), 422)
    problem(await client.delete(url(ctx, cid), headers=seller), 403)
    blocking = await client.patch(url(ctx, cid), json={"status": "blocked"}, headers=seller)
    problem(blocking, 403)  # blocking is an admin's
    problem(
        await client.delete(url(ctx, cid), headers={**ctx.admin.headers, "If-Match": '"5"'}), 412
    )
    assert summary(await events(client, ctx, cid)) == [("created", ["first_name"])]


async def test_activate_and_deactivate_are_events_even_without_a_change(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "On", "status": "blocked"})
    cid = created["id"]
    await act(client, ctx, ctx.admin, "POST", url(ctx, cid, "deactivate"))
    await act(client, ctx, ctx.admin, "POST", url(ctx, cid, "activate"))
    await act(client, ctx, ctx.admin, "POST", url(ctx, cid, "activate"))
    assert summary(await events(client, ctx, cid)) == [
        ("activated", []),
        ("activated", ["is_active", "status"]),
        ("deactivated", []),
        ("created", ["first_name", "status"]),
    ]


async def test_events_are_paginated(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Page"})
    cid = created["id"]
    for n in range(4):
        await act(client, ctx, ctx.seller, "PATCH", url(ctx, cid), json={"title": f"T{n}"})
    everything = await events(client, ctx, cid)
    assert len(everything["data"]) == 5
    all_ids = [event["id"] for event in everything["data"]]

    first = await events(client, ctx, cid, limit=2)
    assert [event["id"] for event in first["data"]] == all_ids[:2]
    assert first["pagination"] == {
        "page": 1,
        "limit": 2,
        "total": 5,
        "total_is_exact": True,
        "total_pages": 3,
        "has_next": True,
        "has_prev": False,
    }
    second = await events(client, ctx, cid, limit=2, page=2)
    assert [event["id"] for event in second["data"]] == all_ids[2:4]
    assert (second["pagination"]["has_next"], second["pagination"]["has_prev"]) == (True, True)
    last = await events(client, ctx, cid, limit=2, page=3)
    assert [event["id"] for event in last["data"]] == all_ids[4:]
    assert summary(last) == [("created", ["first_name"])]
    assert last["pagination"]["has_next"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"page": 0}, "page"),
        ({"page": 10**20}, "page"),
    ],
)
async def test_bad_event_paging_is_422(
    client: httpx.AsyncClient, factory: Factory, params: dict[str, int], field: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    response = await client.get(
        url(ctx, customer.id, "events"), params=params, headers=ctx.seller.headers
    )
    problem(response, 422, field)


async def test_events_never_show_values(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store(country="DE")
    email = unique_email("Secret.Person")
    created = await create(
        client,
        ctx,
        {
            "first_name": "Zacharias",
            "last_name": "Quartermaine",
            "email": email,
            "phone": "0151 2345 678",
            "birth_date": "1971-03-04",
            "loyalty_card_number": "LOYAL-KX31337",
            "metadata": {"note": "allergic-to-peanuts"},
            "labels": [{"key": "tier", "value": "platinum"}],
        },
    )
    cid = created["id"]
    new_email = unique_email("Other.Address")
    await act(
        client,
        ctx,
        ctx.seller,
        "PATCH",
        url(ctx, cid),
        json={"email": new_email, "last_name": "Wolfeschlegel", "phone": "+49 30 7654321"},
    )
    await act(client, ctx, ctx.admin, "DELETE", url(ctx, cid))
    response = await client.get(url(ctx, cid, "events"), headers=ctx.seller.headers)
    assert response.status_code == 200
    text = response.text.lower()
    for secret in (
        email,
        new_email,
        "secret.person",
        "zacharias",
        "quartermaine",
        "wolfeschlegel",
        "2345678",
        "1512345678",
        "7654321",
        "1971-03-04",
        "loyal-kx",
        "peanuts",
        "platinum",
    ):
        assert secret.lower() not in text, secret


async def test_events_of_a_deleted_customer_stay_readable(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Del"})
    await act(client, ctx, ctx.admin, "DELETE", url(ctx, created["id"]))
    assert summary(await events(client, ctx, created["id"])) == [
        ("deleted", ["deleted_at"]),
        ("created", ["first_name"]),
    ]


async def test_events_belong_to_their_customer_and_store(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    a = await create(client, ctx, {"first_name": "A"})
    b = await create(client, ctx, {"first_name": "B"})
    await act(client, ctx, ctx.seller, "PATCH", url(ctx, b["id"]), json={"title": "Dr."})
    theirs = await create(client, other, {"first_name": "T"})

    assert summary(await events(client, ctx, a["id"])) == [("created", ["first_name"])]
    assert [e["customer_id"] for e in (await events(client, ctx, b["id"]))["data"]] == [
        b["id"],
        b["id"],
    ]
    response = await client.get(url(ctx, theirs["id"], "events"), headers=ctx.owner.headers)
    problem(response, 404)
    response = await client.get(url(ctx, a["id"], "events"), headers=other.owner.headers)
    problem(response, 404)
    response = await client.get(url(ctx, a["id"], "events"))
    problem(response, 401)


async def test_idempotent_replay_records_no_second_event(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    headers = {**ctx.seller.headers, "Idempotency-Key": "evt-1"}
    first = await client.post(url(ctx), json={"first_name": "Once"}, headers=headers)
    again = await client.post(url(ctx), json={"first_name": "Once"}, headers=headers)
    assert first.json()["id"] == again.json()["id"]
    assert summary(await events(client, ctx, first.json()["id"])) == [("created", ["first_name"])]
