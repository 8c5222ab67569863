"""``/v1/stores``: creating, listing, reading and changing stores."""

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from clientbook.models import Membership, Store
from tests.factories import PASSWORD, Factory
from tests.problems import assert_problem, bearer, error_fields

STORE_FIELDS = {
    "id",
    "code",
    "name",
    "currency",
    "timezone",
    "country",
    "retention_deleted_days",
    "retention_unconfirmed_days",
    "created_at",
    "updated_at",
}


def new_code() -> str:
    return f"S{uuid.uuid4().hex[:12]}"


def not_found_shape(body: dict[str, Any]) -> dict[str, Any]:
    """A 404 body without the path, which differs by request."""
    return {k: v for k, v in body.items() if k != "instance"}


async def my_stores(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    response = await client.get("/v1/stores", headers=headers)
    assert response.status_code == 200, response.text
    return {s["code"]: s["role"] for s in response.json()["data"]}


# --- create --------------------------------------------------------------------------


async def test_create_store_makes_the_creator_its_owner(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    code = new_code()
    response = await client.post(
        "/v1/stores",
        json={
            "code": code,
            "name": "  Berlin Mitte  ",
            "currency": "usd",
            "timezone": "Europe/Berlin",
            "country": "de",
        },
        headers=staff.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == STORE_FIELDS | {"role"}
    assert body["code"] == code
    assert body["name"] == "Berlin Mitte"
    assert body["currency"] == "USD"
    assert body["timezone"] == "Europe/Berlin"
    assert body["country"] == "DE"
    assert body["role"] == "owner"
    datetime.fromisoformat(body["created_at"])
    assert response.headers["location"] == f"/v1/stores/{body['id']}"

    fetched = await client.get(response.headers["location"], headers=staff.headers)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == {k: v for k, v in body.items() if k != "role"}
    assert await my_stores(client, staff.headers) == {code: "owner"}

    async with factory.database.transaction() as session:
        membership = await session.get_one(Membership, (uuid.UUID(body["id"]), staff.user.id))
        assert membership.role == "owner"
        assert membership.is_active is True


async def test_create_store_defaults(client: httpx.AsyncClient, factory: Factory) -> None:
    staff = await factory.user()
    code = new_code()
    response = await client.post(
        "/v1/stores", json={"code": code, "name": "Plain"}, headers=staff.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["currency"], body["timezone"], body["country"]) == ("EUR", "UTC", None)


async def test_creating_a_store_does_not_affect_other_members_views(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    code = new_code()
    response = await client.post(
        "/v1/stores", json={"code": code, "name": "Mine"}, headers=ctx.seller.headers
    )
    assert response.status_code == 201
    assert await my_stores(client, ctx.seller.headers) == {ctx.code: "seller", code: "owner"}
    assert await my_stores(client, ctx.owner.headers) == {ctx.code: "owner"}
    assert (await client.get(f"/v1/stores/{code}", headers=ctx.owner.headers)).status_code == 404


async def test_duplicate_code_is_409(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    staff = await factory.user()
    response = await client.post(
        "/v1/stores", json={"code": ctx.code, "name": "Copy"}, headers=staff.headers
    )
    body = assert_problem(response, 409)
    assert error_fields(body) == {"code"}
    # nothing was made, and the creator did not become anything
    assert await my_stores(client, staff.headers) == {}
    async with factory.database.transaction() as session:
        stores = (await session.scalars(select(Store).where(Store.code == ctx.code))).all()
        assert [s.id for s in stores] == [ctx.id]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"currency": "EURO"}, "currency"),
        ({"currency": "ZZZ"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "europe/berlin"}, "timezone"),
        ({"country": "ZZ"}, "country"),
        ({"country": "DEU"}, "country"),
        ({"code": "has space"}, "code"),
        ({"code": "-leading-dash"}, "code"),
        ({"code": ""}, "code"),
        ({"code": "x" * 33}, "code"),
        ({"code": "ünïcode"}, "code"),
        ({"code": uuid.uuid4().hex}, "code"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"name": None}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_invalid_store_fields_are_422(
    client: httpx.AsyncClient, factory: Factory, fields: dict[str, Any], field: str
) -> None:
    staff = await factory.user()
    payload = {"code": new_code(), "name": "Valid", **fields}
    response = await client.post("/v1/stores", json=payload, headers=staff.headers)
    body = assert_problem(response, 422)
    assert error_fields(body) == {field}
    assert await my_stores(client, staff.headers) == {}


@pytest.mark.parametrize("missing", ["code", "name"])
async def test_missing_store_fields_are_422(
    client: httpx.AsyncClient, factory: Factory, missing: str
) -> None:
    staff = await factory.user()
    payload = {"code": new_code(), "name": "Valid"}
    del payload[missing]
    body = assert_problem(await client.post("/v1/stores", json=payload, headers=staff.headers), 422)
    assert error_fields(body) == {missing}


async def test_code_of_the_longest_allowed_length(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    code = ("L" + uuid.uuid4().hex + "_-")[:32]
    response = await client.post(
        "/v1/stores", json={"code": code, "name": "Long"}, headers=staff.headers
    )
    assert response.status_code == 201, response.text
    fetched = await client.get(f"/v1/stores/{code}", headers=staff.headers)
    assert fetched.status_code == 200
    assert fetched.json()["code"] == code


async def test_anonymous_cannot_create_a_store(client: httpx.AsyncClient) -> None:
    code = new_code()
    response = await client.post("/v1/stores", json={"code": code, "name": "Nope"})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def test_create_store_with_a_form_body_is_415(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    response = await client.post(
        "/v1/stores", data={"code": new_code(), "name": "Form"}, headers=staff.headers
    )
    assert_problem(response, 415)


# --- list ----------------------------------------------------------------------------


async def test_list_shows_only_my_active_stores_with_my_role(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    first, second, foreign = await factory.store(), await factory.store(), await factory.store()
    # the owner of the first store is a seller in the second one, once they accept
    added = await client.post(
        f"{second.base}/members",
        json={"email": first.owner.email, "role": "seller"},
        headers=second.owner.headers,
    )
    assert added.status_code == 202, added.text
    accepted = await client.post(
        f"/v1/invitations/{added.json()['id']}/accept", headers=first.owner.headers
    )
    assert accepted.status_code == 200, accepted.text

    response = await client.get("/v1/stores", headers=first.owner.headers)
    assert response.status_code == 200
    data = response.json()["data"]
    assert {s["code"]: s["role"] for s in data} == {first.code: "owner", second.code: "seller"}
    assert foreign.code not in {s["code"] for s in data}
    assert all(set(s) == STORE_FIELDS | {"role"} for s in data)
    assert [s["code"] for s in data] == sorted(s["code"] for s in data)

    # a deactivated membership disappears from the list
    deactivated = await client.patch(
        f"{second.base}/members/{first.owner.user.id}",
        json={"is_active": False},
        headers=second.owner.headers,
    )
    assert deactivated.status_code == 200, deactivated.text
    assert await my_stores(client, first.owner.headers) == {first.code: "owner"}


async def test_list_is_empty_for_a_user_without_stores(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    response = await client.get("/v1/stores", headers=staff.headers)
    assert response.status_code == 200
    assert response.json() == {"data": []}


async def test_anonymous_cannot_list_stores(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/stores"), 401)


# --- read ----------------------------------------------------------------------------


async def test_get_store_by_id_and_by_code(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store(country="FR", currency="EUR", timezone="Europe/Paris")
    by_code = await client.get(f"/v1/stores/{ctx.code}", headers=ctx.seller.headers)
    by_id = await client.get(f"/v1/stores/{ctx.id}", headers=ctx.seller.headers)
    assert by_code.status_code == 200, by_code.text
    assert by_id.status_code == 200, by_id.text
    assert by_code.json() == by_id.json()
    body = by_code.json()
    assert set(body) == STORE_FIELDS
    assert body["id"] == str(ctx.id)
    assert body["code"] == ctx.code
    assert body["name"] == f"Store {ctx.code}"
    assert (body["currency"], body["timezone"], body["country"]) == ("EUR", "Europe/Paris", "FR")


async def test_a_store_i_am_not_in_looks_like_no_store(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    outsider = await factory.store()
    loner = await factory.user()
    bodies = []
    for path in (
        f"/v1/stores/{ctx.code}",
        f"/v1/stores/{ctx.id}",
        f"/v1/stores/{new_code()}",
        f"/v1/stores/{uuid.uuid4()}",
    ):
        for headers in (outsider.owner.headers, loner.headers):
            bodies.append(
                not_found_shape(assert_problem(await client.get(path, headers=headers), 404))
            )
    assert all(body == bodies[0] for body in bodies)


async def test_store_code_is_matched_exactly(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store(code=f"Case{uuid.uuid4().hex[:8]}")
    assert (
        await client.get(f"/v1/stores/{ctx.code}", headers=ctx.owner.headers)
    ).status_code == 200
    other_case = ctx.code.swapcase()
    assert_problem(await client.get(f"/v1/stores/{other_case}", headers=ctx.owner.headers), 404)


async def test_anonymous_cannot_read_a_store(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    assert_problem(await client.get(ctx.base), 401)


# --- update --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_owner_and_admin_update_the_store(
    client: httpx.AsyncClient, factory: Factory, role: str
) -> None:
    ctx = await factory.store()
    staff = getattr(ctx, role)
    before = (await client.get(ctx.base, headers=staff.headers)).json()
    response = await client.patch(
        ctx.base,
        json={"name": "Renamed", "currency": "gbp", "timezone": "Europe/London", "country": "gb"},
        headers=staff.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == STORE_FIELDS
    assert (body["name"], body["currency"], body["timezone"], body["country"]) == (
        "Renamed",
        "GBP",
        "Europe/London",
        "GB",
    )
    assert body["id"] == before["id"]
    assert body["code"] == before["code"]
    assert body["created_at"] == before["created_at"]
    assert datetime.fromisoformat(body["updated_at"]) >= datetime.fromisoformat(
        before["updated_at"]
    )
    # stored: every member sees the change
    seen = await client.get(ctx.base, headers=ctx.seller.headers)
    assert seen.json() == body


async def test_patch_changes_only_the_fields_sent(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="IT", currency="EUR", timezone="Europe/Rome")
    response = await client.patch(ctx.base, json={"name": "Only name"}, headers=ctx.owner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["currency"], body["timezone"], body["country"]) == (
        "Only name",
        "EUR",
        "Europe/Rome",
        "IT",
    )
    empty = await client.patch(ctx.base, json={}, headers=ctx.owner.headers)
    assert empty.status_code == 200
    assert empty.json()["name"] == "Only name"


async def test_country_can_be_cleared(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store(country="ES")
    response = await client.patch(ctx.base, json={"country": None}, headers=ctx.admin.headers)
    assert response.status_code == 200, response.text
    assert response.json()["country"] is None
    assert (await client.get(ctx.base, headers=ctx.admin.headers)).json()["country"] is None


async def test_seller_cannot_update_the_store(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await client.patch(ctx.base, json={"name": "Seller's"}, headers=ctx.seller.headers)
    assert_problem(response, 403)
    assert (await client.get(ctx.base, headers=ctx.owner.headers)).json()["name"] == (
        f"Store {ctx.code}"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": None}, "name"),
        ({"currency": None}, "currency"),
        ({"timezone": None}, "timezone"),
        ({"name": ""}, "name"),
        ({"currency": "EURO"}, "currency"),
        ({"timezone": "Nowhere/Special"}, "timezone"),
        ({"country": "XX"}, "country"),
        ({"code": "NEWCODE"}, "code"),
    ],
)
async def test_invalid_store_update_is_422(
    client: httpx.AsyncClient, factory: Factory, fields: dict[str, Any], field: str
) -> None:
    ctx = await factory.store(country="DE")
    before = (await client.get(ctx.base, headers=ctx.owner.headers)).json()
    response = await client.patch(ctx.base, json=fields, headers=ctx.owner.headers)
    body = assert_problem(response, 422)
    assert error_fields(body) == {field}
    assert (await client.get(ctx.base, headers=ctx.owner.headers)).json() == before


async def test_invalid_update_changes_nothing_even_with_valid_fields_beside_it(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    response = await client.patch(
        ctx.base, json={"timezone": "Asia/Tokyo", "name": None}, headers=ctx.owner.headers
    )
    assert_problem(response, 422)
    assert (await client.get(ctx.base, headers=ctx.owner.headers)).json()["timezone"] == "UTC"


async def test_outsider_cannot_update_a_store(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx, other = await factory.store(), await factory.store()
    for ref in (ctx.code, str(ctx.id)):
        response = await client.patch(
            f"/v1/stores/{ref}", json={"name": "Hijacked"}, headers=other.owner.headers
        )
        assert_problem(response, 404)
    assert (await client.get(ctx.base, headers=ctx.owner.headers)).json()["name"] == (
        f"Store {ctx.code}"
    )


async def test_stores_of_a_new_member_after_signing_in(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """The whole path a user takes: sign in, create a store, see it."""
    staff = await factory.user()
    token = await client.post("/v1/auth/token", json={"email": staff.email, "password": PASSWORD})
    headers = bearer(token.json()["access_token"])
    code = new_code()
    created = await client.post("/v1/stores", json={"code": code, "name": "Fresh"}, headers=headers)
    assert created.status_code == 201
    assert await my_stores(client, headers) == {code: "owner"}
    assert (await client.get(f"/v1/stores/{code}", headers=headers)).status_code == 200
