"""Who may call what: every store-scoped endpoint of the canonical API, in one table.

For each endpoint, with a fresh store each time:

* anonymous → 401;
* a member of another store → 404 (the store, and anything named in it, looks absent),
  whether it names the target store or puts the target's ids under its own store;
* a seller where an admin is needed → 403;
* the endpoint's minimum role → 2xx;

and every refusal leaves both stores exactly as they were.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import Customer, CustomerAddress, CustomerEvent, Membership, Store, User
from clientbook.stores.scope import Role
from tests.factories import Factory, Staff, StoreCtx

PASSWORD = "a long enough password"


@dataclass
class World:
    """The target store with one of everything, and an intruder's store."""

    ctx: StoreCtx
    customer_id: uuid.UUID
    address_id: uuid.UUID
    member: Staff  # an extra seller, to change and remove
    new_email: str  # for adding a member
    intruder: StoreCtx
    intruder_customer_id: uuid.UUID


Body = Callable[[World], dict[str, Any]] | None


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str  # below /v1/stores/{store}; {customer}, {address}, {member} are filled in
    role: Role  # the least role that may call it
    success: int
    body: Body = None
    deleted_customer: bool = False  # the customer is soft-deleted first (for restore)

    @property
    def names_ids(self) -> bool:
        return "{" in self.path


ENDPOINTS = [
    Endpoint("store.get", "GET", "", Role.seller, 200),
    Endpoint("store.patch", "PATCH", "", Role.admin, 200, lambda w: {"name": "Renamed"}),
    Endpoint("members.list", "GET", "/members", Role.seller, 200),
    Endpoint(
        "members.add",
        "POST",
        "/members",
        Role.admin,
        201,
        lambda w: {"email": w.new_email, "role": "seller", "password": PASSWORD},
    ),
    Endpoint(
        "members.patch", "PATCH", "/members/{member}", Role.admin, 200, lambda w: {"role": "admin"}
    ),
    Endpoint("members.delete", "DELETE", "/members/{member}", Role.admin, 204),
    Endpoint(
        "customers.create",
        "POST",
        "/customers",
        Role.seller,
        201,
        lambda w: {"first_name": "New", "email": f"new-{uuid.uuid4().hex[:8]}@example.com"},
    ),
    Endpoint("customers.list", "GET", "/customers", Role.seller, 200),
    Endpoint("customers.get", "GET", "/customers/{customer}", Role.seller, 200),
    Endpoint(
        "customers.patch",
        "PATCH",
        "/customers/{customer}",
        Role.seller,
        200,
        lambda w: {"first_name": "Changed"},
    ),
    Endpoint("customers.delete", "DELETE", "/customers/{customer}", Role.admin, 204),
    Endpoint(
        "customers.restore",
        "POST",
        "/customers/{customer}/restore",
        Role.admin,
        200,
        deleted_customer=True,
    ),
    Endpoint("customers.activate", "POST", "/customers/{customer}/activate", Role.admin, 200),
    Endpoint("customers.deactivate", "POST", "/customers/{customer}/deactivate", Role.admin, 200),
    Endpoint("customers.events", "GET", "/customers/{customer}/events", Role.seller, 200),
    Endpoint("addresses.list", "GET", "/customers/{customer}/addresses", Role.seller, 200),
    Endpoint(
        "addresses.add",
        "POST",
        "/customers/{customer}/addresses",
        Role.seller,
        201,
        lambda w: {"city": "New", "type": "billing", "is_default": True},
    ),
    Endpoint("addresses.get", "GET", "/customers/{customer}/addresses/{address}", Role.seller, 200),
    Endpoint(
        "addresses.patch",
        "PATCH",
        "/customers/{customer}/addresses/{address}",
        Role.seller,
        200,
        lambda w: {"city": "Changed", "is_default": False},
    ),
    Endpoint(
        "addresses.delete", "DELETE", "/customers/{customer}/addresses/{address}", Role.seller, 204
    ),
]

CHECKS = ["anonymous", "other_store", "other_store_own_path", "seller_needs_admin", "min_role"]


def _applies(endpoint: Endpoint, check: str) -> bool:
    if check == "other_store_own_path":
        return endpoint.names_ids
    if check == "seller_needs_admin":
        return endpoint.role is Role.admin
    return True


