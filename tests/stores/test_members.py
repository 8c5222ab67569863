"""``/v1/stores/{store}/members``: who works in a store, and in which role."""

import asyncio
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from clientbook.models import Membership, User
from tests.factories import PASSWORD, Factory, Staff, StoreCtx
from tests.problems import assert_problem, error_fields

MEMBER_FIELDS = {"user_id", "email", "name", "role", "is_active", "created_at", "updated_at"}
INVITATION_FIELDS = {
    "id",
    "email",
    "role",
    "status",
    "invited_by",
    "expires_at",
    "responded_at",
    "created_at",
}


def new_email(prefix: str = "member") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


async def members(client: httpx.AsyncClient, ctx: StoreCtx) -> dict[str, dict[str, Any]]:
    """The store's members by user id, as its owner sees them."""
    response = await client.get(f"{ctx.base}/members", headers=ctx.owner.headers)
    assert response.status_code == 200, response.text
    return {m["user_id"]: m for m in response.json()["data"]}


async def roles(client: httpx.AsyncClient, ctx: StoreCtx) -> dict[str, tuple[str, bool]]:
    return {uid: (m["role"], m["is_active"]) for uid, m in (await members(client, ctx)).items()}


async def stored_membership(factory: Factory, ctx: StoreCtx, user_id: Any) -> Membership | None:
    async with factory.database.transaction() as session:
        return await session.get(Membership, (ctx.id, uuid.UUID(str(user_id))))


