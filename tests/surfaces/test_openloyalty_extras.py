"""Open Loyalty (seed 002): avatar, Pushy tokens, registration statistics, anonymize."""

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from clientbook.kit.db import Database, utcnow
from clientbook.models import (
    Customer,
    CustomerAddress,
    CustomerCredential,
    CustomerFile,
    CustomerPushToken,
    OutboxMessage,
    PointsBalance,
    Purchase,
)
from tests.customer_accounts.outbox import messages
from tests.factories import PASSWORD, Factory
from tests.files.samples import JPEG, PDF, PNG
from tests.surfaces.test_openloyalty import FORM, api, bearer, ol_store, signed_in_customer


async def test_avatar_set_read_replace_and_remove(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await ol_store(factory)
    me, token = await signed_in_customer(factory, ctx)
    url = api(ctx, f"/customer/{me}/avatar")
    none = await client.get(url, headers=ctx.admin.headers)
    assert none.status_code == 404
    assert set(none.json()) == {"error"}
    made = await client.post(
        url, files={"avatar[file]": ("avatar.jpg", JPEG, "image/jpeg")}, headers=ctx.admin.headers
    )
    assert made.status_code == 204, made.text
    assert made.content == b""
    got = await client.get(url, headers=bearer(token))
    assert got.status_code == 200
    assert got.content == JPEG
    assert got.headers["content-type"] == "image/jpeg"
    # The customer replaces it itself; one avatar remains.
    mine = await client.post(
        url, files={"avatar[file]": ("me.png", PNG, "image/png")}, headers=bearer(token)
    )
    assert mine.status_code == 204, mine.text
    assert (await client.get(url, headers=ctx.seller.headers)).content == PNG
    async with database.reading() as session:
        kept = await session.scalar(
            select(func.count()).where(
                CustomerFile.store_id == ctx.id, CustomerFile.customer_id == uuid.UUID(me)
            )
        )
    assert kept == 1
    for files, status in (
        ({"avatar[file]": ("doc.pdf", PDF, "application/pdf")}, 415),
        ({"avatar[file]": ("x.jpg", b"not an image at all", "image/jpeg")}, 415),
        ({"photo": ("x.jpg", JPEG, "image/jpeg")}, 400),
    ):
        refused = await client.post(url, files=files, headers=ctx.admin.headers)
        assert refused.status_code == status, refused.text
        assert set(refused.json()) == {"error"}
    assert (await client.get(url, headers=ctx.admin.headers)).content == PNG
    gone = await client.delete(url, headers=ctx.admin.headers)
    assert gone.status_code == 204
    assert (await client.get(url, headers=ctx.admin.headers)).status_code == 404
    assert (await client.delete(url, headers=ctx.admin.headers)).status_code == 204


async def test_pushy_tokens_documented(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx = await ol_store(factory)
    me, token = await signed_in_customer(factory, ctx)
    url = api(ctx, f"/customer/{me}/pushy-token")
    added = await client.post(
        url, content="customer[pushyToken]=pushy_token", headers={**FORM, **ctx.admin.headers}
    )
    assert added.status_code == 204, added.text
    assert added.content == b""
    again = await client.post(
        url, json={"customer": {"pushyToken": "pushy_token"}}, headers=bearer(token)
    )
    assert again.status_code == 204
    listed = await client.get(url, headers=ctx.admin.headers)
    assert listed.status_code == 200
    assert listed.json() == {"tokens": ["pushy_token"]}
    missing = await client.post(url, content="", headers={**FORM, **ctx.admin.headers})
    assert missing.status_code == 400
    assert "pushyToken" in missing.json()["error"]
    removed = await client.delete(f"{url}/pushy_token", headers=ctx.admin.headers)
    assert removed.status_code == 204
    assert (await client.get(url, headers=bearer(token))).json() == {"tokens": []}
    assert (await client.delete(f"{url}/pushy_token", headers=ctx.admin.headers)).status_code == 204


async def test_registrations_documented(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await ol_store(factory)
    for _ in range(5):
        await factory.customer(ctx)
    old = await factory.customer(ctx)
    async with database.transaction() as session:
        await session.execute(
            update(Customer)
            .where(Customer.store_id == ctx.id, Customer.id == old.id)
            .values(created_at=utcnow() - timedelta(days=400))
        )
    late = await factory.customer(ctx)
    evening = (utcnow() - timedelta(days=3)).replace(hour=23, minute=30)  # UTC
    async with database.transaction() as session:
        await session.execute(
            update(Customer)
            .where(Customer.store_id == ctx.id, Customer.id == late.id)
            .values(created_at=evening)
        )
    response = await client.get(api(ctx, "/customer/registrations"), headers=ctx.admin.headers)
    assert response.status_code == 200, response.text
    days = response.json()
    assert len(days) == 30
    assert list(days) == sorted(days)
    assert sum(days.values()) == 6
    assert days[max(days)] == 5  # today, in the store's calendar
    # 23:30 UTC is already the next day in Warsaw.
    assert days[(evening + timedelta(days=1)).strftime("%Y-%m-%d")] == 1
    assert all(len(day) == 10 for day in days)
    monthly = await client.get(
        api(ctx, "/customer/registrations"),
        params={"interval": "month", "lastDays": "500"},
        headers=ctx.admin.headers,
    )
    assert sum(monthly.json().values()) == 7
    assert all(len(month) == 7 for month in monthly.json())
    bad = await client.get(
        api(ctx, "/customer/registrations"),
        params={"interval": "week"},
        headers=ctx.admin.headers,
    )
    assert bad.status_code == 400
    assert "interval" in bad.json()["error"]


async def test_anonymize_erases_personal_data_and_keeps_figures(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await ol_store(factory)
    customer = await factory.customer(
        ctx,
        first_name="Anna",
        last_name="Nowak",
        email="anna@example.com",
        phone="+48600100200",
        loyalty_card_number="123456",
        birth_date="1990-01-01",
        labels=[{"key": "vip", "value": "yes"}],
    )
    cid = customer.id
    async with database.transaction() as session:
        from clientbook.customer_accounts import credentials
        from clientbook.customer_accounts.scope import find_public_store

        store = await find_public_store(session, ctx.code)
        await credentials.save_password(session, store, cid, PASSWORD, activate=True)
    token = await factory.customer_token(ctx, cid)
    await client.post(
        f"{ctx.base}/customers/{cid}/addresses",
        json={"city": "Warszawa", "is_default": True},
        headers=ctx.admin.headers,
    )
    await client.post(
        api(ctx, f"/customer/{cid}/avatar"),
        files={"avatar[file]": ("a.jpg", JPEG, "image/jpeg")},
        headers=ctx.admin.headers,
    )
    await client.post(
        api(ctx, f"/customer/{cid}/pushy-token"),
        content="customer[pushyToken]=t1",
        headers={**FORM, **ctx.admin.headers},
    )
    await client.post(
        api(ctx, f"/admin/customer/{cid}/send-sms-code"), headers={**FORM, **ctx.admin.headers}
    )
    bought = await client.post(
        f"{ctx.base}/purchases",
        json={
            "customer_id": str(cid),
            "number": "A-1",
            "status": "completed",
            "purchased_at": "2026-01-02T10:00:00+00:00",
            "currency": "EUR",
            "total": "40.00",
        },
        headers=ctx.seller.headers,
    )
    assert bought.status_code == 201, bought.text
    async with database.reading() as session:
        points_before = await session.scalar(
            select(func.sum(PointsBalance.available)).where(
                PointsBalance.store_id == ctx.id, PointsBalance.customer_id == cid
            )
        )
    done = await client.post(
        api(ctx, f"/admin/customer/{cid}/anonymize"), headers={**FORM, **ctx.admin.headers}
    )
    assert done.status_code == 204, done.text
    assert done.content == b""
    row = await factory.get_customer(ctx, cid)
    assert row is not None
    for name in ("first_name", "last_name", "email", "phone", "phone_e164", "birth_date"):
        assert getattr(row, name) is None, name
    assert row.loyalty_card_number is None
    assert row.labels == []
    assert row.anonymized_at is not None
    assert row.deleted_at is not None
    assert "anna" not in row.search_text
    async with database.reading() as session:
        for table in (CustomerAddress, CustomerFile, CustomerPushToken, CustomerCredential):
            left = await session.scalar(
                select(func.count()).where(table.store_id == ctx.id, table.customer_id == cid)
            )
            assert left == 0, table
        assert (
            await session.scalar(
                select(func.count()).where(Purchase.store_id == ctx.id, Purchase.customer_id == cid)
            )
            == 1
        )
        points_after = await session.scalar(
            select(func.sum(PointsBalance.available)).where(
                PointsBalance.store_id == ctx.id, PointsBalance.customer_id == cid
            )
        )
        assert points_after == points_before
    sent = await messages(database, ctx.id)
    assert all(m.recipient != "+48600100200" for m in sent if m.customer_id == cid)
    assert all(isinstance(m, OutboxMessage) for m in sent)
    # Gone from lists and lookups; its tokens no longer work; it cannot be restored.
    assert (
        await client.get(api(ctx, f"/customer/{cid}"), headers=ctx.admin.headers)
    ).status_code == 404
    assert (
        await client.get(api(ctx, f"/customer/customer/{cid}/status"), headers=bearer(token))
    ).status_code == 401
    restore = await client.post(f"{ctx.base}/customers/{cid}/restore", headers=ctx.admin.headers)
    assert restore.status_code == 409, restore.text
    # Again is a no-op; a seller may not.
    again = await client.post(
        api(ctx, f"/admin/customer/{cid}/anonymize"), headers={**FORM, **ctx.admin.headers}
    )
    assert again.status_code == 204
    other = await factory.customer(ctx)
    seller = await client.post(
        api(ctx, f"/admin/customer/{other.id}/anonymize"), headers={**FORM, **ctx.seller.headers}
    )
    assert seller.status_code == 403
