"""Invitations: a store offers a role, the invited account accepts or declines it."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from clientbook.kit.db import utcnow
from clientbook.models import Invitation, Membership
from tests.factories import Factory, Staff, StoreCtx
from tests.problems import assert_problem, error_fields


def new_email() -> str:
    return f"invitee-{uuid.uuid4().hex[:12]}@example.com"


async def invite(
    client: httpx.AsyncClient, ctx: StoreCtx, email: str, role: str = "seller", by: str = "owner"
) -> httpx.Response:
    return await client.post(
        f"{ctx.base}/invitations",
        json={"email": email, "role": role},
        headers=getattr(ctx, by).headers,
    )


async def answer(
    client: httpx.AsyncClient, staff: Staff, invitation_id: str, verb: str = "accept"
) -> httpx.Response:
    return await client.post(f"/v1/invitations/{invitation_id}/{verb}", headers=staff.headers)


async def store_invitations(client: httpx.AsyncClient, ctx: StoreCtx) -> dict[str, dict[str, Any]]:
    response = await client.get(f"{ctx.base}/invitations", headers=ctx.admin.headers)
    assert response.status_code == 200, response.text
    return {i["id"]: i for i in response.json()["data"]}


async def is_member(factory: Factory, ctx: StoreCtx, staff: Staff) -> bool:
    async with factory.database.transaction() as session:
        return await session.get(Membership, (ctx.id, staff.user.id)) is not None


async def test_invite_list_and_accept(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx, invitee = await factory.store(), await factory.user()
    made = await invite(client, ctx, invitee.email.upper(), "admin", by="admin")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["email"].lower() == invitee.email
    assert (body["role"], body["status"], body["invited_by"]) == (
        "admin",
        "pending",
        str(ctx.admin.user.id),
    )
    assert made.headers["location"] == f"/v1/stores/{ctx.id}/invitations/{body['id']}"
    assert (await store_invitations(client, ctx))[body["id"]]["status"] == "pending"

    mine = await client.get("/v1/invitations", headers=invitee.headers)
    [offer] = mine.json()["data"]
    assert (offer["id"], offer["role"], offer["store"]["id"]) == (body["id"], "admin", str(ctx.id))
    # another account does not see it, nor can it answer it
    stranger = await factory.user()
    assert (await client.get("/v1/invitations", headers=stranger.headers)).json() == {"data": []}
    for verb in ("accept", "decline"):
        assert_problem(await answer(client, stranger, body["id"], verb), 404)
    assert not await is_member(factory, ctx, stranger)

    accepted = await answer(client, invitee, body["id"])
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["id"], accepted.json()["role"]) == (str(ctx.id), "admin")
    assert await is_member(factory, ctx, invitee)
    assert (await store_invitations(client, ctx))[body["id"]]["status"] == "accepted"
    assert (await client.get("/v1/invitations", headers=invitee.headers)).json() == {"data": []}
    # used once
    again = assert_problem(await answer(client, invitee, body["id"]), 409)
    assert "accepted" in again["detail"]


async def test_decline(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx, invitee = await factory.store(), await factory.user()
    made = (await invite(client, ctx, invitee.email)).json()
    declined = await answer(client, invitee, made["id"], "decline")
    assert declined.status_code == 204
    assert (await store_invitations(client, ctx))[made["id"]]["status"] == "declined"
    assert_problem(await answer(client, invitee, made["id"]), 409)
    assert not await is_member(factory, ctx, invitee)
    # a declined invitation does not block a new one
    assert (await invite(client, ctx, invitee.email)).status_code == 201


async def test_revoked_and_expired_invitations_cannot_be_accepted(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, invitee = await factory.store(), await factory.user()
    revoked = (await invite(client, ctx, invitee.email)).json()
    gone = await client.delete(f"{ctx.base}/invitations/{revoked['id']}", headers=ctx.admin.headers)
    assert gone.status_code == 204
    assert_problem(await answer(client, invitee, revoked["id"]), 409)
    assert_problem(
        await client.delete(f"{ctx.base}/invitations/{revoked['id']}", headers=ctx.admin.headers),
        409,
    )

    expiring = (await invite(client, ctx, invitee.email)).json()
    async with factory.database.transaction() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == uuid.UUID(expiring["id"]))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await client.get("/v1/invitations", headers=invitee.headers)).json() == {"data": []}
    assert "expired" in assert_problem(await answer(client, invitee, expiring["id"]), 409)["detail"]
    assert (await store_invitations(client, ctx))[expiring["id"]]["status"] == "expired"
    assert not await is_member(factory, ctx, invitee)
    # an expired invitation does not hold the place either
    assert (await invite(client, ctx, invitee.email)).status_code == 201


async def test_a_second_pending_invitation_is_409(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    email = new_email()
    assert (await invite(client, ctx, email)).status_code == 201
    body = assert_problem(await invite(client, ctx, email.upper(), "admin"), 409)
    assert error_fields(body) == {"email"}
    assert len(await store_invitations(client, ctx)) == 1


async def test_only_admins_see_and_revoke_invitations(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    made = (await invite(client, ctx, new_email())).json()
    url = f"{ctx.base}/invitations"
    assert_problem(await client.get(url, headers=ctx.seller.headers), 403)
    assert_problem(await client.delete(f"{url}/{made['id']}", headers=ctx.seller.headers), 403)
    assert_problem(await client.get(url, headers=other.owner.headers), 404)
    # another store's invitation cannot be revoked from there
    assert_problem(
        await client.delete(f"{other.base}/invitations/{made['id']}", headers=other.owner.headers),
        404,
    )
    assert (await store_invitations(client, ctx))[made["id"]]["status"] == "pending"


async def test_an_admin_cannot_revoke_an_owner_invitation(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    made = (await invite(client, ctx, new_email(), "owner")).json()
    url = f"{ctx.base}/invitations/{made['id']}"
    assert_problem(await client.delete(url, headers=ctx.admin.headers), 403)
    assert (await client.delete(url, headers=ctx.owner.headers)).status_code == 204


async def test_the_same_new_member_invited_at_once_is_one_invitation(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """Once 17 of 40 concurrent adds of one new e-mail answered 500."""
    ctx = await factory.store()
    email = new_email()
    results = await asyncio.gather(
        *(
            client.post(
                f"{ctx.base}/members",
                json={"email": email, "role": "seller"},
                headers=ctx.owner.headers,
            )
            for _ in range(40)
        )
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [202] + [409] * 39, codes
    async with factory.database.transaction() as session:
        stored = (
            await session.scalars(select(Invitation).where(Invitation.email_key == email))
        ).all()
    assert len(stored) == 1


async def test_one_invitation_accepted_twice_at_once_joins_once(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, invitee = await factory.store(), await factory.user()
    made = (await invite(client, ctx, invitee.email)).json()
    results = await asyncio.gather(*(answer(client, invitee, made["id"]) for _ in range(10)))
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [409] * 9, codes
    assert await is_member(factory, ctx, invitee)


async def test_invitations_answer_401_without_a_token(client: httpx.AsyncClient) -> None:
    some_id = uuid.uuid4()
    for response in (
        await client.get("/v1/invitations"),
        await client.post(f"/v1/invitations/{some_id}/accept"),
        await client.post(f"/v1/invitations/{some_id}/decline"),
    ):
        assert_problem(response, 401)