async def my_stores(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    response = await client.get("/v1/stores", headers=headers)
    assert response.status_code == 200, response.text
    return {s["code"]: s["role"] for s in response.json()["data"]}


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/token", json={"email": email, "password": password})


async def add(
    client: httpx.AsyncClient, ctx: StoreCtx, by: Staff, **payload: Any
) -> httpx.Response:
    return await client.post(f"{ctx.base}/members", json=payload, headers=by.headers)


async def patch(
    client: httpx.AsyncClient, ctx: StoreCtx, by: Staff, user_id: Any, **payload: Any
) -> httpx.Response:
    return await client.patch(f"{ctx.base}/members/{user_id}", json=payload, headers=by.headers)


async def remove(
    client: httpx.AsyncClient, ctx: StoreCtx, by: Staff, user_id: Any
) -> httpx.Response:
    return await client.delete(f"{ctx.base}/members/{user_id}", headers=by.headers)


async def second_owner(client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx) -> Staff:
    staff = await factory.user()
    await join(client, ctx, ctx.owner, staff, "owner")
    return staff


async def invitations(client: httpx.AsyncClient, ctx: StoreCtx) -> list[dict[str, Any]]:
    response = await client.get(f"{ctx.base}/invitations", headers=ctx.owner.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


# --- list ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "seller"])
async def test_every_member_can_list_the_staff(
    client: httpx.AsyncClient, factory: Factory, role: str
) -> None:
    ctx = await factory.store()
    response = await client.get(f"{ctx.base}/members", headers=getattr(ctx, role).headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert all(set(m) == MEMBER_FIELDS for m in data)
    assert {m["user_id"]: (m["email"], m["role"], m["is_active"]) for m in data} == {
        str(ctx.owner.user.id): (ctx.owner.email, "owner", True),
        str(ctx.admin.user.id): (ctx.admin.email, "admin", True),
        str(ctx.seller.user.id): (ctx.seller.email, "seller", True),
    }
    assert all(m["name"] == "Test User" for m in data)
    assert [m["email"] for m in data] == sorted(m["email"].lower() for m in data)


async def test_members_are_listed_by_id_path_too(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    by_id = await client.get(f"/v1/stores/{ctx.id}/members", headers=ctx.seller.headers)
    by_code = await client.get(f"{ctx.base}/members", headers=ctx.seller.headers)
    assert by_id.status_code == 200
    assert by_id.json() == by_code.json()


# --- add: an invitation the invitee accepts ------------------------------------------


async def accept(client: httpx.AsyncClient, staff: Staff, invitation_id: str) -> httpx.Response:
    return await client.post(f"/v1/invitations/{invitation_id}/accept", headers=staff.headers)


async def join(
    client: httpx.AsyncClient, ctx: StoreCtx, by: Staff, staff: Staff, role: str
) -> dict[str, Any]:
    """Invite ``staff`` and have them accept; their membership as the store lists it."""
    invited = await add(client, ctx, by, email=staff.email, role=role)
    assert invited.status_code == 202, invited.text
    accepted = await accept(client, staff, invited.json()["id"])
    assert accepted.status_code == 200, accepted.text
    return (await members(client, ctx))[str(staff.user.id)]


@pytest.mark.parametrize(("actor", "role"), [("owner", "admin"), ("admin", "seller")])
async def test_add_an_existing_user(
    client: httpx.AsyncClient, factory: Factory, actor: str, role: str
) -> None:
    ctx = await factory.store()
    other = await factory.store()
    newcomer = other.seller  # already works elsewhere
    response = await add(client, ctx, getattr(ctx, actor), email=newcomer.email, role=role)
    assert response.status_code == 202, response.text
    invitation = response.json()
    assert set(invitation) == INVITATION_FIELDS
    assert (invitation["email"], invitation["role"], invitation["status"]) == (
        newcomer.email,
        role,
        "pending",
    )
    # nothing changes until the invitee says yes
    assert str(newcomer.user.id) not in await members(client, ctx)
    assert await my_stores(client, newcomer.headers) == {other.code: "seller"}
    assert_problem(await client.get(ctx.base, headers=newcomer.headers), 404)

    accepted = await accept(client, newcomer, invitation["id"])
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["code"], accepted.json()["role"]) == (ctx.code, role)
    body = (await members(client, ctx))[str(newcomer.user.id)]
    assert set(body) == MEMBER_FIELDS
    assert body["email"] == newcomer.email
    assert body["name"] == "Test User"
    assert body["role"] == role
    assert body["is_active"] is True
    datetime.fromisoformat(body["created_at"])

    assert await my_stores(client, newcomer.headers) == {other.code: "seller", ctx.code: role}
    assert (await client.get(ctx.base, headers=newcomer.headers)).status_code == 200
    # the other store is not touched
    assert str(newcomer.user.id) in await members(client, other)
    assert str(ctx.owner.user.id) not in await members(client, other)


async def test_adding_an_existing_user_never_changes_their_account(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    existing = await factory.user(name="Original Name")
    # an admin can neither name the account nor set its password
    for extra in ({"name": "Renamed By Admin"}, {"password": "admin-chosen-password"}):
        refused = await add(
            client, ctx, ctx.admin, email=existing.email.upper(), role="seller", **extra
        )
        assert error_fields(assert_problem(refused, 422)) == set(extra)
    response = await add(client, ctx, ctx.admin, email=existing.email.upper(), role="seller")
    assert response.status_code == 202, response.text
    assert (await accept(client, existing, response.json()["id"])).status_code == 200
    body = (await members(client, ctx))[str(existing.user.id)]
    assert body["name"] == "Original Name"
    assert body["email"] == existing.email
    assert (await sign_in(client, existing.email, "admin-chosen-password")).status_code == 401
    assert (await sign_in(client, existing.email, PASSWORD)).status_code == 200
    async with factory.database.transaction() as session:
        users = (
            await session.scalars(select(User).where(User.email_key == existing.email.lower()))
        ).all()
        assert [u.id for u in users] == [existing.user.id]
        assert users[0].name == "Original Name"


async def test_inviting_tells_nothing_about_whether_an_account_exists(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    existing = await factory.user()
    unknown = new_email("nobody")
    answers = [
        await add(client, ctx, ctx.owner, email=existing.email, role="seller"),
        await add(client, ctx, ctx.owner, email=unknown, role="seller"),
        await client.post(
            f"{ctx.base}/invitations",
            json={"email": new_email("nobody"), "role": "seller"},
            headers=ctx.owner.headers,
        ),
    ]
    assert [r.status_code for r in answers] == [202, 202, 201]

    def shape(response: httpx.Response) -> tuple[Any, ...]:
        body = response.json()
        return (sorted(body), body["status"], body["role"], response.headers["content-type"])

    assert shape(answers[0]) == shape(answers[1]) == shape(answers[2])
    # no account is made for the unknown address, and no one is a member yet
    assert (await sign_in(client, unknown, "anything-at-all")).status_code == 401
    assert len(await members(client, ctx)) == 3


async def test_a_new_person_joins_once_their_account_exists(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    email = new_email("new")
    response = await add(client, ctx, ctx.owner, email=email, role="seller")
    assert response.status_code == 202, response.text
    async with factory.database.transaction() as session:
        assert (await session.scalars(select(User).where(User.email_key == email))).all() == []

    newcomer = await factory.user(email)  # the account is made by the operator, not the admin
    listed = await client.get("/v1/invitations", headers=newcomer.headers)
    assert listed.status_code == 200, listed.text
    [offer] = listed.json()["data"]
    assert (offer["id"], offer["role"], offer["store"]["code"]) == (
        response.json()["id"],
        "seller",
        ctx.code,
    )
    assert (await accept(client, newcomer, offer["id"])).status_code == 200
    headers = newcomer.headers
    assert await my_stores(client, headers) == {ctx.code: "seller"}
    store = await client.get(ctx.base, headers=headers)
    assert store.status_code == 200
    assert store.json()["id"] == str(ctx.id)
    # a seller: reads the staff list, but cannot manage it
    assert (await client.get(f"{ctx.base}/members", headers=headers)).status_code == 200
    assert_problem(
        await client.post(
            f"{ctx.base}/members", json={"email": new_email(), "role": "seller"}, headers=headers
        ),
        403,
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "role": "seller"}, "email"),
        ({"email": "", "role": "seller"}, "email"),
        ({"role": "seller"}, "email"),
        ({"email": "NEW", "role": "manager"}, "role"),
        ({"email": "NEW", "role": "Owner"}, "role"),
        ({"email": "NEW"}, "role"),
        ({"email": "NEW", "role": "seller", "password": "long-enough"}, "password"),
        ({"email": "NEW", "role": "seller", "name": "n"}, "name"),
        ({"email": "NEW", "role": "seller", "admin": True}, "admin"),
    ],
)
async def test_invalid_member_fields_are_422(
    client: httpx.AsyncClient, factory: Factory, payload: dict[str, Any], field: str
) -> None:
    ctx = await factory.store()
    if payload.get("email") == "NEW":
        payload = {**payload, "email": new_email()}
    for path in ("members", "invitations"):
        response = await client.post(f"{ctx.base}/{path}", json=payload, headers=ctx.owner.headers)
        body = assert_problem(response, 422)
        assert error_fields(body) == {field}
    assert len(await members(client, ctx)) == 3
    assert (await invitations(client, ctx)) == []


@pytest.mark.parametrize("spelling", ["same", "upper"])
async def test_adding_a_member_again_is_409(
    client: httpx.AsyncClient, factory: Factory, spelling: str
) -> None:
    ctx = await factory.store()
    email = ctx.seller.email if spelling == "same" else ctx.seller.email.upper()
    body = assert_problem(await add(client, ctx, ctx.owner, email=email, role="admin"), 409)
    assert error_fields(body) == {"email"}
    # the existing membership is unchanged
    membership = await stored_membership(factory, ctx, ctx.seller.user.id)
    assert membership is not None
    assert (membership.role, membership.is_active) == ("seller", True)


async def test_adding_a_deactivated_member_again_is_409(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    assert (
        await patch(client, ctx, ctx.owner, ctx.seller.user.id, is_active=False)
    ).status_code == 200
    assert_problem(await add(client, ctx, ctx.owner, email=ctx.seller.email, role="seller"), 409)
    membership = await stored_membership(factory, ctx, ctx.seller.user.id)
    assert membership is not None
    assert membership.is_active is False


async def test_an_admin_cannot_offer_the_owner_role(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """An admin inviting a new e-mail as owner is refused before anything is stored."""
    ctx = await factory.store()
    email = new_email("owner")
    assert_problem(await add(client, ctx, ctx.admin, email=email, role="owner"), 403)
    assert await invitations(client, ctx) == []
    assert (await sign_in(client, email, "long-enough")).status_code == 401


async def test_seller_cannot_add_members(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    existing = await factory.user()
    assert_problem(await add(client, ctx, ctx.seller, email=existing.email, role="seller"), 403)
    email = new_email()
    assert_problem(await add(client, ctx, ctx.seller, email=email, role="seller"), 403)
    assert set(await members(client, ctx)) == {
        str(ctx.owner.user.id),
        str(ctx.admin.user.id),
        str(ctx.seller.user.id),
    }
    assert await invitations(client, ctx) == []
    assert (await client.get("/v1/invitations", headers=existing.headers)).json() == {"data": []}


async def test_only_an_owner_grants_the_owner_role(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    candidate = await factory.user()
    assert_problem(await add(client, ctx, ctx.admin, email=candidate.email, role="owner"), 403)
    assert await stored_membership(factory, ctx, candidate.user.id) is None

    joined = await join(client, ctx, ctx.owner, candidate, "owner")
    assert joined["role"] == "owner"
    assert await my_stores(client, candidate.headers) == {ctx.code: "owner"}


# --- change --------------------------------------------------------------------------


async def test_owner_changes_roles(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await patch(client, ctx, ctx.owner, ctx.seller.user.id, role="admin")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == MEMBER_FIELDS
    assert (body["user_id"], body["role"], body["is_active"]) == (
        str(ctx.seller.user.id),
        "admin",
        True,
    )
    assert await my_stores(client, ctx.seller.headers) == {ctx.code: "admin"}
    # the promoted seller can now manage the staff
    promoted = await patch(client, ctx, ctx.seller, ctx.admin.user.id, role="seller")
    assert promoted.status_code == 200, promoted.text
    assert await roles(client, ctx) == {
        str(ctx.owner.user.id): ("owner", True),
        str(ctx.admin.user.id): ("seller", True),
        str(ctx.seller.user.id): ("admin", True),
    }


async def test_owner_can_make_another_owner(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await patch(client, ctx, ctx.owner, ctx.admin.user.id, role="owner")
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "owner"
    assert await my_stores(client, ctx.admin.headers) == {ctx.code: "owner"}


async def test_admin_manages_sellers_and_admins(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    other_admin = await factory.user()
    assert (await join(client, ctx, ctx.admin, other_admin, "admin"))["role"] == "admin"
    assert (
        await patch(client, ctx, ctx.admin, ctx.seller.user.id, role="admin")
    ).status_code == 200
    assert (
        await patch(client, ctx, ctx.admin, other_admin.user.id, role="seller")
    ).status_code == 200
    assert (
        await patch(client, ctx, ctx.admin, other_admin.user.id, is_active=False)
    ).status_code == 200
    current = await roles(client, ctx)
    assert current[str(ctx.seller.user.id)] == ("admin", True)
    assert current[str(other_admin.user.id)] == ("seller", False)


async def test_admin_cannot_touch_the_owner_role(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    owner_id = ctx.owner.user.id
    # an admin cannot demote, deactivate or remove an owner
    assert_problem(await patch(client, ctx, ctx.admin, owner_id, role="seller"), 403)
    assert_problem(await patch(client, ctx, ctx.admin, owner_id, is_active=False), 403)
    assert_problem(await remove(client, ctx, ctx.admin, owner_id), 403)
    # ... nor make anyone an owner, themselves included
    assert_problem(await patch(client, ctx, ctx.admin, ctx.seller.user.id, role="owner"), 403)
    assert_problem(await patch(client, ctx, ctx.admin, ctx.admin.user.id, role="owner"), 403)
    assert await roles(client, ctx) == {
        str(ctx.owner.user.id): ("owner", True),
        str(ctx.admin.user.id): ("admin", True),
        str(ctx.seller.user.id): ("seller", True),
    }


async def test_admin_cannot_alter_a_second_owner_either(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    co_owner = await second_owner(client, factory, ctx)
    assert_problem(await patch(client, ctx, ctx.admin, co_owner.user.id, role="admin"), 403)
    assert_problem(await remove(client, ctx, ctx.admin, co_owner.user.id), 403)
    assert (await roles(client, ctx))[str(co_owner.user.id)] == ("owner", True)


async def test_seller_cannot_change_or_remove_members(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    before = await members(client, ctx)
    for target in (ctx.seller, ctx.admin, ctx.owner):
        assert_problem(await patch(client, ctx, ctx.seller, target.user.id, role="admin"), 403)
        assert_problem(await patch(client, ctx, ctx.seller, target.user.id, is_active=False), 403)
        assert_problem(await remove(client, ctx, ctx.seller, target.user.id), 403)
    assert await members(client, ctx) == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "boss"}, "role"),
        ({"role": None}, "role"),
        ({"is_active": None}, "is_active"),
        ({"is_active": "sometimes"}, "is_active"),
        ({"email": "x@example.com"}, "email"),
    ],
)
async def test_invalid_member_update_is_422(
    client: httpx.AsyncClient, factory: Factory, payload: dict[str, Any], field: str
) -> None:
    ctx = await factory.store()
    response = await client.patch(
        f"{ctx.base}/members/{ctx.seller.user.id}", json=payload, headers=ctx.owner.headers
    )
    body = assert_problem(response, 422)
    assert error_fields(body) == {field}
    assert (await roles(client, ctx))[str(ctx.seller.user.id)] == ("seller", True)


async def test_empty_member_update_changes_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    response = await patch(client, ctx, ctx.owner, ctx.seller.user.id)
    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["is_active"]) == ("seller", True)


async def test_unknown_member_is_404(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    stranger = await factory.user()
    for user_id in (uuid.uuid4(), stranger.user.id):
        assert_problem(await patch(client, ctx, ctx.owner, user_id, role="seller"), 404)
        assert_problem(await remove(client, ctx, ctx.owner, user_id), 404)
    assert await stored_membership(factory, ctx, stranger.user.id) is None


async def test_member_id_must_be_a_uuid(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    body = assert_problem(await patch(client, ctx, ctx.owner, "not-a-uuid", role="seller"), 422)
    assert error_fields(body) == {"user_id"}


# --- deactivation --------------------------------------------------------------------


async def test_a_deactivated_member_loses_the_store(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    other = await factory.store()
    response = await patch(client, ctx, ctx.admin, ctx.seller.user.id, is_active=False)
    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["is_active"]) == ("seller", False)

    seller = ctx.seller.headers
    assert_problem(await client.get(ctx.base, headers=seller), 404)
    assert_problem(await client.get(f"/v1/stores/{ctx.id}", headers=seller), 404)
    assert_problem(await client.get(f"{ctx.base}/members", headers=seller), 404)
    assert_problem(await client.get(f"{ctx.base}/customers", headers=seller), 404)
    assert await my_stores(client, seller) == {}
    # still listed to the managers, as inactive
    assert (await roles(client, ctx))[str(ctx.seller.user.id)] == ("seller", False)
    # their other stores are unaffected
    assert (await join(client, other, other.owner, ctx.seller, "seller"))["is_active"] is True
    assert await my_stores(client, seller) == {other.code: "seller"}

    # reactivated, they are back
    back = await patch(client, ctx, ctx.admin, ctx.seller.user.id, is_active=True)
    assert back.status_code == 200
    assert await my_stores(client, seller) == {ctx.code: "seller", other.code: "seller"}
    assert (await client.get(ctx.base, headers=seller)).status_code == 200


async def test_a_deactivated_admin_can_no_longer_manage(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    assert (
        await patch(client, ctx, ctx.owner, ctx.admin.user.id, is_active=False)
    ).status_code == 200
    assert_problem(await patch(client, ctx, ctx.admin, ctx.seller.user.id, role="admin"), 404)
    assert_problem(await remove(client, ctx, ctx.admin, ctx.seller.user.id), 404)
    assert_problem(await client.patch(ctx.base, json={"name": "X"}, headers=ctx.admin.headers), 404)
    assert (await roles(client, ctx))[str(ctx.seller.user.id)] == ("seller", True)


# --- removal -------------------------------------------------------------------------


async def test_remove_a_member(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    response = await remove(client, ctx, ctx.admin, ctx.seller.user.id)
    assert response.status_code == 204
    assert response.content == b""
    assert str(ctx.seller.user.id) not in await members(client, ctx)
    assert await stored_membership(factory, ctx, ctx.seller.user.id) is None
    assert_problem(await client.get(ctx.base, headers=ctx.seller.headers), 404)
    assert await my_stores(client, ctx.seller.headers) == {}
    # the account itself stays, and can be added again
    assert (await sign_in(client, ctx.seller.email, PASSWORD)).status_code == 200
    assert_problem(await remove(client, ctx, ctx.admin, ctx.seller.user.id), 404)
    again = await join(client, ctx, ctx.admin, ctx.seller, "seller")
    assert again["user_id"] == str(ctx.seller.user.id)


async def test_an_admin_can_leave(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    assert (await remove(client, ctx, ctx.admin, ctx.admin.user.id)).status_code == 204
    assert await my_stores(client, ctx.admin.headers) == {}


# --- the last owner ------------------------------------------------------------------


async def test_the_last_owner_stays(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    owner_id = ctx.owner.user.id
    for response in (
        await remove(client, ctx, ctx.owner, owner_id),
        await patch(client, ctx, ctx.owner, owner_id, role="admin"),
        await patch(client, ctx, ctx.owner, owner_id, role="seller"),
        await patch(client, ctx, ctx.owner, owner_id, is_active=False),
        await patch(client, ctx, ctx.owner, owner_id, role="owner", is_active=False),
    ):
        body = assert_problem(response, 409)
        assert "last owner" in body["detail"]
    membership = await stored_membership(factory, ctx, owner_id)
    assert membership is not None
    assert (membership.role, membership.is_active) == ("owner", True)
    # harmless updates of the last owner are fine
    same = await patch(client, ctx, ctx.owner, owner_id, role="owner", is_active=True)
    assert same.status_code == 200, same.text


@pytest.mark.parametrize("step_down", ["remove", "demote", "deactivate"])
async def test_one_of_two_owners_can_step_down(
    client: httpx.AsyncClient, factory: Factory, step_down: str
) -> None:
    ctx = await factory.store()
    co_owner = await second_owner(client, factory, ctx)
    target = ctx.owner.user.id
    if step_down == "remove":
        response = await remove(client, ctx, ctx.owner, target)
        assert response.status_code == 204
    elif step_down == "demote":
        response = await patch(client, ctx, ctx.owner, target, role="admin")
        assert response.status_code == 200, response.text
    else:
        response = await patch(client, ctx, ctx.owner, target, is_active=False)
        assert response.status_code == 200, response.text
    assert await my_stores(client, co_owner.headers) == {ctx.code: "owner"}

    # now the co-owner is the last one
    for response in (
        await remove(client, ctx, co_owner, co_owner.user.id),
        await patch(client, ctx, co_owner, co_owner.user.id, role="seller"),
        await patch(client, ctx, co_owner, co_owner.user.id, is_active=False),
    ):
        assert_problem(response, 409)
    assert (await stored_membership(factory, ctx, co_owner.user.id)) is not None


async def test_an_owner_can_remove_another_owner(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    co_owner = await second_owner(client, factory, ctx)
    assert (await remove(client, ctx, co_owner, ctx.owner.user.id)).status_code == 204
    assert_problem(await client.get(ctx.base, headers=ctx.owner.headers), 404)


async def test_a_deactivated_owner_does_not_count(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    co_owner = await second_owner(client, factory, ctx)
    assert (
        await patch(client, ctx, ctx.owner, co_owner.user.id, is_active=False)
    ).status_code == 200
    assert_problem(await patch(client, ctx, ctx.owner, ctx.owner.user.id, role="admin"), 409)
    assert_problem(await remove(client, ctx, ctx.owner, ctx.owner.user.id), 409)
    # removing the inactive owner is fine: the active one remains
    assert (await remove(client, ctx, ctx.owner, co_owner.user.id)).status_code == 204


async def test_two_owners_stepping_down_at_once_leave_one(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    co_owner = await second_owner(client, factory, ctx)
    results = await asyncio.gather(
        patch(client, ctx, ctx.owner, ctx.owner.user.id, role="admin"),
        patch(client, ctx, co_owner, co_owner.user.id, role="admin"),
    )
    assert sorted(r.status_code for r in results) == [200, 409]
    async with factory.database.transaction() as session:
        owners = (
            await session.scalars(
                select(Membership.user_id).where(
                    Membership.store_id == ctx.id,
                    Membership.role == "owner",
                    Membership.is_active.is_(True),
                )
            )
        ).all()
    assert len(owners) == 1


async def test_two_owners_leaving_at_once_leave_one(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    co_owner = await second_owner(client, factory, ctx)
    results = await asyncio.gather(
        remove(client, ctx, ctx.owner, ctx.owner.user.id),
        remove(client, ctx, co_owner, co_owner.user.id),
    )
    assert sorted(r.status_code for r in results) == [204, 409]
    remaining = await roles_as_any_owner(client, ctx, co_owner)
    assert list(remaining.values()).count(("owner", True)) == 1


async def roles_as_any_owner(
    client: httpx.AsyncClient, ctx: StoreCtx, co_owner: Staff
) -> dict[str, tuple[str, bool]]:
    for staff in (ctx.owner, co_owner):
        response = await client.get(f"{ctx.base}/members", headers=staff.headers)
        if response.status_code == 200:
            return {m["user_id"]: (m["role"], m["is_active"]) for m in response.json()["data"]}
    raise AssertionError("no owner can read the store any more")


# --- other stores --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "seller"])
async def test_members_of_another_store_see_nothing(
    client: httpx.AsyncClient, factory: Factory, role: str
) -> None:
    ctx, other = await factory.store(), await factory.store()
    intruder = getattr(other, role)
    before = await members(client, ctx)
    for ref in (ctx.code, str(ctx.id)):
        base = f"/v1/stores/{ref}/members"
        responses = [
            await client.get(base, headers=intruder.headers),
            await client.post(
                base, json={"email": intruder.email, "role": "owner"}, headers=intruder.headers
            ),
            await client.post(
                base,
                json={"email": new_email(), "role": "seller", "password": "long-enough"},
                headers=intruder.headers,
            ),
            await client.patch(
                f"{base}/{ctx.seller.user.id}", json={"role": "admin"}, headers=intruder.headers
            ),
            await client.patch(
                f"{base}/{ctx.owner.user.id}", json={"is_active": False}, headers=intruder.headers
            ),
            await client.delete(f"{base}/{ctx.owner.user.id}", headers=intruder.headers),
            await client.delete(f"{base}/{uuid.uuid4()}", headers=intruder.headers),
        ]
        bodies = [assert_problem(r, 404) for r in responses]
        assert {b["detail"] for b in bodies} == {"Store not found"}
    assert await members(client, ctx) == before
    assert await stored_membership(factory, ctx, intruder.user.id) is None


async def test_a_member_of_another_store_cannot_be_managed_from_here(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    target = other.seller.user.id
    assert_problem(await patch(client, ctx, ctx.owner, target, role="admin"), 404)
    assert_problem(await patch(client, ctx, ctx.owner, target, is_active=False), 404)
    assert_problem(await remove(client, ctx, ctx.owner, target), 404)
    assert_problem(await remove(client, ctx, ctx.owner, other.owner.user.id), 404)
    assert (await roles(client, other))[str(target)] == ("seller", True)
    assert (await roles(client, other))[str(other.owner.user.id)] == ("owner", True)


async def test_a_nonexistent_store_looks_like_a_foreign_one(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    foreign = await client.get(f"{ctx.base}/members", headers=other.owner.headers)
    missing = await client.get(f"/v1/stores/{uuid.uuid4()}/members", headers=other.owner.headers)
    a, b = assert_problem(foreign, 404), assert_problem(missing, 404)
    assert {k: v for k, v in a.items() if k != "instance"} == {
        k: v for k, v in b.items() if k != "instance"
    }


async def test_anonymous_gets_401_on_member_routes(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    base = f"{ctx.base}/members"
    for response in (
        await client.get(base),
        await client.post(base, json={"email": new_email(), "role": "seller"}),
        await client.patch(f"{base}/{ctx.seller.user.id}", json={"role": "admin"}),
        await client.delete(f"{base}/{ctx.seller.user.id}"),
    ):
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
    assert (await roles(client, ctx))[str(ctx.seller.user.id)] == ("seller", True)