CASES = [
    pytest.param(endpoint, check, id=f"{endpoint.name}-{check}")
    for endpoint in ENDPOINTS
    for check in CHECKS
    if _applies(endpoint, check)
]

# Store-scoped routes that other features add; each still needs its row in ENDPOINTS.
NOT_YET_IN_THE_MATRIX = {
    ("GET", "/v1/stores/{store}/price-lists"),
    ("POST", "/v1/stores/{store}/price-lists"),
    ("GET", "/v1/stores/{store}/price-lists/{price_list_id}"),
    ("PATCH", "/v1/stores/{store}/price-lists/{price_list_id}"),
    ("DELETE", "/v1/stores/{store}/price-lists/{price_list_id}"),
    ("GET", "/v1/stores/{store}/groups"),
    ("POST", "/v1/stores/{store}/groups"),
    ("GET", "/v1/stores/{store}/groups/{group_id}"),
    ("PATCH", "/v1/stores/{store}/groups/{group_id}"),
    ("DELETE", "/v1/stores/{store}/groups/{group_id}"),
    ("GET", "/v1/stores/{store}/groups/{group_id}/customers"),
    ("POST", "/v1/stores/{store}/groups/{group_id}/customers"),
    ("DELETE", "/v1/stores/{store}/groups/{group_id}/customers/{customer_id}"),
    ("GET", "/v1/stores/{store}/customers/{customer_id}/groups"),
    ("GET", "/v1/stores/{store}/customers/{customer_id}/files"),
    ("POST", "/v1/stores/{store}/customers/{customer_id}/files"),
    ("GET", "/v1/stores/{store}/customers/{customer_id}/files/{file_id}"),
    ("DELETE", "/v1/stores/{store}/customers/{customer_id}/files/{file_id}"),
    ("GET", "/v1/stores/{store}/customers/{customer_id}/files/{file_id}/content"),
    ("GET", "/v1/stores/{store}/customers/{customer_id}/prescriptions"),
    ("POST", "/v1/stores/{store}/customers/{customer_id}/prescriptions"),
    ("GET", "/v1/stores/{store}/customers/{customer_id}/prescriptions/{prescription_id}"),
}


def _openapi_path(endpoint: Endpoint) -> str:
    path = endpoint.path.format(
        customer="{customer_id}", address="{address_id}", member="{user_id}"
    )
    return "/v1/stores/{store}" + path


def test_the_matrix_lists_every_store_scoped_endpoint(app: FastAPI) -> None:
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1/stores/{store}")
        for method in operations
    }
    listed = {(e.method, _openapi_path(e)) for e in ENDPOINTS}
    assert len(listed) == len(ENDPOINTS)
    assert listed <= served, listed - served
    assert served - listed - NOT_YET_IN_THE_MATRIX == set()


# --- the world and what it looks like ------------------------------------------------------


async def _world(client: httpx.AsyncClient, factory: Factory, database: Database) -> World:
    ctx = await factory.store(country="PL")
    customer = await factory.customer(ctx)
    response = await client.post(
        f"{ctx.base}/customers/{customer.id}/addresses",
        json={"city": "Old", "type": "billing", "is_default": True},
        headers=ctx.owner.headers,
    )
    assert response.status_code == 201, response.text
    member = await factory.user()
    async with database.transaction() as session:
        session.add(Membership(store_id=ctx.id, user_id=member.user.id, role=Role.seller))
    intruder = await factory.store(country="PL")
    intruder_customer = await factory.customer(intruder)
    return World(
        ctx=ctx,
        customer_id=customer.id,
        address_id=uuid.UUID(response.json()["id"]),
        member=member,
        new_email=f"new-member-{uuid.uuid4().hex[:10]}@example.com",
        intruder=intruder,
        intruder_customer_id=intruder_customer.id,
    )


