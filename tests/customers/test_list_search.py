"""GET /v1/stores/{store}/customers: pages, cursors, sorting, filters and search."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.customers.helpers import create, ids, listing, problem, unique_email, url
from tests.factories import Factory, StoreCtx


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def between(earlier: str, later: str) -> str:
    """An instant strictly between two timestamps the API returned."""
    a, b = parse_ts(earlier), parse_ts(later)
    assert b - a > timedelta(microseconds=2), (earlier, later)
    return (a + (b - a) / 2).isoformat()


def fake_cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


async def walk(
    client: httpx.AsyncClient, ctx: StoreCtx, limit: int, **params: Any
) -> list[list[str]]:
    """Every page of a cursor walk, as lists of ids."""
    pages: list[list[str]] = []
    cursor = ""
    while True:
        body = await listing(client, ctx, cursor=cursor, limit=limit, **params)
        assert set(body["pagination"]) == {"limit", "has_next", "next_cursor"}
        assert body["pagination"]["limit"] == limit
        pages.append([c["id"] for c in body["data"]])
        assert len(pages[-1]) <= limit
        if not body["pagination"]["has_next"]:
            assert body["pagination"]["next_cursor"] is None
            return pages
        assert len(pages[-1]) == limit
        cursor = body["pagination"]["next_cursor"]
        assert cursor
        assert len(pages) < 100, "the walk does not end"


# --- envelope, pages, defaults ---------------------------------------------------------------


async def test_empty_store_lists_nothing(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    other = await factory.store()
    await factory.customer(other)
    assert await listing(client, ctx) == {
        "data": [],
        "pagination": {
            "page": 1,
            "limit": 20,
            "total": 0,
            "total_is_exact": True,
            "total_pages": 0,
            "has_next": False,
            "has_prev": False,
            "next_cursor": None,
        },
    }


async def test_pages_newest_first_with_exact_totals(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    made = [await create(client, ctx, {"first_name": f"P{i}"}) for i in range(5)]
    newest_first = [c["id"] for c in reversed(made)]

    first = await listing(client, ctx, limit=2)
    assert [c["id"] for c in first["data"]] == newest_first[:2]
    assert first["data"][0] == made[-1]  # list items are full customers
    cursor = first["pagination"].pop("next_cursor")
    assert isinstance(cursor, str)
    assert first["pagination"] == {
        "page": 1,
        "limit": 2,
        "total": 5,
        "total_is_exact": True,
        "total_pages": 3,
        "has_next": True,
        "has_prev": False,
    }

    second = await listing(client, ctx, limit=2, page=2)
    assert [c["id"] for c in second["data"]] == newest_first[2:4]
    assert second["pagination"]["has_prev"] is True
    assert second["pagination"]["has_next"] is True

    last = await listing(client, ctx, limit=2, page=3)
    assert [c["id"] for c in last["data"]] == newest_first[4:]
    assert last["pagination"] == {
        "page": 3,
        "limit": 2,
        "total": 5,
        "total_is_exact": True,
        "total_pages": 3,
        "has_next": False,
        "has_prev": True,
        "next_cursor": None,
    }

    beyond = await listing(client, ctx, limit=2, page=4)
    assert beyond["data"] == []
    assert beyond["pagination"]["total"] == 5
    assert beyond["pagination"]["has_next"] is False

    # The next_cursor of a page continues where the page ends.
    continued = await listing(client, ctx, limit=2, cursor=cursor)
    assert [c["id"] for c in continued["data"]] == newest_first[2:4]


async def test_default_limit_is_20(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    for i in range(21):
        await factory.customer(ctx, first_name=f"N{i}")
    body = await listing(client, ctx)
    assert len(body["data"]) == 20
    assert body["pagination"]["total"] == 21
    assert body["pagination"]["total_pages"] == 2
    assert len((await listing(client, ctx, limit=100))["data"]) == 21


async def test_lists_only_this_stores_customers(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    one, two = await factory.store(), await factory.store()
    a = await create(client, one, {"first_name": "Anna", "email": unique_email()})
    b = await create(client, two, {"first_name": "Anna", "email": unique_email()})
    assert await ids(client, one) == [a["id"]]
    assert await ids(client, two) == [b["id"]]
    assert await ids(client, one, q="anna") == [a["id"]]
    assert await ids(client, one, cursor="") == [a["id"]]
    assert await ids(client, one, email=b["email"]) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
        ({"page": 10**20}, "page"),
        ({"sort": "first_name"}, "sort"),
        ({"order": "up"}, "order"),
        ({"status": "gone"}, "status"),
        ({"is_active": "maybe"}, "is_active"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"updated_before": "2024-13-01"}, "updated_before"),
        # No such instant in UTC, where the times are kept.
        ({"created_after": "0001-01-01T00:00:00+14:00"}, "created_after"),
        ({"updated_before": "9999-12-31T23:00:00-14:00"}, "updated_before"),
        ({"q": "x" * 101}, "q"),
        ({"phone": "not a phone"}, "phone"),
        ({"limit": 0, "cursor": ""}, "limit"),
    ],
)
async def test_bad_list_parameters_are_422_naming_the_parameter(
    client: httpx.AsyncClient, factory: Factory, params: dict[str, Any], field: str
) -> None:
    ctx = await factory.store()
    response = await client.get(url(ctx), params=params, headers=ctx.seller.headers)
    problem(response, 422, field)


async def test_limit_100_is_allowed(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    body = await listing(client, ctx, limit=100)
    assert body["pagination"]["limit"] == 100


# --- sorting ---------------------------------------------------------------------------------


@pytest.fixture
async def sortable(
    client: httpx.AsyncClient, factory: Factory
) -> tuple[StoreCtx, dict[str, dict[str, Any]]]:
    """Three customers whose names, e-mails, activity and timestamps all sort differently."""
    ctx = await factory.store()
    tag = uuid.uuid4().hex[:8]
    carla = await create(client, ctx, {"first_name": "Carla", "email": f"a-{tag}@example.com"})
    anna = await create(
        client, ctx, {"first_name": "Anna", "email": f"C-{tag}@example.com", "is_active": False}
    )
    bruno = await create(client, ctx, {"first_name": "Bruno", "email": f"b-{tag}@example.com"})
    patched = await client.patch(
        url(ctx, carla["id"]), json={"title": "Dr."}, headers=ctx.seller.headers
    )
    assert patched.status_code == 200
    return ctx, {"carla": patched.json(), "anna": anna, "bruno": bruno}


def by_id(*customers: dict[str, Any]) -> list[str]:
    return sorted(c["id"] for c in customers)


@pytest.mark.parametrize(
    ("sort", "ascending"),
    [
        ("created_at", ["carla", "anna", "bruno"]),
        ("updated_at", ["anna", "bruno", "carla"]),
        ("name", ["anna", "bruno", "carla"]),
        ("email", ["carla", "bruno", "anna"]),
    ],
)
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_sort(
    client: httpx.AsyncClient,
    sortable: tuple[StoreCtx, dict[str, dict[str, Any]]],
    sort: str,
    ascending: list[str],
    order: str,
) -> None:
    ctx, people = sortable
    expected = [people[name]["id"] for name in ascending]
    if order == "desc":
        expected.reverse()
    assert await ids(client, ctx, sort=sort, order=order) == expected
    # A cursor walk one customer at a time gives the same order.
    assert [i for page in await walk(client, ctx, 1, sort=sort, order=order) for i in page] == (
        expected
    )


async def test_default_sort_is_created_at_desc(
    client: httpx.AsyncClient, sortable: tuple[StoreCtx, dict[str, dict[str, Any]]]
) -> None:
    ctx, people = sortable
    expected = [people[name]["id"] for name in ("bruno", "anna", "carla")]
    assert await ids(client, ctx) == expected
    assert await ids(client, ctx, sort="created_at") == expected
    assert await ids(client, ctx, order="desc") == expected


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_sort_by_is_active_ties_broken_by_id(
    client: httpx.AsyncClient,
    sortable: tuple[StoreCtx, dict[str, dict[str, Any]]],
    order: str,
) -> None:
    ctx, people = sortable
    expected = [people["anna"]["id"], *by_id(people["carla"], people["bruno"])]
    if order == "desc":
        expected.reverse()
    assert await ids(client, ctx, sort="is_active", order=order) == expected
    walked = await walk(client, ctx, 1, sort="is_active", order=order)
    assert [i for page in walked for i in page] == expected


# --- cursors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["created_at", "updated_at", "name", "email", "is_active"])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_cursor_walk_returns_every_customer_once_in_order(
    client: httpx.AsyncClient, factory: Factory, sort: str, order: str
) -> None:
    ctx = await factory.store()
    for i in range(7):
        # Repeated names, missing e-mails and equal flags: ties must be broken by id.
        await factory.customer(
            ctx,
            first_name=f"Name{i % 3}",
            last_name="Same",
            email=None if i % 2 else unique_email(),
            is_active=i % 3 != 0,
        )
    expected = await ids(client, ctx, sort=sort, order=order)
    assert len(expected) == 7
    pages = await walk(client, ctx, 3, sort=sort, order=order)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == expected


async def test_cursor_walk_of_an_exact_multiple_of_the_limit(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    for _ in range(4):
        await factory.customer(ctx)
    pages = await walk(client, ctx, 2)
    assert [len(page) for page in pages] == [2, 2]


async def test_cursor_walk_of_an_empty_store(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    body = await listing(client, ctx, cursor="")
    assert body == {"data": [], "pagination": {"limit": 20, "has_next": False, "next_cursor": None}}


@pytest.mark.parametrize(("sort", "order"), [("created_at", "desc"), ("name", "asc")])
async def test_cursor_walk_with_inserts_between_pages_sees_each_old_customer_once(
    client: httpx.AsyncClient, factory: Factory, sort: str, order: str
) -> None:
    ctx = await factory.store()
    before = {
        str((await factory.customer(ctx, first_name=f"M{i}", last_name="Old")).id) for i in range(7)
    }
    seen: list[str] = []
    cursor = ""
    inserted = 0
    while True:
        body = await listing(client, ctx, cursor=cursor, limit=2, sort=sort, order=order)
        seen.extend(c["id"] for c in body["data"])
        if not body["pagination"]["has_next"]:
            break
        cursor = body["pagination"]["next_cursor"]
        # New customers land before, among and after the ones not yet seen.
        for name in ("A", "M3", "Z"):
            await factory.customer(ctx, first_name=name, last_name=f"New{inserted}")
            inserted += 1
    assert len(seen) == len(set(seen)), "a customer came twice"
    assert before <= set(seen), "a customer that existed all along was skipped"


async def test_cursor_keeps_filters(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    wanted = {str((await factory.customer(ctx, first_name=f"Keep{i}")).id) for i in range(5)}
    for i in range(4):
        await factory.customer(ctx, first_name=f"Drop{i}")
    pages = await walk(client, ctx, 2, q="keep")
    assert {i for page in pages for i in page} == wanted
    assert sum(len(page) for page in pages) == 5


@pytest.mark.parametrize(
    ("cursor", "sort"),
    [
        ("not a cursor!", "created_at"),
        ("%%%", "created_at"),
        (fake_cursor({"a": 1}), "created_at"),
        (fake_cursor([1, 2, 3]), "created_at"),
        (fake_cursor(["created_at:desc", "2024-01-01T00:00:00+00:00"]), "created_at"),
        (fake_cursor(["created_at:desc", "2024-01-01T00:00:00+00:00", "x"]), "created_at"),
        (fake_cursor(["created_at:desc", "yesterday", str(uuid.uuid4())]), "created_at"),
        (fake_cursor(["updated_at:desc", 5, str(uuid.uuid4())]), "updated_at"),
        (fake_cursor(["name:desc", True, str(uuid.uuid4())]), "name"),
        (fake_cursor(["is_active:desc", "anna", str(uuid.uuid4())]), "is_active"),
        (fake_cursor(["email:desc", None, str(uuid.uuid4())]), "email"),
        (fake_cursor(["created_at:desc", "2024-01-01T00:00:00", str(uuid.uuid4())]), "created_at"),
        (fake_cursor(["updated_at:desc", "2024-01-01", str(uuid.uuid4())]), "updated_at"),
        (fake_cursor([None, "2024-01-01T00:00:00+00:00", str(uuid.uuid4())]), "created_at"),
        (base64.urlsafe_b64encode(b"\xff\xfe").decode(), "created_at"),
    ],
)
async def test_bad_cursor_is_422_naming_cursor(
    client: httpx.AsyncClient, factory: Factory, cursor: str, sort: str
) -> None:
    ctx = await factory.store()
    await factory.customer(ctx)
    response = await client.get(
        url(ctx), params={"cursor": cursor, "sort": sort}, headers=ctx.seller.headers
    )
    problem(response, 422, "cursor")


async def test_cursor_of_another_sort_order_is_422(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    for _ in range(3):
        await factory.customer(ctx)
    first = await listing(client, ctx, cursor="", limit=1, sort="name")
    cursor = first["pagination"]["next_cursor"]
    assert (await listing(client, ctx, cursor=cursor, limit=1, sort="name"))["data"]
    for params in ({"sort": "created_at"}, {"sort": "name", "order": "asc"}, {}):
        response = await client.get(
            url(ctx), params={"cursor": cursor, **params}, headers=ctx.seller.headers
        )
        problem(response, 422, "cursor")


async def test_cursor_too_long_is_422(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await client.get(url(ctx), params={"cursor": "a" * 600}, headers=ctx.seller.headers)
    problem(response, 422, "cursor")


# --- filters ---------------------------------------------------------------------------------


async def test_filter_by_email_ignores_case_but_not_partial(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    email = unique_email("Exact.Match")
    target = await create(client, ctx, {"email": email})
    await create(client, ctx, {"email": "x" + email})
    await create(client, ctx, {"first_name": "No mail"})
    assert await ids(client, ctx, email=email.upper()) == [target["id"]]
    assert await ids(client, ctx, email=f"  {email.lower()} ") == [target["id"]]
    assert await ids(client, ctx, email=email.split("@")[0]) == []


@pytest.mark.parametrize(
    "spelling",
    ["0151 2345 678", "+49 1512345678", "+49 (0)151 2345678", "0049-151-2345678", "01512345678"],
)
async def test_filter_by_phone_in_any_spelling(
    client: httpx.AsyncClient, factory: Factory, spelling: str
) -> None:
    ctx = await factory.store(country="DE")
    target = await create(client, ctx, {"first_name": "Tel", "phone": "0151 2345 678"})
    await create(client, ctx, {"first_name": "Other", "phone": "0151 2345 679"})
    assert await ids(client, ctx, phone=spelling) == [target["id"]]


async def test_filter_by_phone_in_a_store_without_country(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country=None)
    target = await create(client, ctx, {"first_name": "Tel", "phone": "+33 6 12 34 56 78"})
    assert await ids(client, ctx, phone="+33612345678") == [target["id"]]
    # a local number is kept as given and found by its digits, however they are spaced
    local = await create(client, ctx, {"first_name": "Loc", "phone": "06 12 34 56 78"})
    assert await ids(client, ctx, phone="0612345678") == [local["id"]]
    assert await ids(client, ctx, phone="06-12-34-56-78") == [local["id"]]
    # the search matches digits: the French number written both ways
    assert sorted(await ids(client, ctx, q="0612345678")) == sorted([target["id"], local["id"]])
    response = await client.get(url(ctx), params={"phone": "call me"}, headers=ctx.seller.headers)
    problem(response, 422, "phone")


async def test_filter_by_name(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    anna = await create(client, ctx, {"first_name": "Anna", "last_name": "Schmidt"})
    hanna = await create(client, ctx, {"first_name": "Hannah", "last_name": "Berg"})
    shop = await create(client, ctx, {"display_name": "Annex Shop"})
    await create(client, ctx, {"first_name": "Bob", "loyalty_card_number": "ANNA-1"})
    assert sorted(await ids(client, ctx, name="ANN")) == by_id(anna, hanna, shop)
    assert await ids(client, ctx, name="schmidt") == [anna["id"]]
    assert await ids(client, ctx, name="anna schmidt") == [anna["id"]]
    assert await ids(client, ctx, name=" Schmidt ") == [anna["id"]]
    assert await ids(client, ctx, name="an") == [shop["id"], hanna["id"], anna["id"]]
    assert await ids(client, ctx, name="x") == [shop["id"]]
    assert await ids(client, ctx, name="nobody") == []


async def test_filter_by_is_active_and_status(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    active = await create(client, ctx, {"first_name": "A"})
    new = await create(client, ctx, {"first_name": "N", "status": "new"})
    blocked = await create(client, ctx, {"first_name": "B", "status": "blocked"})
    idle = await create(client, ctx, {"first_name": "I", "is_active": False})
    gone = await create(client, ctx, {"first_name": "G"})
    assert (await client.delete(url(ctx, gone["id"]), headers=ctx.admin.headers)).status_code == 204

    assert sorted(await ids(client, ctx, is_active="true")) == by_id(active, new)
    assert sorted(await ids(client, ctx, is_active="false")) == by_id(blocked, idle)
    assert sorted(await ids(client, ctx, status="active")) == by_id(active, idle)
    assert await ids(client, ctx, status="new") == [new["id"]]
    assert await ids(client, ctx, status="blocked") == [blocked["id"]]
    assert await ids(client, ctx, status="deleted") == [gone["id"]]
    assert await ids(client, ctx, status="active", is_active="false") == [idle["id"]]
    deleted = await listing(client, ctx, status="deleted")
    assert deleted["pagination"]["total"] == 1
    assert deleted["data"][0]["status"] == "deleted"
    assert (await listing(client, ctx))["pagination"]["total"] == 4


async def test_filter_by_label(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx, other = await factory.store(), await factory.store()
    gold = await create(
        client, ctx, {"first_name": "G", "labels": [{"key": "vip", "value": "gold"}]}
    )
    silver = await create(
        client,
        ctx,
        {
            "first_name": "S",
            "labels": [{"key": "region", "value": "north"}, {"key": "vip", "value": "silver"}],
        },
    )
    bare = await create(client, ctx, {"first_name": "B", "labels": [{"key": "wholesale"}]})
    await create(client, ctx, {"first_name": "N"})
    await create(client, other, {"first_name": "O", "labels": [{"key": "vip", "value": "gold"}]})

    assert sorted(await ids(client, ctx, label="vip")) == by_id(gold, silver)
    assert await ids(client, ctx, label="vip:gold") == [gold["id"]]
    assert await ids(client, ctx, label="vip:silver") == [silver["id"]]
    assert await ids(client, ctx, label="vip:bronze") == []
    assert await ids(client, ctx, label="wholesale") == [bare["id"]]
    assert await ids(client, ctx, label="wholesale:") == [bare["id"]]
    assert await ids(client, ctx, label="region:gold") == []
    assert await ids(client, ctx, label="gold") == []
    assert await ids(client, ctx, label="VIP") == []


async def test_filter_by_created_and_updated_time(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    first = await create(client, ctx, {"first_name": "First"})
    second = await create(client, ctx, {"first_name": "Second"})
    third = await create(client, ctx, {"first_name": "Third"})
    touched = await client.patch(
        url(ctx, first["id"]), json={"title": "Dr."}, headers=ctx.seller.headers
    )
    first = touched.json()

    t12 = between(first["created_at"], second["created_at"])
    t23 = between(second["created_at"], third["created_at"])
    assert await ids(client, ctx, created_after=t12) == [third["id"], second["id"]]
    assert await ids(client, ctx, created_before=t12) == [first["id"]]
    assert await ids(client, ctx, created_after=t12, created_before=t23) == [second["id"]]

    t3u = between(third["updated_at"], first["updated_at"])
    assert await ids(client, ctx, updated_after=t3u) == [first["id"]]
    assert await ids(client, ctx, updated_before=t3u) == [third["id"], second["id"]]

    # The same instant in another time zone.
    shifted = parse_ts(t12).astimezone(UTC).replace(tzinfo=None) + timedelta(hours=2)
    assert await ids(client, ctx, created_after=shifted.isoformat() + "+02:00") == [
        third["id"],
        second["id"],
    ]
    far_future = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    assert await ids(client, ctx, created_after=far_future) == []
    assert len(await ids(client, ctx, created_before=far_future)) == 3


async def test_time_filters_without_time_zone_are_read_as_utc(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await create(client, ctx, {"first_name": "Z"})
    created = parse_ts(customer["created_at"]).astimezone(UTC)
    day_before = (created - timedelta(days=1)).replace(tzinfo=None)
    day_after = (created + timedelta(days=1)).replace(tzinfo=None)
    assert await ids(client, ctx, created_after=day_before.isoformat()) == [customer["id"]]
    assert await ids(client, ctx, created_after=day_after.isoformat()) == []
    assert await ids(client, ctx, updated_before=day_after.date().isoformat()) == [customer["id"]]
    assert await ids(client, ctx, updated_after=day_after.date().isoformat()) == []


async def test_filters_combine(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    target = await create(
        client, ctx, {"first_name": "Combo", "labels": [{"key": "vip"}], "status": "new"}
    )
    await create(client, ctx, {"first_name": "Combo", "labels": [{"key": "vip"}]})
    await create(client, ctx, {"first_name": "Combo", "status": "new"})
    await create(client, ctx, {"first_name": "Other", "labels": [{"key": "vip"}], "status": "new"})
    assert await ids(client, ctx, q="combo", label="vip", status="new") == [target["id"]]
    assert (await listing(client, ctx, name="combo", label="vip", status="new"))["pagination"][
        "total"
    ] == 1


# --- search (q) ------------------------------------------------------------------------------


@pytest.fixture
async def searchable(
    client: httpx.AsyncClient, factory: Factory
) -> tuple[StoreCtx, dict[str, str]]:
    ctx = await factory.store(country="DE")
    other = await factory.store(country="DE")
    anna = await create(
        client,
        ctx,
        {
            "first_name": "Anna",
            "last_name": "Schmidt",
            "email": "Anna.Schmidt@Example.com",
            "phone": "0151 2345 678",
            "loyalty_card_number": "LC-7788",
        },
    )
    bob = await create(
        client,
        ctx,
        {
            "first_name": "Bob",
            "last_name": "Marley",
            "display_name": "Bobby",
            "email": "bob@musicbox.io",
            "phone": "+1 202 555 0143",
        },
    )
    cafe = await create(
        client, ctx, {"display_name": "Café Olé", "loyalty_card_number": "CARD_99%"}
    )
    obrien = await create(client, ctx, {"first_name": "Eileen", "last_name": "O'Brien"})
    # The same person in another store is never found from this one.
    await create(
        client,
        other,
        {"first_name": "Anna", "email": "anna.schmidt@example.com", "phone": "0151 2345 678"},
    )
    people = {"anna": anna["id"], "bob": bob["id"], "cafe": cafe["id"], "obrien": obrien["id"]}
    return ctx, people


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("anna", ["anna"]),
        ("ANNA", ["anna"]),
        ("schm", ["anna"]),
        ("Anna Schmidt", ["anna"]),
        ("  anna ", ["anna"]),
        ("   ", ["anna", "bob", "cafe", "obrien"]),
        ("marley", ["bob"]),
        ("bobby", ["bob"]),
        ("example.COM", ["anna"]),
        ("bob@musicbox.io", ["bob"]),
        ("lc-77", ["anna"]),
        ("card_99%", ["cafe"]),
        ("café", ["cafe"]),
        ("CAFÉ OLÉ", ["cafe"]),
        ("olé", ["cafe"]),
        # quotes and backslashes are text, whatever the SQL looks like
        ("o'brien", ["obrien"]),
        ("'", ["obrien"]),
        ("o''brien", []),
        ("\\", []),
        ("o\\'brien", []),
        # a phone number, however it is written
        ("0151 2345 678", ["anna"]),
        ("+49 1512345678", ["anna"]),
        ("+49 151 2345678", ["anna"]),
        ("0049 151 2345678", ["anna"]),
        ("2345678", ["anna"]),
        ("(202) 555-0143", ["bob"]),
        ("+12025550143", ["bob"]),
        # one and two characters take another path on SQLite
        ("y", ["bob"]),
        ("Y", ["bob"]),
        ("ob", ["bob"]),
        ("é", ["cafe"]),
        ("%", ["cafe"]),
        ("_", ["cafe"]),
        ("_9", ["cafe"]),
        ("nn", ["anna"]),
        ("a", ["anna", "bob", "cafe"]),
        ("zz", []),
        ("zzz", []),
        ("nobody here", []),
        ('an"na', []),
        ("an*", []),
        ("a%a", []),
        ("sch_idt", []),
        ("9999999", []),
    ],
)
async def test_search(
    client: httpx.AsyncClient,
    searchable: tuple[StoreCtx, dict[str, str]],
    q: str,
    found: list[str],
) -> None:
    ctx, people = searchable
    expected = sorted(people[name] for name in found)
    assert sorted(await ids(client, ctx, q=q)) == expected
    body = await listing(client, ctx, q=q, limit=1)
    assert body["pagination"]["total"] == len(found)
    walked = await walk(client, ctx, 1, q=q)
    assert sorted(i for page in walked for i in page) == expected


@pytest.mark.parametrize(
    ("country", "stored", "typed"),
    [
        ("RU", "+7 912 345-67-89", "8 912 345 67 89"),
        ("HU", "+36 30 123 4567", "06 30 123 4567"),
        ("DE", "+49 30 1234567", "030/123 45 67"),
    ],
)
async def test_search_finds_a_phone_typed_in_national_form(
    client: httpx.AsyncClient, factory: Factory, country: str, stored: str, typed: str
) -> None:
    ctx = await factory.store(country=country)
    target = await create(client, ctx, {"first_name": "Tel", "phone": stored})
    await create(client, ctx, {"first_name": "Other", "phone": "+44 20 7946 0958"})
    assert await ids(client, ctx, q=typed) == [target["id"]]
    assert await ids(client, ctx, phone=typed) == [target["id"]]


async def test_search_does_not_find_deleted_customers_unless_asked(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    gone = await create(client, ctx, {"first_name": "Vanishing"})
    assert (await client.delete(url(ctx, gone["id"]), headers=ctx.admin.headers)).status_code == 204
    assert await ids(client, ctx, q="vanish") == []
    assert await ids(client, ctx, q="va") == []
    assert await ids(client, ctx, q="vanish", status="deleted") == [gone["id"]]


async def test_search_follows_updates(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store(country="DE")
    customer = await create(
        client, ctx, {"first_name": "Before", "email": unique_email(), "phone": "030 1234567"}
    )
    response = await client.patch(
        url(ctx, customer["id"]),
        json={"first_name": "Afterwards", "phone": "0151 2345 678"},
        headers=ctx.seller.headers,
    )
    assert response.status_code == 200
    assert await ids(client, ctx, q="before") == []
    assert await ids(client, ctx, q="afterw") == [customer["id"]]
    assert await ids(client, ctx, q="030 1234567") == []
    assert await ids(client, ctx, q="+49 1512345678") == [customer["id"]]


# --- totals of filtered lists ----------------------------------------------------------------


async def _seven_nowaks(factory: Factory) -> StoreCtx:
    ctx = await factory.store()
    for n in range(7):
        await factory.customer(ctx, first_name=f"Ola{n}", last_name="Nowak")
    await factory.customer(ctx, first_name="Jan", last_name="Kowalski")
    return ctx


async def test_a_search_that_fits_one_page_has_its_exact_total(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await _seven_nowaks(factory)
    body = await listing(client, ctx, q="nowak", limit=10)
    assert len(body["data"]) == 7
    assert body["pagination"]["total"] == 7
    assert body["pagination"]["total_is_exact"] is True
    assert body["pagination"]["total_pages"] == 1


async def test_a_search_over_several_pages_counts_exactly_below_the_limit(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await _seven_nowaks(factory)
    first = await listing(client, ctx, q="nowak", limit=3)
    last = await listing(client, ctx, q="nowak", limit=3, page=3)
    beyond = await listing(client, ctx, q="nowak", limit=3, page=4)
    for body in (first, last, beyond):
        assert body["pagination"]["total"] == 7
        assert body["pagination"]["total_is_exact"] is True
    assert first["pagination"]["has_next"] is True
    assert last["pagination"]["has_next"] is False
    assert [len(b["data"]) for b in (first, last, beyond)] == [3, 1, 0]


async def test_an_estimated_total_only_when_asked_for(
    client: httpx.AsyncClient, factory: Factory, dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``total=estimate`` a total above ``COUNTED_UP_TO`` matches is PostgreSQL's
    planner estimate, flagged as such; SQLite counts (it has no estimate to give). Without
    it the total is counted, however large."""
    from clientbook.customers import totals

    monkeypatch.setattr(totals, "COUNTED_UP_TO", 0)
    ctx = await _seven_nowaks(factory)
    exact = await listing(client, ctx, q="nowak", limit=3)
    assert exact["pagination"] == {**exact["pagination"], "total": 7, "total_is_exact": True}
    body = await listing(client, ctx, q="owak", limit=3, total="estimate")
    assert len(body["data"]) == 3
    pagination = body["pagination"]
    assert pagination["has_next"] is True
    if dialect == "postgresql":
        assert pagination["total_is_exact"] is False
        assert pagination["total"] >= 1
        assert pagination["total_pages"] == -(-pagination["total"] // 3)
    else:
        assert pagination == {**pagination, "total": 7, "total_is_exact": True}
    # the unfiltered list stays exact whatever the limit: it is read from kept counts
    everyone = await listing(client, ctx, limit=3, total="estimate")
    assert everyone["pagination"]["total"] == 8
    assert everyone["pagination"]["total_is_exact"] is True


async def test_an_unknown_total_mode_is_refused(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    response = await client.get(url(ctx), params={"total": "guess"}, headers=ctx.seller.headers)
    problem(response, 422, "total")
