"""GET, PATCH, DELETE, restore, activate and deactivate of one customer."""

import asyncio
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.customers.helpers import create, ids, problem, unique_email, url
from tests.factories import Factory, StoreCtx


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def get(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: str) -> httpx.Response:
    return await client.get(url(ctx, customer_id), headers=ctx.seller.headers)


async def patch(
    client: httpx.AsyncClient, ctx: StoreCtx, customer_id: str, body: Any, **headers: str
) -> httpx.Response:
    return await client.patch(
        url(ctx, customer_id), json=body, headers={**ctx.seller.headers, **headers}
    )


async def as_admin(
    client: httpx.AsyncClient, ctx: StoreCtx, method: str, customer_id: str, action: str = ""
) -> httpx.Response:
    return await client.request(
        method, url(ctx, customer_id, action or None), headers=ctx.admin.headers
    )


# --- GET -------------------------------------------------------------------------------------


async def test_get_returns_the_customer_with_its_version_as_etag(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx, first_name="Ines", last_name="Moreau")
    response = await get(client, ctx, str(customer.id))
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert body["id"] == str(customer.id)
    assert body["name"] == "Ines Moreau"
    assert body["email"] == customer.email
    assert body["version"] == 1


async def test_unknown_id_is_404_everywhere(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    missing = str(uuid.uuid4())
    for method, action, headers in (
        ("GET", None, ctx.seller.headers),
        ("PATCH", None, ctx.seller.headers),
        ("DELETE", None, ctx.admin.headers),
        ("POST", "restore", ctx.admin.headers),
        ("POST", "activate", ctx.admin.headers),
        ("POST", "deactivate", ctx.admin.headers),
        ("GET", "events", ctx.seller.headers),
    ):
        kwargs: dict[str, Any] = {"json": {"first_name": "X"}} if method == "PATCH" else {}
        response = await client.request(
            method, url(ctx, missing, action), headers=headers, **kwargs
        )
        problem(response, 404)


async def test_another_stores_customer_is_404_and_untouched(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    mine, theirs = await factory.store(), await factory.store()
    # Staff of both stores: membership of one store is no key to the other's customers.
    customer = await factory.customer(theirs, first_name="Secret", email=unique_email())
    target = str(customer.id)
    for method, action in (
        ("GET", None),
        ("PATCH", None),
        ("DELETE", None),
        ("POST", "restore"),
        ("POST", "activate"),
        ("POST", "deactivate"),
        ("GET", "events"),
    ):
        kwargs: dict[str, Any] = {"json": {"first_name": "Hacked"}} if method == "PATCH" else {}
        response = await client.request(
            method, url(mine, target, action), headers=mine.owner.headers, **kwargs
        )
        problem(response, 404)
    stored = await factory.get_customer(theirs, target)
    assert stored is not None
    assert (stored.first_name, stored.deleted_at, stored.is_active, stored.version) == (
        "Secret",
        None,
        True,
        1,
    )
    assert await ids(client, mine) == []


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("GET", None),
        ("PATCH", None),
        ("DELETE", None),
        ("POST", "restore"),
        ("POST", "activate"),
        ("POST", "deactivate"),
        ("GET", "events"),
    ],
)
async def test_bad_uuid_in_path_is_422_naming_the_field(
    client: httpx.AsyncClient, factory: Factory, method: str, action: str | None
) -> None:
    ctx = await factory.store()
    kwargs: dict[str, Any] = {"json": {"first_name": "X"}} if method == "PATCH" else {}
    response = await client.request(
        method, url(ctx, "not-a-uuid", action), headers=ctx.owner.headers, **kwargs
    )
    problem(response, 422, "customer_id")


# --- PATCH -----------------------------------------------------------------------------------


