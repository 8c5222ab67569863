"""The console over plain HTTP: sign-in and its CSRF, the list, a customer's page and its
forms, import and export, the admin pages, and who may see what."""

import json
import uuid

import httpx
import pytest

from clientbook.models import Membership
from clientbook.stores.scope import Role
from tests.factories import PASSWORD, Factory, StoreCtx
from tests.surfaces.console.helpers import csrf_of, sign_in


async def _customer_page(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: object) -> str:
    page = await client.get(f"/console/{ctx.code}/customers/{customer_id}")
    assert page.status_code == 200, page.text
    return page.text


async def test_a_page_without_a_session_leads_to_the_sign_in(client: httpx.AsyncClient) -> None:
    answer = await client.get("/console/ANY/customers?q=x")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/sign-in?next=/console/ANY/customers")


async def test_sign_in_needs_the_forms_csrf_token(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    answer = await client.post(
        "/console/sign-in", data={"email": ctx.owner.email, "password": "correct horse battery"}
    )
    assert answer.status_code == 403
    assert "clientbook_console" not in answer.headers.get("set-cookie", "")


async def test_a_wrong_password_is_shown_next_to_the_field(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    page = await client.get("/console/sign-in")
    answer = await client.post(
        "/console/sign-in",
        data={"email": ctx.owner.email, "password": "wrong", "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 401
    assert 'id="e-password" role="alert">Incorrect e-mail or password' in answer.text
    assert 'name="email"' in answer.text
    assert ctx.owner.email in answer.text


async def test_sign_in_lands_on_the_store_and_sign_out_ends_the_session(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    csrf = await sign_in(client, ctx.seller)
    listing = await client.get(f"/console/{ctx.code}/customers")
    assert listing.status_code == 200
    cookie = client.cookies.get("clientbook_console")
    refused = await client.post("/console/sign-out")  # no CSRF token
    assert refused.status_code == 403
    out = await client.post("/console/sign-out", data={"csrf_token": csrf})
    assert out.status_code == 303
    # The old cookie, replayed, is dead: its session was revoked.
    client.cookies.set("clientbook_console", cookie or "", path="/console")
    again = await client.get(f"/console/{ctx.code}/customers")
    assert again.status_code == 303
    assert "/console/sign-in" in again.headers["location"]


async def test_pages_carry_the_consoles_content_security_policy(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    await sign_in(client, ctx.owner)
    page = await client.get(f"/console/{ctx.code}/customers")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in page.text  # no inline script anywhere
    css = await client.get("/console/static/console.css")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]


async def test_search_and_filters_use_the_customer_list(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store(country="PL")
    await factory.customer(ctx, first_name="Zofia", last_name="Nowak", phone="+48 601 200 300")
    await factory.customer(ctx, first_name="Adam", last_name="Kowal", is_active=False)
    await sign_in(client, ctx.seller)
    base = f"/console/{ctx.code}/customers"
    by_name = await client.get(base, params={"q": "zof"}, headers={"X-Console-Fetch": "1"})
    assert "Zofia Nowak" in by_name.text
    assert "Adam" not in by_name.text
    assert "<html" not in by_name.text  # the search box gets only the results
    by_phone = await client.get(base, params={"q": "601200"})
    assert "Zofia Nowak" in by_phone.text
    assert "<html" in by_phone.text
    inactive = await client.get(base, params={"is_active": "false", "sort": "name", "order": "asc"})
    assert "Adam Kowal" in inactive.text
    assert "Zofia" not in inactive.text


async def test_an_edit_shows_the_apis_field_error_then_saves(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx, first_name="Ewa")
    csrf = await sign_in(client, ctx.seller)
    url = f"/console/{ctx.code}/customers/{customer.id}"
    bad = await client.post(
        url, data={"csrf_token": csrf, "first_name": "Ewa", "email": "not-an-email"}
    )
    assert bad.status_code == 422
    assert 'id="e-email" role="alert"' in bad.text
    assert 'value="not-an-email"' in bad.text  # what was typed stays in the field
    stored = await factory.get_customer(ctx, customer.id)
    assert stored is not None
    assert stored.email == customer.email
    good = await client.post(
        url,
        data={
            "csrf_token": csrf,
            "first_name": "Ewa",
            "last_name": "Lis",
            "email": "ewa@example.com",
            "labels": "vip, tier:gold",
            "metadata": "source=counter",
        },
    )
    assert good.status_code == 303
    stored = await factory.get_customer(ctx, customer.id)
    assert stored is not None
    assert stored.last_name == "Lis"
    assert stored.email == "ewa@example.com"
    assert stored.labels == [{"key": "vip", "value": ""}, {"key": "tier", "value": "gold"}]
    assert stored.metadata_ == {"source": "counter"}
    page = await _customer_page(client, ctx, customer.id)
    assert "updated" in page
    assert ctx.seller.email in page


async def test_a_form_without_its_csrf_token_changes_nothing(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx, first_name="Ewa")
    await sign_in(client, ctx.owner)
    answer = await client.post(
        f"/console/{ctx.code}/customers/{customer.id}", data={"first_name": "Hacked"}
    )
    assert answer.status_code == 403
    stored = await factory.get_customer(ctx, customer.id)
    assert stored is not None
    assert stored.first_name == "Ewa"


async def test_create_deactivate_delete_and_restore(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    csrf = await sign_in(client, ctx.admin)
    base = f"/console/{ctx.code}/customers"
    taken = await factory.customer(ctx, email="taken@example.com")
    duplicate = await client.post(
        f"{base}/new", data={"csrf_token": csrf, "first_name": "B", "email": "TAKEN@example.com"}
    )
    assert duplicate.status_code == 409
    assert 'id="e-email"' in duplicate.text
    made = await client.post(
        f"{base}/new", data={"csrf_token": csrf, "first_name": "Nina", "email": "n@example.com"}
    )
    assert made.status_code == 303
    url = made.headers["location"]
    for action, check in (
        ("deactivate", lambda c: not c.is_active),
        ("activate", lambda c: c.is_active),
        ("delete", lambda c: c.deleted_at is not None),
        ("restore", lambda c: c.deleted_at is None),
    ):
        answer = await client.post(f"{url}/{action}", data={"csrf_token": csrf})
        assert answer.status_code == 303, (action, answer.text)
        stored = await factory.get_customer(ctx, url.rsplit("/", 1)[1])
        assert stored is not None
        assert check(stored), action
    assert taken.id


async def test_points_with_a_field_error_then_added(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    csrf = await sign_in(client, ctx.seller)
    url = f"/console/{ctx.code}/customers/{customer.id}/points"
    bad = await client.post(url, data={"csrf_token": csrf, "type": "earn", "amount": "-5"})
    assert bad.status_code == 422
    assert 'id="e-amount" role="alert"' in bad.text
    overspend = await client.post(url, data={"csrf_token": csrf, "type": "spend", "amount": "5"})
    assert overspend.status_code == 409
    good = await client.post(
        url, data={"csrf_token": csrf, "type": "earn", "amount": "120", "reason": "Welcome"}
    )
    assert good.status_code == 303
    page = await _customer_page(client, ctx, customer.id)
    assert 'data-wallet="points">120<' in page
    assert "Welcome" in page


async def test_upload_preview_and_download_a_file(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    csrf = await sign_in(client, ctx.seller)
    url = f"/console/{ctx.code}/customers/{customer.id}/files"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    refused = await client.post(
        url,
        files={"document": ("run.exe", b"MZ\x90\x00\x03" + bytes(range(256)), "application/pdf")},
        headers={"X-CSRF-Token": csrf, "X-Console-Fetch": "1"},
    )
    assert refused.status_code == 415
    assert refused.json()["field"] == "file"
    sent = await client.post(
        url,
        files={"document": ("scan.png", png, "image/png")},
        headers={"X-CSRF-Token": csrf},
    )
    assert sent.status_code == 303, sent.text
    page = await _customer_page(client, ctx, customer.id)
    file_id = page.split("/files/")[1].split("/")[0]
    preview = await client.get(f"{url}/{file_id}/preview")
    assert preview.status_code == 200
    assert preview.content == png
    assert preview.headers["content-disposition"] == "inline"
    assert preview.headers["content-type"] == "image/png"
    download = await client.get(f"{url}/{file_id}")
    assert download.headers["content-disposition"].startswith("attachment")


async def test_import_streams_progress_and_failures_then_export(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    csrf = await sign_in(client, ctx.admin)
    rows = "email,first_name\nh1@example.com,Hana\nnot-an-email,Bad\nh2@example.com,Hugo\n"
    answer = await client.post(
        f"/console/{ctx.code}/import?mode=skip",
        files={"file": ("people.csv", rows.encode(), "text/csv")},
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 200
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert lines[0]["done"] == 3
    assert [f["row"] for f in lines[0]["failed"]] == [2]
    assert lines[-1]["summary"]["created"] == 2
    assert lines[-1]["summary"]["errors"] == 1
    export = await client.get(f"/console/{ctx.code}/export?format=csv")
    assert export.status_code == 200
    assert "h1@example.com" in export.text


@pytest.mark.parametrize("path", ["import", "members", "api-keys", "webhooks", "export"])
async def test_a_seller_neither_sees_nor_reaches_the_admin_pages(
    client: httpx.AsyncClient, factory: Factory, path: str
) -> None:
    ctx = await factory.store()
    await sign_in(client, ctx.seller)
    listing = await client.get(f"/console/{ctx.code}/customers")
    assert f'href="/console/{ctx.code}/{path}"' not in listing.text
    answer = await client.get(f"/console/{ctx.code}/{path}")
    assert answer.status_code == 403


async def test_a_seller_sees_no_delete(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    await sign_in(client, ctx.seller)
    page = await _customer_page(client, ctx, customer.id)
    assert "/delete" not in page
    assert "/deactivate" in page


async def test_another_stores_customer_and_store_are_not_found(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    mine, theirs = await factory.store(), await factory.store()
    stranger = await factory.customer(theirs)
    csrf = await sign_in(client, mine.owner)
    for url in (
        f"/console/{mine.code}/customers/{stranger.id}",
        f"/console/{theirs.code}/customers/{stranger.id}",
        f"/console/{theirs.code}/customers",
        f"/console/{theirs.code}/members",
    ):
        answer = await client.get(url)
        assert answer.status_code == 404, url
    for url in (
        f"/console/{mine.code}/customers/{stranger.id}",
        f"/console/{mine.code}/customers/{stranger.id}/points",
        f"/console/{mine.code}/customers/{stranger.id}/delete",
    ):
        answer = await client.post(
            url, data={"csrf_token": csrf, "first_name": "X", "amount": "5", "type": "earn"}
        )
        assert answer.status_code == 404, url
    stored = await factory.get_customer(theirs, stranger.id)
    assert stored is not None
    assert stored.first_name == "Test"
    assert stored.deleted_at is None


async def test_admin_pages_create_and_revoke(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    csrf = await sign_in(client, ctx.owner)
    base = f"/console/{ctx.code}"
    members = await client.get(f"{base}/members")
    assert ctx.seller.email in members.text
    bad = await client.post(
        f"{base}/members", data={"csrf_token": csrf, "email": "x", "role": "seller"}
    )
    assert bad.status_code == 422
    assert "e-email" in bad.text
    invited = await client.post(
        f"{base}/members", data={"csrf_token": csrf, "email": "new@example.com", "role": "seller"}
    )
    assert invited.status_code == 303
    key = await client.post(
        f"{base}/api-keys", data={"csrf_token": csrf, "name": "till", "role": "seller"}
    )
    assert key.status_code == 201
    assert "cbk_" in key.text
    key_id = key.text.split("/api-keys/")[1].split("/")[0]
    uuid.UUID(key_id)
    revoked = await client.post(f"{base}/api-keys/{key_id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert "till" not in (await client.get(f"{base}/api-keys")).text
    hook = await client.post(
        f"{base}/webhooks",
        data={
            "csrf_token": csrf,
            "url": "https://hooks.example.com/x",
            "events": ["customer.created"],
        },
    )
    assert hook.status_code == 201
    assert "whsec_" in hook.text
    endpoint_id = hook.text.split(f"{base}/webhooks/")[1].split('"')[0]
    deliveries = await client.get(f"{base}/webhooks/{endpoint_id}")
    assert deliveries.status_code == 200
    assert "No deliveries yet" in deliveries.text


async def test_hostile_input_is_refused_with_a_page(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    csrf = await sign_in(client, ctx.owner)
    base = f"/console/{ctx.code}/customers"
    for params in ({"q": "a\x00b"}, {"q": "x" * 5000}, {"page": "0"}, {"group": "nope"}):
        answer = await client.get(base, params=params)
        assert 400 <= answer.status_code < 500, params
        assert "text/html" in answer.headers["content-type"]
    nul = await client.post(
        f"{base}/{customer.id}", data={"csrf_token": csrf, "first_name": "A\x00B"}
    )
    assert 400 <= nul.status_code < 500
    deep = await client.post(
        f"{base}/{customer.id}", data={"csrf_token": csrf, "metadata": "no equals sign"}
    )
    assert deep.status_code == 422
    assert 'id="e-metadata" role="alert"' in deep.text
    stored = await factory.get_customer(ctx, customer.id)
    assert stored is not None
    assert stored.first_name == "Test"


async def test_switching_stores_and_no_redirect_off_the_console(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    first, second = await factory.store(), await factory.store()
    async with factory.database.transaction() as session:
        session.add(Membership(store_id=second.id, user_id=first.seller.user.id, role=Role.admin))
    page = await client.get("/console/sign-in?next=//evil.example/x")
    answer = await client.post(
        "/console/sign-in",
        data={
            "email": first.seller.email,
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "//evil.example/x",
        },
    )
    assert answer.headers["location"] == "/console"
    stores = await client.get("/console")
    assert f'href="/console/{first.code}/customers"' in stores.text
    assert f'href="/console/{second.code}/customers"' in stores.text
    # The role is the membership's in each store: admin pages only in the second.
    assert (await client.get(f"/console/{first.code}/members")).status_code == 403
    assert (await client.get(f"/console/{second.code}/members")).status_code == 200


async def test_group_tier_and_label_filters(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await factory.store()
    owner = ctx.owner.headers
    grouped = await factory.customer(ctx, first_name="Gala", labels=[{"key": "vip"}])
    golden = await factory.customer(ctx, first_name="Goldie")
    await factory.customer(ctx, first_name="Plain")
    group = await client.post(f"{ctx.base}/groups", json={"name": "Wholesale"}, headers=owner)
    await client.post(
        f"{ctx.base}/groups/{group.json()['id']}/customers",
        json={"customer_ids": [str(grouped.id)]},
        headers=owner,
    )
    tier = await client.post(
        f"{ctx.base}/tiers",
        json={"name": "Gold", "reward_percent": "5", "condition_value": "100"},
        headers=owner,
    )
    assert tier.status_code == 201, tier.text
    earned = await client.post(
        f"{ctx.base}/customers/{golden.id}/points",
        json={"wallet": "points", "type": "earn", "amount": "150"},
        headers=owner,
    )
    assert earned.status_code == 201, earned.text
    await sign_in(client, ctx.seller)
    base = f"/console/{ctx.code}/customers"
    listing = await client.get(base)
    assert ">Wholesale</option>" in listing.text
    assert ">Gold</option>" in listing.text
    for params, shown in (
        ({"group": group.json()["id"]}, "Gala"),
        ({"tier": tier.json()["id"]}, "Goldie"),
        ({"label": "vip"}, "Gala"),
    ):
        page = await client.get(base, params=params, headers={"X-Console-Fetch": "1"})
        names = {name for name in ("Gala", "Goldie", "Plain") if f">{name} Customer<" in page.text}
        assert names == {shown}, params


async def test_the_consoles_sign_in_shares_the_apis_throttle(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    staff = await factory.user()
    page = await client.get("/console/sign-in")
    token = csrf_of(page.text)
    for _ in range(5):  # the API's limit per account (settings)
        await client.post("/v1/auth/token", json={"email": staff.email, "password": "wrong"})
    answer = await client.post(
        "/console/sign-in", data={"email": staff.email, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 429
    assert "Too many failed sign-ins" in answer.text
    assert "clientbook_console=" not in answer.headers.get("set-cookie", "")