async def _snapshot(database: Database, store_id: uuid.UUID, new_email: str) -> dict[str, Any]:
    """Everything an endpoint could change in one store, read past the API."""
    async with database.transaction() as session:
        store = await session.get_one(Store, store_id)
        members = await session.execute(
            select(Membership.user_id, Membership.role, Membership.is_active)
            .where(Membership.store_id == store_id)
            .order_by(Membership.user_id)
        )
        customers = await session.execute(
            select(
                Customer.id,
                Customer.first_name,
                Customer.email_key,
                Customer.is_active,
                Customer.status,
                Customer.deleted_at,
                Customer.version,
            )
            .where(Customer.store_id == store_id)
            .order_by(Customer.id)
        )
        addresses = await session.execute(
            select(
                CustomerAddress.id,
                CustomerAddress.customer_id,
                CustomerAddress.city,
                CustomerAddress.type,
                CustomerAddress.is_default,
            )
            .where(CustomerAddress.store_id == store_id)
            .order_by(CustomerAddress.id)
        )
        events = await session.scalar(
            select(func.count())
            .select_from(CustomerEvent)
            .where(CustomerEvent.store_id == store_id)
        )
        new_users = await session.scalar(
            select(func.count()).select_from(User).where(User.email_key == new_email)
        )
        return {
            "store": (store.name, store.currency, store.timezone, store.country, store.updated_at),
            "members": members.all(),
            "customers": customers.all(),
            "addresses": addresses.all(),
            "events": events,
            "new_users": new_users,
        }


async def _both(database: Database, world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        await _snapshot(database, world.ctx.id, world.new_email),
        await _snapshot(database, world.intruder.id, world.new_email),
    )


def _url(endpoint: Endpoint, base: str, world: World) -> str:
    return base + endpoint.path.format(
        customer=world.customer_id, address=world.address_id, member=world.member.user.id
    )


async def _call(
    client: httpx.AsyncClient, endpoint: Endpoint, url: str, world: World, headers: dict[str, str]
) -> httpx.Response:
    body = endpoint.body(world) if endpoint.body else None
    return await client.request(endpoint.method, url, json=body, headers=headers)


def _is_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


# --- the matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "check"), CASES)
async def test_access(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    endpoint: Endpoint,
    check: str,
) -> None:
    world = await _world(client, factory, database)
    if endpoint.deleted_customer:
        deleted = await client.delete(
            f"{world.ctx.base}/customers/{world.customer_id}", headers=world.ctx.owner.headers
        )
        assert deleted.status_code == 204
    url = _url(endpoint, world.ctx.base, world)
    before = await _both(database, world)

    if check == "anonymous":
        _is_problem(await _call(client, endpoint, url, world, {}), 401)
    elif check == "other_store":
        for staff in (world.intruder.owner, world.intruder.seller):
            _is_problem(await _call(client, endpoint, url, world, staff.headers), 404)
    elif check == "other_store_own_path":
        # The intruder's owner may do anything in its own store: only the ids are wrong.
        own_url = _url(endpoint, world.intruder.base, world)
        _is_problem(
            await _call(client, endpoint, own_url, world, world.intruder.owner.headers), 404
        )
    elif check == "seller_needs_admin":
        _is_problem(await _call(client, endpoint, url, world, world.ctx.seller.headers), 403)
    else:
        staff = world.ctx.staff[endpoint.role]
        response = await _call(client, endpoint, url, world, staff.headers)
        assert response.status_code == endpoint.success, response.text
        assert 200 <= response.status_code < 300
        return

    assert await _both(database, world) == before


async def test_lists_never_show_another_stores_rows(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    world = await _world(client, factory, database)
    intruder = world.intruder
    customers = await client.get(f"{intruder.base}/customers", headers=intruder.owner.headers)
    assert [c["id"] for c in customers.json()["data"]] == [str(world.intruder_customer_id)]
    searched = await client.get(
        f"{intruder.base}/customers",
        params={"q": "Test"},  # the factory's first name, shared by both stores' customers
        headers=intruder.owner.headers,
    )
    assert [c["id"] for c in searched.json()["data"]] == [str(world.intruder_customer_id)]
    members = await client.get(f"{intruder.base}/members", headers=intruder.owner.headers)
    member_ids = {m["user_id"] for m in members.json()["data"]}
    assert member_ids == {str(s.user.id) for s in (intruder.owner, intruder.admin, intruder.seller)}
    stores = await client.get("/v1/stores", headers=intruder.owner.headers)
    assert [s["code"] for s in stores.json()["data"]] == [intruder.code]
