"""A person's data: the export holds everything about them and nothing of anyone else;
the signed link is short-lived; erasure leaves no personal value anywhere."""

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from clientbook.kit.db import Database, utcnow
from clientbook.models import DataExport, PointsBalance, WebhookDelivery
from clientbook.privacy import archive
from clientbook.privacy.exports import build_pending
from clientbook.privacy.jobs import run_pass
from tests.factories import Factory, StoreCtx
from tests.files.samples import PDF
from tests.loyalty.helpers import write


async def _person(client: httpx.AsyncClient, factory: Factory, ctx: StoreCtx) -> Any:
    customer = await factory.customer(
        ctx, first_name="Zofia", last_name="Secretname", email="zofia@private.example"
    )
    base = f"{ctx.base}/customers/{customer.id}"
    h = ctx.owner.headers
    for response in (
        await client.post(
            f"{base}/addresses", json={"city": "Krakow", "street": "Hidden 1"}, headers=h
        ),
        await client.post(
            f"{base}/files", files={"id_card": ("id.pdf", PDF, "application/pdf")}, headers=h
        ),
        await client.post(
            f"{base}/prescriptions",
            json={"distance_vision": {"left_eye": {"sph": "-2.00"}}},
            headers=h,
        ),
    ):
        assert response.status_code == 201, response.text
    consent = await client.patch(base, json={"consents": {"email_marketing": True}}, headers=h)
    assert consent.status_code == 200, consent.text
    profile = await client.patch(
        f"{base}/profiles/scent", json={"name": "Zofia's blend"}, headers=h
    )
    assert profile.status_code == 200, profile.text
    await write(client, ctx, customer.id, {"type": "earn", "amount": 7})
    return customer


async def _export(
    client: httpx.AsyncClient, ctx: StoreCtx, customer_id: object
) -> dict[str, bytes]:
    started = await client.post(
        f"{ctx.base}/customers/{customer_id}/data-export", headers=ctx.admin.headers
    )
    assert started.status_code == 202, started.text
    polled = await client.get(started.json()["links"]["self"], headers=ctx.admin.headers)
    assert polled.status_code == 200
    body = polled.json()
    assert body["status"] == "ready"
    download = await client.get(body["download_url"])  # no credentials: the link is one
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["cache-control"] == "no-store"
    return archive.read_zip(download.content)