async def test_patch_changes_only_the_given_fields(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="DE")
    created = await create(
        client,
        ctx,
        {
            "first_name": "Jonas",
            "last_name": "Berg",
            "email": unique_email(),
            "phone": "+49 30 1234567",
            "labels": [{"key": "vip", "value": "1"}],
            "metadata": {"a": "1"},
            "company": {"name": "Berg AG", "tax_id": "T1"},
        },
    )
    response = await patch(
        client, ctx, created["id"], {"last_name": " Berger ", "phone": "0151 2345 678"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    expected = {
        **created,
        "last_name": "Berger",
        "name": "Jonas Berger",
        "phone": "+491512345678",
        "version": 2,
        "updated_at": body["updated_at"],
    }
    assert body == expected
    assert parse_ts(body["updated_at"]) > parse_ts(created["updated_at"])
    assert body["created_at"] == created["created_at"]

    fetched = await get(client, ctx, created["id"])
    assert fetched.headers["etag"] == '"2"'
    assert fetched.json() == body
    stored = await factory.get_customer(ctx, created["id"])
    assert stored is not None
    assert (stored.phone, stored.phone_e164) == ("0151 2345 678", "+491512345678")


async def test_patch_null_clears_fields(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    created = await create(
        client,
        ctx,
        {
            "first_name": "Mia",
            "last_name": "Kovac",
            "title": "Prof.",
            "email": unique_email(),
            "phone": "+385 1 4567 890",
            "fax": "+385 1 4567 891",
            "birth_date": "1980-02-29",
            "gender": "female",
            "language": "hr",
            "website": "https://kovac.example/",
            "preferred_currency": "EUR",
            "company": {"name": "Kovac d.o.o."},
            "loyalty_card_number": "K-1",
            "labels": [{"key": "vip"}],
            "preferences": {"x": 1},
            "metadata": {"k": "v"},
        },
    )
    cleared = [
        "first_name",
        "title",
        "email",
        "phone",
        "fax",
        "birth_date",
        "gender",
        "language",
        "website",
        "preferred_currency",
        "company",
        "loyalty_card_number",
    ]
    body: dict[str, Any] = dict.fromkeys(cleared)
    body |= {"labels": None, "preferences": None, "metadata": None}
    response = await patch(client, ctx, created["id"], body)
    assert response.status_code == 200, response.text
    result = response.json()
    for field in cleared:
        assert result[field] is None, field
    assert (result["labels"], result["preferences"], result["metadata"]) == ([], {}, {})
    assert result["last_name"] == "Kovac"
    assert result["name"] == "Kovac"
    assert (await get(client, ctx, created["id"])).json() == result

    stored = await factory.get_customer(ctx, created["id"])
    assert stored is not None
    assert (stored.email, stored.email_key, stored.phone, stored.phone_e164) == (
        None,
        "",
        None,
        None,
    )


async def test_patch_blank_name_becomes_null(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Al", "last_name": "Bo"})
    response = await patch(client, ctx, created["id"], {"first_name": "   "})
    assert response.status_code == 200, response.text
    assert response.json()["first_name"] is None
    assert response.json()["name"] == "Bo"


async def test_patch_that_leaves_nothing_to_identify_is_422_and_changes_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Solo"})
    response = await patch(client, ctx, created["id"], {"first_name": None, "title": "Dr."})
    problem(response, 422)
    fetched = await get(client, ctx, created["id"])
    assert fetched.json() == created


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": None}, "status"),
        ({"status": "deleted"}, "status"),
        ({"is_active": False}, "is_active"),
        ({"version": 7}, "version"),
        ({"nickname": "x"}, "nickname"),
        ({"email": "nope"}, "email"),
        ({"phone": "nope"}, "phone"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"metadata": {"k": "v" * 501}}, "metadata.k"),
    ],
)
async def test_invalid_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, factory: Factory, body: dict[str, Any], field: str
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Stay", "email": unique_email()})
    response = await patch(client, ctx, created["id"], {"last_name": "Changed", **body})
    problem(response, 422, field)
    assert (await get(client, ctx, created["id"])).json() == created


async def test_patch_to_a_taken_email_is_409_and_changes_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    taken = unique_email()
    await create(client, ctx, {"email": taken})
    other = await create(client, ctx, {"first_name": "Other", "email": unique_email()})
    response = await patch(
        client, ctx, other["id"], {"first_name": "Renamed", "email": taken.upper()}
    )
    problem(response, 409, "email")
    assert (await get(client, ctx, other["id"])).json() == other


async def test_patch_own_email_to_another_case_is_fine(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    email = unique_email("lower")
    created = await create(client, ctx, {"email": email})
    response = await patch(client, ctx, created["id"], {"email": email.upper()})
    assert response.status_code == 200, response.text
    assert response.json()["email"] == email.upper()


async def test_patch_to_a_taken_loyalty_card_is_409(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    await create(client, ctx, {"first_name": "A", "loyalty_card_number": "CARD-9"})
    other = await create(client, ctx, {"first_name": "B"})
    response = await patch(client, ctx, other["id"], {"loyalty_card_number": "CARD-9"})
    problem(response, 409, "loyalty_card_number")
    assert (await get(client, ctx, other["id"])).json()["loyalty_card_number"] is None


async def test_if_match_guards_against_lost_updates(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Ver"})
    etag = (await get(client, ctx, created["id"])).headers["etag"]
    assert etag == '"1"'

    first = await patch(client, ctx, created["id"], {"last_name": "One"}, **{"If-Match": etag})
    assert first.status_code == 200, first.text
    assert first.headers["etag"] == '"2"'
    assert first.json()["version"] == 2

    stale = await patch(client, ctx, created["id"], {"last_name": "Two"}, **{"If-Match": etag})
    problem(stale, 412)
    current = await get(client, ctx, created["id"])
    assert current.json()["last_name"] == "One"
    assert current.json()["version"] == 2
    assert current.headers["etag"] == '"2"'

    fresh = await patch(
        client, ctx, created["id"], {"last_name": "Two"}, **{"If-Match": current.headers["etag"]}
    )
    assert fresh.status_code == 200
    assert fresh.json()["last_name"] == "Two"
    assert fresh.json()["version"] == 3


@pytest.mark.parametrize("if_match", ['"99"', '"0"', '"abc"', "garbage"])
async def test_if_match_that_is_not_the_current_etag_is_412(
    client: httpx.AsyncClient, factory: Factory, if_match: str
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Ver"})
    response = await patch(
        client, ctx, created["id"], {"first_name": "X"}, **{"If-Match": if_match}
    )
    problem(response, 412)
    assert (await get(client, ctx, created["id"])).json() == created


async def test_if_match_star_always_matches(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Ver"})
    response = await patch(client, ctx, created["id"], {"first_name": "X"}, **{"If-Match": "*"})
    assert response.status_code == 200
    assert response.json()["first_name"] == "X"


async def test_each_patch_increments_the_version(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "V"})
    for n in range(2, 5):
        response = await patch(client, ctx, created["id"], {"title": f"T{n}"})
        assert response.json()["version"] == n
        assert response.headers["etag"] == f'"{n}"'
    stored = await factory.get_customer(ctx, created["id"])
    assert stored is not None
    assert stored.version == 4


async def test_patch_that_changes_nothing_keeps_the_version(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Same", "labels": [{"key": "a"}]})
    response = await patch(
        client, ctx, created["id"], {"first_name": "Same", "labels": [{"key": "a", "value": ""}]}
    )
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"1"'


async def test_patch_replaces_labels_preferences_metadata_and_company(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(
        client,
        ctx,
        {
            "first_name": "R",
            "labels": [{"key": "a", "value": "1"}, {"key": "b"}],
            "preferences": {"p": True},
            "metadata": {"m": "1", "n": "2"},
            "company": {"name": "Old", "tax_id": "OLD"},
        },
    )
    response = await patch(
        client,
        ctx,
        created["id"],
        {
            "labels": [{"key": "c", "value": "3"}],
            "preferences": {"q": 5},
            "metadata": {"n": "20"},
            "company": {"name": "New"},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["labels"] == [{"key": "c", "value": "3"}]
    assert body["preferences"] == {"q": 5}
    assert body["metadata"] == {"n": "20"}
    assert body["company"] == {"name": "New", "tax_id": None}
    assert (await get(client, ctx, created["id"])).json() == body


async def test_patch_consents_keeps_history_per_consent(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(
        client, ctx, {"first_name": "C", "consents": {"agreement1": True, "sms_marketing": True}}
    )
    first = created["consents"]
    response = await patch(
        client, ctx, created["id"], {"consents": {"agreement1": False, "agreement2": True}}
    )
    assert response.status_code == 200, response.text
    consents = response.json()["consents"]
    assert set(consents) == {"agreement1", "agreement2", "sms_marketing"}
    assert consents["sms_marketing"] == first["sms_marketing"]
    revoked = consents["agreement1"]
    assert revoked["granted"] is False
    assert revoked["granted_at"] is None
    assert parse_ts(revoked["updated_at"]) > parse_ts(first["agreement1"]["updated_at"])
    assert consents["agreement2"]["granted"] is True
    assert consents["agreement2"]["granted_at"] == consents["agreement2"]["updated_at"]

    # Granting again what is already granted changes nothing.
    again = await patch(client, ctx, created["id"], {"consents": {"agreement2": True}})
    assert again.json()["consents"] == consents
    assert again.json()["version"] == 2


async def test_patch_status_blocked_and_back(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "S"})
    as_seller = await patch(client, ctx, created["id"], {"status": "blocked"})
    assert as_seller.status_code == 403  # blocking needs an admin (and so does lifting it)
    same = await patch(client, ctx, created["id"], {"status": "active"})
    assert same.status_code == 200  # no change, nothing to allow
    admin = ctx.admin.headers
    blocked = await patch(client, ctx, created["id"], {"status": "blocked"}, **admin)
    assert (blocked.json()["status"], blocked.json()["is_active"]) == ("blocked", False)
    active = await patch(client, ctx, created["id"], {"status": "active"}, **admin)
    assert (active.json()["status"], active.json()["is_active"]) == ("active", True)


async def test_patch_with_malformed_json_is_400(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "J"})
    response = await client.patch(
        url(ctx, created["id"]),
        content=b"{nope",
        headers={**ctx.seller.headers, "Content-Type": "application/json"},
    )
    problem(response, 400)


# --- DELETE and restore ----------------------------------------------------------------------


async def test_delete_is_soft_and_restore_brings_it_back(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Gone", "email": unique_email()})
    kept = await create(client, ctx, {"first_name": "Kept"})
    cid = created["id"]

    deleted = await as_admin(client, ctx, "DELETE", cid)
    assert deleted.status_code == 204
    assert deleted.content == b""

    problem(await get(client, ctx, cid), 404)
    assert await ids(client, ctx) == [kept["id"]]
    listed = await client.get(url(ctx), params={"status": "deleted"}, headers=ctx.seller.headers)
    assert [c["id"] for c in listed.json()["data"]] == [cid]
    gone = listed.json()["data"][0]
    assert gone["status"] == "deleted"
    assert gone["deleted_at"] is not None
    assert gone["version"] == 2

    stored = await factory.get_customer(ctx, cid)
    assert stored is not None
    assert stored.deleted_at is not None

    problem(await as_admin(client, ctx, "DELETE", cid), 404)
    problem(await patch(client, ctx, cid, {"first_name": "Zombie"}), 404)

    restored = await as_admin(client, ctx, "POST", cid, "restore")
    assert restored.status_code == 200, restored.text
    body = restored.json()
    assert body["status"] == "active"
    assert body["deleted_at"] is None
    assert body["first_name"] == "Gone"
    assert body["version"] == 3
    assert restored.headers["etag"] == '"3"'
    assert (await get(client, ctx, cid)).json() == body
    assert sorted(await ids(client, ctx)) == sorted([cid, kept["id"]])
    empty = await client.get(url(ctx), params={"status": "deleted"}, headers=ctx.seller.headers)
    assert empty.json()["data"] == []


async def test_restore_keeps_the_status_from_before_the_delete(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "B", "status": "blocked"})
    assert (await as_admin(client, ctx, "DELETE", created["id"])).status_code == 204
    restored = await as_admin(client, ctx, "POST", created["id"], "restore")
    assert (restored.json()["status"], restored.json()["is_active"]) == ("blocked", False)


async def test_restoring_a_live_customer_changes_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Alive"})
    response = await as_admin(client, ctx, "POST", created["id"], "restore")
    assert response.status_code == 200
    assert response.json() == created


async def test_delete_with_stale_if_match_is_412_and_keeps_the_customer(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Keep"})
    await patch(client, ctx, created["id"], {"title": "Dr."})
    response = await client.delete(
        url(ctx, created["id"]), headers={**ctx.admin.headers, "If-Match": '"1"'}
    )
    problem(response, 412)
    assert (await get(client, ctx, created["id"])).status_code == 200
    ok = await client.delete(
        url(ctx, created["id"]), headers={**ctx.admin.headers, "If-Match": '"2"'}
    )
    assert ok.status_code == 204


async def test_email_of_a_deleted_customer_can_be_reused_and_then_blocks_restore(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    email = unique_email("reuse")
    old = await create(client, ctx, {"first_name": "Old", "email": email})
    assert (await as_admin(client, ctx, "DELETE", old["id"])).status_code == 204

    new = await create(client, ctx, {"first_name": "New", "email": email.upper()})
    response = await as_admin(client, ctx, "POST", old["id"], "restore")
    problem(response, 409, "email")
    assert await ids(client, ctx) == [new["id"]]
    stored = await factory.get_customer(ctx, old["id"])
    assert stored is not None
    assert stored.deleted_at is not None

    # Once the new customer lets go of the address, the old one can come back.
    assert (await patch(client, ctx, new["id"], {"email": None})).status_code == 200
    restored = await as_admin(client, ctx, "POST", old["id"], "restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["email"] == email


async def test_loyalty_card_of_a_deleted_customer_can_be_reused_and_then_blocks_restore(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    old = await create(client, ctx, {"first_name": "Old", "loyalty_card_number": "LC-77"})
    assert (await as_admin(client, ctx, "DELETE", old["id"])).status_code == 204
    await create(client, ctx, {"first_name": "New", "loyalty_card_number": "LC-77"})
    problem(await as_admin(client, ctx, "POST", old["id"], "restore"), 409, "loyalty_card_number")


# --- roles -----------------------------------------------------------------------------------


async def test_seller_may_activate_and_deactivate_but_not_lift_a_block(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    for action, active in (("deactivate", False), ("activate", True)):
        response = await client.post(url(ctx, customer.id, action), headers=ctx.seller.headers)
        assert response.status_code == 200, response.text
        assert response.json()["is_active"] is active
    blocked = await factory.customer(ctx, status="blocked")
    refused = await client.post(url(ctx, blocked.id, "activate"), headers=ctx.seller.headers)
    problem(refused, 403)
    after = await factory.get_customer(ctx, blocked.id)
    assert after is not None
    assert after.status == "blocked"


@pytest.mark.parametrize(
    ("method", "action"),
    [("DELETE", None), ("POST", "restore"), ("POST", "activate")],
)
async def test_seller_may_not_delete_restore_or_unblock(
    client: httpx.AsyncClient, factory: Factory, method: str, action: str | None
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx, status="blocked")
    if action == "restore":
        assert (await as_admin(client, ctx, "DELETE", str(customer.id))).status_code == 204
    before = await factory.get_customer(ctx, customer.id)
    assert before is not None
    response = await client.request(
        method, url(ctx, customer.id, action), headers=ctx.seller.headers
    )
    problem(response, 403)
    after = await factory.get_customer(ctx, customer.id)
    assert after is not None
    assert (after.deleted_at, after.status, after.is_active, after.version) == (
        before.deleted_at,
        before.status,
        before.is_active,
        before.version,
    )


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_owner_and_admin_may_delete_and_restore(
    client: httpx.AsyncClient, factory: Factory, role: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    headers = getattr(ctx, role).headers
    assert (await client.delete(url(ctx, customer.id), headers=headers)).status_code == 204
    restored = await client.post(url(ctx, customer.id, "restore"), headers=headers)
    assert restored.status_code == 200


@pytest.mark.parametrize("role", ["owner", "admin", "seller"])
async def test_every_role_may_read_and_update(
    client: httpx.AsyncClient, factory: Factory, role: str
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    headers = getattr(ctx, role).headers
    assert (await client.get(url(ctx, customer.id), headers=headers)).status_code == 200
    response = await client.patch(url(ctx, customer.id), json={"title": role}, headers=headers)
    assert response.status_code == 200
    assert response.json()["title"] == role


# --- activate / deactivate -------------------------------------------------------------------


async def test_deactivate_and_activate(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Act"})
    off = await as_admin(client, ctx, "POST", created["id"], "deactivate")
    assert off.status_code == 200, off.text
    assert (off.json()["is_active"], off.json()["status"], off.json()["version"]) == (
        False,
        "active",
        2,
    )
    assert off.headers["etag"] == '"2"'
    assert (await get(client, ctx, created["id"])).json()["is_active"] is False
    assert await ids(client, ctx, is_active="false") == [created["id"]]

    on = await as_admin(client, ctx, "POST", created["id"], "activate")
    assert (on.json()["is_active"], on.json()["status"], on.json()["version"]) == (
        True,
        "active",
        3,
    )
    assert (await get(client, ctx, created["id"])).json()["is_active"] is True


@pytest.mark.parametrize("status", ["new", "blocked"])
async def test_activate_lifts_a_block_and_ends_new(
    client: httpx.AsyncClient, factory: Factory, status: str
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "B", "status": status})
    response = await as_admin(client, ctx, "POST", created["id"], "activate")
    assert (response.json()["status"], response.json()["is_active"]) == ("active", True)
    stored = await factory.get_customer(ctx, created["id"])
    assert stored is not None
    assert (stored.status, stored.is_active) == ("active", True)


async def test_deactivate_keeps_the_status(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "N", "status": "new"})
    response = await as_admin(client, ctx, "POST", created["id"], "deactivate")
    assert (response.json()["status"], response.json()["is_active"]) == ("new", False)


async def test_activate_a_deleted_customer_is_404(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "D"})
    await as_admin(client, ctx, "DELETE", created["id"])
    problem(await as_admin(client, ctx, "POST", created["id"], "activate"), 404)
    problem(await as_admin(client, ctx, "POST", created["id"], "deactivate"), 404)


# --- concurrency -----------------------------------------------------------------------------


async def test_concurrent_patches_with_one_if_match_let_exactly_one_win(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Race"})
    responses = await asyncio.gather(
        *(
            patch(client, ctx, created["id"], {"last_name": f"L{i}"}, **{"If-Match": '"1"'})
            for i in range(5)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412, 412, 412, 412], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    current = (await get(client, ctx, created["id"])).json()
    assert current["last_name"] == winner["last_name"]
    assert current["version"] == 2


async def test_concurrent_patches_without_if_match_all_apply(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Many"})
    fields = ["last_name", "display_name", "title", "loyalty_card_number"]
    responses = await asyncio.gather(
        *(patch(client, ctx, created["id"], {field: f"v-{field}"}) for field in fields)
    )
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    current = (await get(client, ctx, created["id"])).json()
    assert {field: current[field] for field in fields} == {f: f"v-{f}" for f in fields}
    assert current["version"] == 5


async def test_concurrent_delete_and_patch(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    created = await create(client, ctx, {"first_name": "Gone"})
    deleted, patched = await asyncio.gather(
        client.delete(url(ctx, created["id"]), headers=ctx.admin.headers),
        patch(client, ctx, created["id"], {"title": "Dr."}),
    )
    assert deleted.status_code == 204
    assert patched.status_code in (200, 404), patched.text
    stored = await factory.get_customer(ctx, created["id"])
    assert stored is not None
    assert stored.deleted_at is not None
