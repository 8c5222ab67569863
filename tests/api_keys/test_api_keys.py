"""API keys: made once, stored hashed, listed without secrets, revoked at once."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import event, select, update

from clientbook.api_keys.keys import hash_key, is_well_formed
from clientbook.kit.db import Database
from clientbook.models import ApiKey, Customer
from tests.api_keys.keys import bearer, make_key
from tests.factories import Factory

PROBLEM = "application/problem+json"


async def _stored(database: Database, store_id: uuid.UUID) -> list[ApiKey]:
    async with database.reading() as session:
        rows = await session.scalars(select(ApiKey).where(ApiKey.store_id == store_id))
        return list(rows)


async def test_a_key_is_shown_once_and_stored_only_as_a_hash(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    made = await client.post(
        f"{ctx.base}/api-keys",
        json={"name": "shop back-end", "role": "admin"},
        headers=ctx.admin.headers,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    key = body["key"]
    assert key.startswith("cbk_")
    assert is_well_formed(key)
    assert body["name"] == "shop back-end"
    assert body["role"] == "admin"
    assert key.startswith(body["prefix"])
    assert len(body["prefix"]) < len(key) // 3
    assert body["last_used_at"] is None
    assert body["expires_at"] is None
    assert made.headers["cache-control"] == "no-store"

    (stored,) = await _stored(database, ctx.id)
    assert stored.token_hash == hash_key(key)
    assert key not in stored.token_hash
    assert stored.created_by == ctx.admin.user.id

    listed = await client.get(f"{ctx.base}/api-keys", headers=ctx.owner.headers)
    assert listed.status_code == 200
    (item,) = listed.json()["data"]
    assert "key" not in item
    assert key not in listed.text
    assert item == {k: v for k, v in body.items() if k != "key"}


async def test_only_owners_and_admins_signed_in_manage_keys(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    admin_key = await make_key(client, ctx, "admin")
    body = {"name": "x", "role": "seller"}
    for headers in (ctx.seller.headers, bearer(admin_key)):
        refused = await client.post(f"{ctx.base}/api-keys", json=body, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == PROBLEM
        listing = await client.get(f"{ctx.base}/api-keys", headers=headers)
        assert listing.status_code == 403
    owner_key = await client.post(
        f"{ctx.base}/api-keys", json={"name": "o", "role": "owner"}, headers=ctx.owner.headers
    )
    assert owner_key.status_code == 422
    assert owner_key.json()["errors"][0]["field"] == "role"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "role": "seller"}, "name"),
        ({"name": "x" * 101, "role": "seller"}, "name"),
        ({"name": "a\nb", "role": "seller"}, "name"),
        ({"role": "seller"}, "name"),
        ({"name": "x"}, "role"),
        ({"name": "x", "role": "seller", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "x", "role": "seller", "expires_at": "2099-01-01T00:00:00"}, "expires_at"),
        # Past year 9999 once in UTC, where it is stored.
        ({"name": "x", "role": "seller", "expires_at": "9999-12-31T23:00:00-14:00"}, "expires_at"),
    ],
)
async def test_bad_input_names_the_field(
    client: httpx.AsyncClient, factory: Factory, body: dict[str, str], field: str
) -> None:
    ctx = await factory.store()
    refused = await client.post(f"{ctx.base}/api-keys", json=body, headers=ctx.owner.headers)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == PROBLEM
    assert [e["field"] for e in refused.json()["errors"]] == [field]


async def test_names_are_unique_among_a_stores_live_keys(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    await make_key(client, ctx, name="pos")
    await make_key(client, other, name="pos")  # another store's names are its own
    again = await client.post(
        f"{ctx.base}/api-keys", json={"name": "pos", "role": "admin"}, headers=ctx.owner.headers
    )
    assert again.status_code == 409
    assert again.json()["errors"] == [
        {"field": "name", "message": "a live API key with this name already exists"}
    ]
    (listed,) = (await client.get(f"{ctx.base}/api-keys", headers=ctx.owner.headers)).json()["data"]
    revoked = await client.delete(f"{ctx.base}/api-keys/{listed['id']}", headers=ctx.owner.headers)
    assert revoked.status_code == 204
    assert (await client.get(f"{ctx.base}/api-keys", headers=ctx.owner.headers)).json() == {
        "data": []
    }
    await make_key(client, ctx, name="pos")  # a revoked key's name is free again
    gone = await client.delete(f"{ctx.base}/api-keys/{listed['id']}", headers=ctx.owner.headers)
    assert gone.status_code == 404


async def test_a_key_acts_as_its_role_in_its_store(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx, email="ann@example.com")
    seller, admin = (
        bearer(await make_key(client, ctx)),
        bearer(await make_key(client, ctx, "admin")),
    )
    one = await client.get(f"{ctx.base}/customers/{customer.id}", headers=seller)
    assert one.status_code == 200
    assert one.json()["email"] == "ann@example.com"
    page = await client.get(f"{ctx.base}/customers", headers=seller)
    assert [c["id"] for c in page.json()["data"]] == [str(customer.id)]
    searched = await client.get(f"{ctx.base}/customers", params={"q": "ann"}, headers=seller)
    assert searched.json()["data"][0]["id"] == str(customer.id)
    made = await client.post(f"{ctx.base}/customers", json={"first_name": "Bo"}, headers=seller)
    assert made.status_code == 201
    # Changes made with a key are recorded with no user as their actor.
    events = await client.get(f"{ctx.base}/customers/{made.json()['id']}/events", headers=seller)
    assert events.status_code == 200
    assert events.json()["data"][0]["actor_user_id"] is None

    rename = {"name": "Renamed"}
    assert (await client.patch(ctx.base, json=rename, headers=seller)).status_code == 403
    assert (await client.patch(ctx.base, json=rename, headers=admin)).status_code == 200


async def test_open_loyalty_clients_send_the_key_in_a_header_or_the_query(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    key = await make_key(client, ctx)
    url = f"{ctx.base}/customers"
    assert (await client.get(url, headers={"X-AUTH-TOKEN": key})).status_code == 200
    assert (await client.get(url, params={"auth_token": key})).status_code == 200
    # Those two carry API keys only: a staff member's JWT goes in Authorization.
    jwt = ctx.owner.token
    assert (await client.get(url, headers={"X-AUTH-TOKEN": jwt})).status_code == 401
    assert (await client.get(url, params={"auth_token": jwt})).status_code == 401


async def test_a_key_reaches_nothing_of_another_store_nor_store_less_routes(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ours, theirs = await factory.store(), await factory.store()
    customer = await factory.customer(theirs)
    key = bearer(await make_key(client, ours, "admin"))
    for url in (theirs.base, f"{theirs.base}/customers", f"{theirs.base}/customers/{customer.id}"):
        refused = await client.get(url, headers=key)
        assert refused.status_code == 404, url
        assert refused.json()["detail"] == "Store not found"
    made = await client.post(f"{theirs.base}/customers", json={"first_name": "X"}, headers=key)
    assert made.status_code == 404
    nowhere = await client.get("/v1/stores/NO-SUCH-STORE/customers", headers=key)
    assert nowhere.status_code == 404

    for method, url, body in (
        ("GET", "/v1/stores", None),
        ("POST", "/v1/stores", {"code": "KEYSTORE", "name": "By key"}),
        ("GET", "/v1/invitations", None),
        ("POST", f"/v1/invitations/{uuid.uuid4()}/accept", None),
        ("POST", "/v1/auth/logout", None),
    ):
        refused = await client.request(method, url, json=body, headers=key)
        assert refused.status_code == 403, (url, refused.text)
        assert "API key" in refused.json()["detail"]


async def test_a_revoked_key_fails_at_once_everywhere(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    key = await make_key(client, ctx, "admin", name="leaked")
    one = f"{ctx.base}/customers/{customer.id}"
    assert (await client.get(one, headers=bearer(key))).status_code == 200
    (listed,) = (await client.get(f"{ctx.base}/api-keys", headers=ctx.owner.headers)).json()["data"]
    await client.delete(f"{ctx.base}/api-keys/{listed['id']}", headers=ctx.owner.headers)
    for method, url in (
        ("GET", one),  # the one-query read path
        ("GET", f"{ctx.base}/customers"),
        ("GET", f"{ctx.base}/customers?q=x"),
        ("PATCH", one),  # the path through the request's session
        ("GET", "/v1/stores"),  # store-less: 401 (not 403) once the key is dead
    ):
        refused = await client.request(
            method, url, json={} if method == "PATCH" else None, headers=bearer(key)
        )
        assert refused.status_code == 401, (method, url, refused.text)
        assert refused.json()["detail"] == "The API key is invalid, revoked or expired"


async def test_unknown_malformed_and_expired_keys_are_refused(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    key = await make_key(client, ctx)
    url = f"{ctx.base}/customers"
    tampered = key[:-7] + ("A" if key[-7] != "A" else "B") + key[-6:]  # checksum no longer fits
    for bad in (tampered, "cbk_", "cbk_" + "x" * 200, key + "x", key[:-1]):
        refused = await client.get(url, headers=bearer(bad))
        assert refused.status_code == 401, bad
        assert refused.headers["content-type"] == PROBLEM
    async with database.transaction() as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.token_hash == hash_key(key))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert (await client.get(url, headers=bearer(key))).status_code == 401


async def test_an_expiring_key_works_until_it_expires(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    made = await client.post(
        f"{ctx.base}/api-keys",
        json={"name": "temp", "role": "seller", "expires_at": later},
        headers=ctx.owner.headers,
    )
    assert made.status_code == 201
    assert made.json()["expires_at"] is not None
    got = await client.get(f"{ctx.base}/customers", headers=bearer(made.json()["key"]))
    assert got.status_code == 200


async def test_last_use_is_recorded_at_most_once_a_minute(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    key = await make_key(client, ctx)
    before = datetime.now(UTC)
    await client.get(f"{ctx.base}/customers/{customer.id}", headers=bearer(key))
    (stored,) = await _stored(database, ctx.id)
    assert stored.last_used_at is not None
    assert stored.last_used_at >= before - timedelta(seconds=1)
    first = stored.last_used_at
    await client.get(f"{ctx.base}/customers?q=x", headers=bearer(key))
    await client.post(f"{ctx.base}/customers", json={"first_name": "Y"}, headers=bearer(key))
    (stored,) = await _stored(database, ctx.id)
    assert stored.last_used_at == first
    # A minute on, the next request stamps it again (on the path through a session too).
    async with database.transaction() as session:
        await session.execute(
            update(ApiKey)
            .values(last_used_at=first - timedelta(minutes=2))
            .where(ApiKey.store_id == ctx.id)
        )
    await client.post(f"{ctx.base}/customers", json={"first_name": "Z"}, headers=bearer(key))
    (stored,) = await _stored(database, ctx.id)
    assert stored.last_used_at is not None
    assert stored.last_used_at >= first
    listed = (await client.get(f"{ctx.base}/api-keys", headers=ctx.owner.headers)).json()
    assert listed["data"][0]["last_used_at"] is not None
    async with database.reading() as session:
        count = len(
            list(await session.scalars(select(Customer.id).where(Customer.store_id == ctx.id)))
        )
    assert count == 3


async def test_a_key_costs_one_statement_per_read_as_a_token_does(
    client: httpx.AsyncClient, factory: Factory, database: Database, dialect: str
) -> None:
    if dialect != "sqlite":
        pytest.skip("PostgreSQL runs this read straight on asyncpg, past SQLAlchemy's events")
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    key = await make_key(client, ctx)
    url = f"{ctx.base}/customers/{customer.id}"
    await client.get(url, headers=bearer(key))  # stamps the last use: a minute of no writes
    statements: list[str] = []

    def count(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        statements.append(sql)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        for headers in (bearer(key), ctx.seller.headers):
            statements.clear()
            assert (await client.get(url, headers=headers)).status_code == 200
            assert len(statements) == 1, statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
