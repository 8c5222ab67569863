import uuid

import httpx

from tests.factories import Factory


async def test_group_crud_and_code_from_name(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    url = f"{ctx.base}/groups"
    created = await client.post(url, json={"name": "VIP Customers"}, headers=ctx.admin.headers)
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["code"] == "vip-customers"
    assert group["name"] == "VIP Customers"

    duplicate = await client.post(
        url, json={"name": "Other", "code": "vip-customers"}, headers=ctx.admin.headers
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["field"] == "code"

    renamed = await client.patch(
        f"{url}/{group['id']}",
        json={"name": "VIPs", "description": "best"},
        headers=ctx.owner.headers,
    )
    assert renamed.json()["name"] == "VIPs"
    assert renamed.json()["description"] == "best"
    assert (await client.get(url, headers=ctx.seller.headers)).json()["data"][0]["name"] == "VIPs"

    assert (
        await client.delete(f"{url}/{group['id']}", headers=ctx.seller.headers)
    ).status_code == 403
    assert (
        await client.delete(f"{url}/{group['id']}", headers=ctx.admin.headers)
    ).status_code == 204
    assert (await client.get(f"{url}/{group['id']}", headers=ctx.admin.headers)).status_code == 404


async def test_customers_join_and_leave_groups(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    group = (
        await client.post(f"{ctx.base}/groups", json={"name": "VIP"}, headers=ctx.admin.headers)
    ).json()
    ada = await factory.customer(ctx, first_name="Ada", last_name="Lovelace")
    bob = await factory.customer(ctx, first_name="Bob", last_name="Brown")
    members_url = f"{ctx.base}/groups/{group['id']}/customers"

    added = await client.post(
        members_url, json={"customer_ids": [str(ada.id), str(bob.id)]}, headers=ctx.seller.headers
    )
    assert added.status_code == 200
    assert added.json() == {"added": 2}
    again = await client.post(
        members_url, json={"customer_ids": [str(ada.id)]}, headers=ctx.seller.headers
    )
    assert again.json() == {"added": 0}

    listed = await client.get(members_url, headers=ctx.seller.headers)
    assert [c["name"] for c in listed.json()["data"]] == ["Ada Lovelace", "Bob Brown"]
    assert listed.json()["pagination"]["total"] == 2

    ada_groups = await client.get(
        f"{ctx.base}/customers/{ada.id}/groups", headers=ctx.seller.headers
    )
    assert [g["id"] for g in ada_groups.json()["data"]] == [group["id"]]

    removed = await client.delete(f"{members_url}/{ada.id}", headers=ctx.seller.headers)
    assert removed.status_code == 204
    assert (
        await client.delete(f"{members_url}/{ada.id}", headers=ctx.seller.headers)
    ).status_code == 404
    ada_groups = await client.get(
        f"{ctx.base}/customers/{ada.id}/groups", headers=ctx.seller.headers
    )
    assert ada_groups.json()["data"] == []

    events = await client.get(f"{ctx.base}/customers/{ada.id}/events", headers=ctx.seller.headers)
    actions = [e["action"] for e in events.json()["data"]]
    assert actions[:2] == ["group_removed", "group_added"]


async def test_groups_take_only_their_own_stores_customers(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ours, theirs = await factory.store(), await factory.store()
    group = (
        await client.post(f"{ours.base}/groups", json={"name": "VIP"}, headers=ours.admin.headers)
    ).json()
    foreign = await factory.customer(theirs)
    unknown = uuid.uuid4()
    refused = await client.post(
        f"{ours.base}/groups/{group['id']}/customers",
        json={"customer_ids": [str(foreign.id), str(unknown)]},
        headers=ours.admin.headers,
    )
    assert refused.status_code == 422
    assert {e["message"] for e in refused.json()["errors"]} == {
        f"no customer {foreign.id}",
        f"no customer {unknown}",
    }
    outsider = await client.get(f"{ours.base}/groups/{group['id']}", headers=theirs.owner.headers)
    assert outsider.status_code == 404
    cross = await client.get(f"{theirs.base}/groups/{group['id']}", headers=theirs.owner.headers)
    assert cross.status_code == 404
    empty = await client.post(
        f"{ours.base}/groups/{group['id']}/customers",
        json={"customer_ids": []},
        headers=ours.admin.headers,
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "customer_ids"
