"""``/v1/stores/{store}/customers/{id}/addresses``: CRUD, validation, defaults, scoping."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import CustomerAddress, CustomerEvent
from tests.factories import Factory, StoreCtx

FULL = {
    "type": "billing",
    "name": "Home",
    "first_name": "Jan",
    "last_name": "Kowalski",
    "company": "ACME Sp. z o.o.",
    "street": "ul. Marszałkowska 1",
    "line1": "Apt 4",
    "line2": "Floor 2",
    "line3": "Back door",
    "postal_code": "00-001",
    "city": "Warszawa",
    "province": "mazowieckie",
    "country": "PL",
    "phone": "+48 600 700 800",
    "latitude": 52.2297,
    "longitude": 21.0122,
    "is_default": True,
}


def addresses_url(ctx: StoreCtx, customer_id: Any) -> str:
    return f"{ctx.base}/customers/{customer_id}/addresses"


async def stored(database: Database, ctx: StoreCtx) -> list[CustomerAddress]:
    """Every address row of the store, read directly from the database."""
    async with database.transaction() as session:
        rows = await session.scalars(
            select(CustomerAddress)
            .where(CustomerAddress.store_id == ctx.id)
            .order_by(CustomerAddress.created_at, CustomerAddress.id)
        )
        return list(rows)


async def add(
    client: httpx.AsyncClient, ctx: StoreCtx, customer_id: Any, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        addresses_url(ctx, customer_id), json=fields, headers=ctx.seller.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body


# --- CRUD ----------------------------------------------------------------------------------


async def test_create_returns_201_location_and_every_field(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="PL")
    customer = await factory.customer(ctx)
    response = await client.post(
        addresses_url(ctx, customer.id), json=FULL, headers=ctx.seller.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{addresses_url(ctx, customer.id)}/{body['id']}"
    for field, value in FULL.items():
        assert body[field] == value, field
    assert body["customer_id"] == str(customer.id)
    assert body["created_at"]
    assert body["updated_at"]

    fetched = await client.get(response.headers["location"], headers=ctx.seller.headers)
    assert fetched.status_code == 200
    assert fetched.json() == body

    rows = await stored(database, ctx)
    assert [(r.id, r.customer_id, r.city, r.country) for r in rows] == [
        (uuid.UUID(body["id"]), customer.id, "Warszawa", "PL")
    ]


async def test_defaults_when_fields_are_omitted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    body = await add(client, ctx, customer.id, city="Berlin")
    assert body["type"] == "both"
    assert body["is_default"] is False
    for field in ("street", "line1", "line2", "line3", "country", "phone", "latitude"):
        assert body[field] is None


async def test_list_gives_the_customers_addresses_oldest_first(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    other = await factory.customer(ctx)
    first = await add(client, ctx, customer.id, city="One")
    second = await add(client, ctx, customer.id, city="Two")
    await add(client, ctx, other.id, city="Elsewhere")

    response = await client.get(addresses_url(ctx, customer.id), headers=ctx.seller.headers)
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["data"]] == [first["id"], second["id"]]

    empty = await factory.customer(ctx)
    response = await client.get(addresses_url(ctx, empty.id), headers=ctx.seller.headers)
    assert response.json() == {"data": []}


async def test_patch_changes_only_the_given_fields_and_null_clears(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store(country="PL")
    customer = await factory.customer(ctx)
    created = await add(client, ctx, customer.id, **FULL)
    url = f"{addresses_url(ctx, customer.id)}/{created['id']}"

    response = await client.patch(
        url, json={"city": "Kraków", "line2": None, "phone": None}, headers=ctx.seller.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["city"] == "Kraków"
    assert body["line2"] is None
    assert body["phone"] is None
    unchanged = {k: v for k, v in FULL.items() if k not in ("city", "line2", "phone")}
    for field, value in unchanged.items():
        assert body[field] == value, field

    (row,) = await stored(database, ctx)
    assert (row.city, row.line2, row.phone, row.street) == ("Kraków", None, None, FULL["street"])

    again = await client.get(url, headers=ctx.seller.headers)
    assert again.json() == body


async def test_a_patch_that_changes_nothing_records_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="PL")
    customer = await factory.customer(ctx)
    created = await add(client, ctx, customer.id, **FULL)
    url = f"{addresses_url(ctx, customer.id)}/{created['id']}"
    events_url = f"{ctx.base}/customers/{customer.id}/events"
    events = (await client.get(events_url, headers=ctx.seller.headers)).json()["data"]
    for same in ({}, {"city": FULL["city"], "is_default": True}):
        response = await client.patch(url, json=same, headers=ctx.seller.headers)
        assert response.status_code == 200
        assert response.json() == created
    # Nothing changed, so nothing is recorded.
    assert (await client.get(events_url, headers=ctx.seller.headers)).json()["data"] == events


async def test_delete_removes_the_address(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    kept = await add(client, ctx, customer.id, city="Kept")
    gone = await add(client, ctx, customer.id, city="Gone")
    url = f"{addresses_url(ctx, customer.id)}/{gone['id']}"

    response = await client.delete(url, headers=ctx.seller.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(url, headers=ctx.seller.headers), 404)
    assert_problem(await client.delete(url, headers=ctx.seller.headers), 404)
    assert [str(r.id) for r in await stored(database, ctx)] == [kept["id"]]


async def test_unknown_address_and_customer_are_404(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    missing = uuid.uuid4()
    url = f"{addresses_url(ctx, customer.id)}/{missing}"
    h = ctx.seller.headers
    assert_problem(await client.get(url, headers=h), 404)
    assert_problem(await client.patch(url, json={"city": "X"}, headers=h), 404)
    assert_problem(await client.delete(url, headers=h), 404)
    nobody = addresses_url(ctx, missing)
    assert_problem(await client.get(nobody, headers=h), 404)
    assert_problem(await client.post(nobody, json={"city": "X"}, headers=h), 404)


async def test_ids_in_the_path_must_be_uuids(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    response = await client.get(
        f"{addresses_url(ctx, customer.id)}/not-a-uuid", headers=ctx.seller.headers
    )
    assert_problem(response, 422, "address_id")
    response = await client.get(addresses_url(ctx, "nope"), headers=ctx.seller.headers)
    assert_problem(response, 422, "customer_id")


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "kept"), [("pl", "PL"), (" de ", "DE"), ("Fr", "FR")])
async def test_country_is_upper_cased(
    client: httpx.AsyncClient, factory: Factory, given: str, kept: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    body = await add(client, ctx, customer.id, country=given)
    assert body["country"] == kept
    url = f"{addresses_url(ctx, customer.id)}/{body['id']}"
    patched = await client.patch(url, json={"country": "it"}, headers=ctx.seller.headers)
    assert patched.json()["country"] == "IT"


@pytest.mark.parametrize("country", ["Poland", "XX", "POL", "", "P", 48])
async def test_country_must_be_iso_alpha_2(
    client: httpx.AsyncClient, factory: Factory, database: Database, country: Any
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = addresses_url(ctx, customer.id)
    response = await client.post(url, json={"country": country}, headers=ctx.seller.headers)
    assert_problem(response, 422, "country")
    assert await stored(database, ctx) == []

    created = await add(client, ctx, customer.id, country="PL")
    response = await client.patch(
        f"{url}/{created['id']}", json={"country": country}, headers=ctx.seller.headers
    )
    assert_problem(response, 422, "country")
    assert [r.country for r in await stored(database, ctx)] == ["PL"]


async def test_type_must_be_billing_shipping_or_both(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = addresses_url(ctx, customer.id)
    for kind in ("billing", "shipping", "both"):
        assert (await add(client, ctx, customer.id, type=kind))["type"] == kind
    response = await client.post(url, json={"type": "home"}, headers=ctx.seller.headers)
    assert_problem(response, 422, "type")
    assert len(await stored(database, ctx)) == 3


@pytest.mark.parametrize("field", ["type", "is_default"])
async def test_patch_refuses_null_for_required_fields(
    client: httpx.AsyncClient, factory: Factory, database: Database, field: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    created = await add(client, ctx, customer.id, type="shipping", is_default=True)
    url = f"{addresses_url(ctx, customer.id)}/{created['id']}"
    response = await client.patch(url, json={field: None}, headers=ctx.seller.headers)
    assert_problem(response, 422, field)
    (row,) = await stored(database, ctx)
    assert (row.type, row.is_default) == ("shipping", True)


async def test_phone_is_validated(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()  # no country: a local number is kept as given
    customer = await factory.customer(ctx)
    url = addresses_url(ctx, customer.id)
    for phone in ("not a phone", "12", "600 700", "+48 1"):
        response = await client.post(url, json={"phone": phone}, headers=ctx.seller.headers)
        assert_problem(response, 422, "phone")
    assert await stored(database, ctx) == []
    local = await add(client, ctx, customer.id, phone="600 700 800")
    assert local["phone"] == "600 700 800"
    assert (await client.delete(f"{url}/{local['id']}", headers=ctx.seller.headers)).is_success

    created = await add(client, ctx, customer.id, phone="+48 600 700 800")
    response = await client.patch(
        f"{url}/{created['id']}", json={"phone": "call me"}, headers=ctx.seller.headers
    )
    assert_problem(response, 422, "phone")
    assert [r.phone for r in await stored(database, ctx)] == ["+48 600 700 800"]


async def test_a_national_phone_number_is_read_in_the_store_country(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="PL")
    customer = await factory.customer(ctx)
    body = await add(client, ctx, customer.id, phone="600 700 800")
    assert body["phone"] == "600 700 800"


async def test_a_national_phone_number_is_read_in_the_address_country(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()  # no country of its own
    customer = await factory.customer(ctx)
    body = await add(client, ctx, customer.id, country="de", phone="030 12345678")
    assert (body["country"], body["phone"]) == ("DE", "030 12345678")
    url = f"{addresses_url(ctx, customer.id)}/{body['id']}"
    # Moving the address to a country where the number means nothing is refused.
    response = await client.patch(
        url, json={"country": "US", "phone": "030 12345678"}, headers=ctx.seller.headers
    )
    assert_problem(response, 422, "phone")
    (row,) = await stored(database, ctx)
    assert (row.country, row.phone) == ("DE", "030 12345678")


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", 90.5), ("latitude", -91), ("longitude", 180.01), ("longitude", -200)],
)
async def test_coordinates_out_of_range(
    client: httpx.AsyncClient, factory: Factory, database: Database, field: str, value: float
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = addresses_url(ctx, customer.id)
    response = await client.post(url, json={field: value}, headers=ctx.seller.headers)
    assert_problem(response, 422, field)
    assert await stored(database, ctx) == []


async def test_coordinates_at_the_limits(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    body = await add(client, ctx, customer.id, latitude=-90, longitude=180)
    assert (body["latitude"], body["longitude"]) == (-90, 180)


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("street", 200),
        ("line1", 200),
        ("company", 200),
        ("city", 100),
        ("name", 100),
        ("postal_code", 20),
        ("phone", 64),
    ],
)
async def test_oversize_strings_are_refused(
    client: httpx.AsyncClient, factory: Factory, database: Database, field: str, limit: int
) -> None:
    ctx = await factory.store(country="PL")
    customer = await factory.customer(ctx)
    url = addresses_url(ctx, customer.id)
    response = await client.post(url, json={field: "1" * (limit + 1)}, headers=ctx.seller.headers)
    assert_problem(response, 422, field)
    assert await stored(database, ctx) == []
    if field != "phone":
        assert (await add(client, ctx, customer.id, **{field: "1" * limit}))[field] == "1" * limit


async def test_blank_strings_become_null(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    body = await add(client, ctx, customer.id, street="   ", city=" Gdańsk ", line1="")
    assert (body["street"], body["city"], body["line1"]) == (None, "Gdańsk", None)
    url = f"{addresses_url(ctx, customer.id)}/{body['id']}"
    patched = await client.patch(url, json={"city": "  "}, headers=ctx.seller.headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["city"] is None


@pytest.mark.parametrize(
    "extra",
    [
        {"customer_id": "00000000-0000-0000-0000-000000000001"},
        {"store_id": "00000000-0000-0000-0000-000000000001"},
        {"id": "00000000-0000-0000-0000-000000000001"},
        {"zip": "00-001"},
    ],
)
async def test_unknown_and_read_only_fields_are_refused(
    client: httpx.AsyncClient, factory: Factory, database: Database, extra: dict[str, str]
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = addresses_url(ctx, customer.id)
    response = await client.post(url, json={"city": "X", **extra}, headers=ctx.seller.headers)
    assert_problem(response, 422, next(iter(extra)))
    assert await stored(database, ctx) == []


# --- one default per customer ----------------------------------------------------------------


async def defaults(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: Any) -> dict[str, bool]:
    response = await client.get(addresses_url(ctx, customer_id), headers=ctx.seller.headers)
    return {a["city"]: a["is_default"] for a in response.json()["data"]}


async def test_a_new_default_takes_the_mark_from_the_old_whatever_its_type(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    other_customer = await factory.customer(ctx)
    await add(client, ctx, other_customer.id, city="Theirs", type="billing", is_default=True)

    await add(client, ctx, customer.id, city="B1", type="billing", is_default=True)
    await add(client, ctx, customer.id, city="S1", type="shipping", is_default=True)
    assert await defaults(client, ctx, customer.id) == {"B1": False, "S1": True}
    await add(client, ctx, customer.id, city="X1", type="both", is_default=True)
    assert await defaults(client, ctx, customer.id) == {"B1": False, "S1": False, "X1": True}
    await add(client, ctx, customer.id, city="S2", type="shipping")  # not a default
    assert (await defaults(client, ctx, customer.id))["X1"] is True
    # Another customer's default is never touched.
    assert await defaults(client, ctx, other_customer.id) == {"Theirs": True}


async def test_patching_a_default_moves_the_mark(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = addresses_url(ctx, customer.id)
    b1 = await add(client, ctx, customer.id, city="B1", type="billing", is_default=True)
    s1 = await add(client, ctx, customer.id, city="S1", type="shipping")

    response = await client.patch(
        f"{url}/{s1['id']}", json={"is_default": True}, headers=ctx.seller.headers
    )
    assert response.status_code == 200
    assert response.json()["is_default"] is True
    assert await defaults(client, ctx, customer.id) == {"B1": False, "S1": True}

    # Changing the default's type keeps it the default.
    response = await client.patch(
        f"{url}/{s1['id']}", json={"type": "billing"}, headers=ctx.seller.headers
    )
    assert response.json() == {**response.json(), "type": "billing", "is_default": True}

    # Unsetting the default leaves none.
    response = await client.patch(
        f"{url}/{s1['id']}", json={"is_default": False}, headers=ctx.seller.headers
    )
    assert response.status_code == 200
    assert await defaults(client, ctx, customer.id) == {"B1": False, "S1": False}
    # Setting one again where none is.
    response = await client.patch(
        f"{url}/{b1['id']}", json={"is_default": True}, headers=ctx.seller.headers
    )
    assert await defaults(client, ctx, customer.id) == {"B1": True, "S1": False}


# --- scoping -------------------------------------------------------------------------------


async def test_an_address_of_another_stores_customer_is_404(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    home = await factory.store()
    customer = await factory.customer(home)
    address = await add(client, home, customer.id, city="Secret", is_default=True)
    intruder = await factory.store()
    before = [(r.id, r.city, r.is_default) for r in await stored(database, home)]

    # The intruder names the victim's ids under its own store...
    url = addresses_url(intruder, customer.id)
    one = f"{url}/{address['id']}"
    for headers in (intruder.owner.headers, intruder.seller.headers):
        assert_problem(await client.get(url, headers=headers), 404)
        assert_problem(await client.post(url, json={"city": "X"}, headers=headers), 404)
        assert_problem(await client.get(one, headers=headers), 404)
        assert_problem(await client.patch(one, json={"city": "X"}, headers=headers), 404)
        assert_problem(await client.delete(one, headers=headers), 404)
        # ...and under the victim's store, which it is no member of.
        theirs = f"{addresses_url(home, customer.id)}/{address['id']}"
        assert_problem(await client.get(theirs, headers=headers), 404)
        assert_problem(await client.patch(theirs, json={"city": "X"}, headers=headers), 404)
        assert_problem(await client.delete(theirs, headers=headers), 404)

    # An address id of another store's customer, under the intruder's own customer.
    own = await factory.customer(intruder)
    mixed = f"{addresses_url(intruder, own.id)}/{address['id']}"
    assert_problem(await client.get(mixed, headers=intruder.owner.headers), 404)
    assert_problem(await client.delete(mixed, headers=intruder.owner.headers), 404)

    assert [(r.id, r.city, r.is_default) for r in await stored(database, home)] == before
    assert await stored(database, intruder) == []


async def test_an_address_under_the_wrong_customer_is_404(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    owner = await factory.customer(ctx)
    stranger = await factory.customer(ctx)
    address = await add(client, ctx, owner.id, city="Mine", type="billing", is_default=True)
    url = f"{addresses_url(ctx, stranger.id)}/{address['id']}"
    h = ctx.seller.headers
    assert_problem(await client.get(url, headers=h), 404)
    assert_problem(await client.patch(url, json={"city": "Stolen"}, headers=h), 404)
    assert_problem(await client.delete(url, headers=h), 404)
    assert (await client.get(addresses_url(ctx, stranger.id), headers=h)).json() == {"data": []}

    (row,) = await stored(database, ctx)
    assert (row.customer_id, row.city, row.is_default) == (owner.id, "Mine", True)


async def test_a_soft_deleted_customers_addresses_are_404(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    address = await add(client, ctx, customer.id, city="Old")
    deleted = await client.delete(f"{ctx.base}/customers/{customer.id}", headers=ctx.admin.headers)
    assert deleted.status_code == 204

    url = addresses_url(ctx, customer.id)
    one = f"{url}/{address['id']}"
    h = ctx.owner.headers
    assert_problem(await client.get(url, headers=h), 404)
    assert_problem(await client.post(url, json={"city": "New"}, headers=h), 404)
    assert_problem(await client.get(one, headers=h), 404)
    assert_problem(await client.patch(one, json={"city": "New"}, headers=h), 404)
    assert_problem(await client.delete(one, headers=h), 404)
    assert [r.city for r in await stored(database, ctx)] == ["Old"]

    restored = await client.post(
        f"{ctx.base}/customers/{customer.id}/restore", headers=ctx.admin.headers
    )
    assert restored.status_code == 200
    assert (await client.get(one, headers=h)).json()["city"] == "Old"


# --- audit ---------------------------------------------------------------------------------


async def test_address_changes_are_customer_events(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    events_url = f"{ctx.base}/customers/{customer.id}/events"
    created = await add(client, ctx, customer.id, city="A")
    url = f"{addresses_url(ctx, customer.id)}/{created['id']}"
    assert (
        await client.patch(url, json={"city": "B"}, headers=ctx.seller.headers)
    ).status_code == 200
    assert (await client.delete(url, headers=ctx.seller.headers)).status_code == 204

    response = await client.get(events_url, headers=ctx.seller.headers)
    assert response.status_code == 200
    events = response.json()["data"]
    actions = [e["action"] for e in events]
    assert actions[:3] == ["address_deleted", "address_updated", "address_added"]
    for event in events[:3]:
        assert event["actor_user_id"] == str(ctx.seller.user.id)
        assert event["customer_id"] == str(customer.id)
        assert event["fields"] == ["addresses"]


async def test_a_refused_change_records_no_event(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    url = addresses_url(ctx, customer.id)
    response = await client.post(url, json={"country": "XX"}, headers=ctx.seller.headers)
    assert response.status_code == 422
    async with database.transaction() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(CustomerEvent)
            .where(
                CustomerEvent.store_id == ctx.id,
                CustomerEvent.action.like("address%"),
            )
        )
    assert count == 0