async def test_an_export_holds_everything_about_the_person_and_no_one_else(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await _person(client, factory, ctx)
    other = await factory.customer(ctx, first_name="Other", last_name="Person", email="o@x.example")
    await write(client, ctx, other.id, {"type": "earn", "amount": 3})
    files = await _export(client, ctx, customer.id)
    manifest = json.loads(files["manifest.json"])
    assert manifest["customer_id"] == str(customer.id)
    profile = json.loads(files["profile.json"])
    assert profile["email"] == "zofia@private.example"
    assert json.loads(files["addresses.json"])[0]["street"] == "Hidden 1"
    consents = json.loads(files["consents.json"])
    assert consents["current"]["email_marketing"]["granted"] is True
    assert consents["history"]
    assert json.loads(files["prescriptions.json"])[0]["measurements"]
    assert json.loads(files["loyalty/ledger.json"])[0]["amount"] == "7.00"
    assert json.loads(files["profiles.json"])[0]["kind"] == "scent"
    blobs = [name for name in files if name.startswith("files/")]
    assert len(blobs) == 1
    assert files[blobs[0]] == PDF
    everything = b"".join(files.values())
    assert str(other.id).encode() not in everything
    assert b"Other" not in everything
    assert b"o@x.example" not in everything
    assert str(ctx.owner.user.id).encode() not in everything  # who acted is a kind, not an id


async def test_the_signed_link_refuses_tampering_and_age(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    started = await client.post(
        f"{ctx.base}/customers/{customer.id}/data-export", headers=ctx.owner.headers
    )
    url = started.json()["download_url"]
    assert (await client.get(url)).status_code == 200
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert (await client.get(tampered)).status_code == 404
    foreign = url[:-1] + "é"  # a hostile signature of the right length
    assert (await client.get(foreign)).status_code == 404
    expired = url.replace("expires=", "expires=1")  # another expiry: the signature breaks
    assert (await client.get(expired)).status_code == 404
    other = await factory.store()
    moved = url.replace(str(ctx.id), str(other.id))
    assert (await client.get(moved)).status_code == 404
    bad = await client.get(url.split("?")[0])
    assert bad.status_code == 422


async def test_large_records_are_built_in_the_background(
    client: httpx.AsyncClient, factory: Factory, database: Database, settings: Any
) -> None:
    ctx = await factory.store()
    customer = await factory.customer(ctx)
    app_settings = client._transport.app.state.settings  # type: ignore[attr-defined]
    limit = app_settings.data_export_inline_records
    app_settings.data_export_inline_records = 0
    try:
        started = await client.post(
            f"{ctx.base}/customers/{customer.id}/data-export", headers=ctx.owner.headers
        )
    finally:
        app_settings.data_export_inline_records = limit
    assert started.json()["status"] == "pending"
    assert started.json()["download_url"] is None
    storage = client._transport.app.state.storage  # type: ignore[attr-defined]
    while await build_pending(database, storage, 7):
        pass
    polled = await client.get(started.json()["links"]["self"], headers=ctx.owner.headers)
    assert polled.json()["status"] == "ready"
    async with database.transaction() as session:
        export = await session.get_one(DataExport, (ctx.id, uuid.UUID(started.json()["id"])))
        export.expires_at = utcnow() - timedelta(seconds=1)
    await run_pass(database, storage, 7)
    gone = await client.get(started.json()["links"]["self"], headers=ctx.owner.headers)
    assert gone.status_code == 404


async def test_erasure_leaves_no_personal_value_anywhere(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    hook = await client.post(
        f"{ctx.base}/webhooks",
        json={"url": "https://hooks.invalid/e", "events": ["customer.anonymised"]},
        headers=ctx.owner.headers,
    )
    assert hook.status_code == 201
    customer = await _person(client, factory, ctx)
    twin = await factory.customer(ctx, first_name="Zofia", email="zofia.old@private.example")
    merged = await client.post(
        f"{ctx.base}/customers/{customer.id}/merge",
        json={"from": [str(twin.id)], "preview": False},
        headers=ctx.owner.headers,
    )
    assert merged.status_code == 200, merged.text
    export = await client.post(
        f"{ctx.base}/customers/{customer.id}/data-export", headers=ctx.owner.headers
    )
    assert export.status_code == 202
    link = export.json()["download_url"]
    seller = await client.post(
        f"{ctx.base}/customers/{customer.id}/erase", headers=ctx.seller.headers
    )
    assert seller.status_code == 403
    erased = await client.post(
        f"{ctx.base}/customers/{customer.id}/erase", headers=ctx.admin.headers
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["email"] is None
    h = ctx.owner.headers
    answers = [
        await client.get(f"{ctx.base}/customers", params={"q": "Secretname"}, headers=h),
        await client.get(f"{ctx.base}/customers", params={"q": "zofia"}, headers=h),
        await client.get(f"{ctx.base}/customers/{customer.id}", headers=h),
        await client.get(f"{ctx.base}/customers/{customer.id}/events", headers=h),
        await client.get(f"{ctx.base}/customers/{twin.id}", headers=h),
        await client.get(f"{ctx.base}/customers/export", headers=h),
        await client.get(f"{ctx.base}/duplicates", headers=h),
    ]
    for answer in answers:
        assert answer.status_code in (200, 404), answer.text
        for secret in ("Secretname", "zofia", "Zofia", "Hidden 1", "Krakow"):
            assert secret not in answer.text, (answer.request.url, secret)
    assert (await client.get(link)).status_code == 404  # the archive is gone
    again = await client.post(
        f"{ctx.base}/customers/{customer.id}/data-export", headers=ctx.owner.headers
    )
    assert again.status_code == 409
    async with database.transaction() as session:
        twin_row = await factory.get_customer(ctx, twin.id)
        assert twin_row is not None
        assert twin_row.anonymized_at is not None  # the merged twin is the same person
        assert twin_row.first_name is None
        hooks = list(
            await session.scalars(select(WebhookDelivery).where(WebhookDelivery.store_id == ctx.id))
        )
        assert {d.customer_id for d in hooks} == {customer.id, twin.id}
        assert all("zofia" not in json.dumps(d.payload).lower() for d in hooks)
        kept = await session.scalar(
            select(PointsBalance.available).where(
                PointsBalance.store_id == ctx.id, PointsBalance.customer_id == customer.id
            )
        )
        assert kept == 7  # the amounts accounting needs stay


async def test_another_store_cannot_export_or_erase(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    ctx, other = await factory.store(), await factory.store()
    customer = await factory.customer(ctx)
    for path in ("data-export", "erase"):
        response = await client.post(
            f"{other.base}/customers/{customer.id}/{path}", headers=other.owner.headers
        )
        assert response.status_code == 404
    assert (await factory.get_customer(ctx, customer.id)).anonymized_at is None  # type: ignore[union-attr]
