"""Merging customers: the preview, every move, the loyalty figures, the trail."""

import uuid
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import (
    Customer,
    CustomerAddress,
    CustomerEvent,
    CustomerFile,
    CustomerProfile,
    GroupMember,
    PointsBalance,
    PointsEntry,
    PointsLot,
    Prescription,
    Purchase,
    PurchaseStats,
    WebhookDelivery,
)
from tests.factories import Factory, StoreCtx
from tests.files.samples import PDF
from tests.loyalty.helpers import assert_reconciled, status, wallet_of, write


def merge_url(ctx: StoreCtx, survivor: object) -> str:
    return f"{ctx.base}/customers/{survivor}/merge"


async def _post(client: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict) -> Any:
    return await client.post(url, json=body, headers=headers)


async def _records(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: uuid.UUID) -> None:
    """An address (default), a file, a prescription, a scent profile, a group, a purchase."""
    h = ctx.owner.headers
    base = f"{ctx.base}/customers/{customer_id}"
    for request in (
        client.post(f"{base}/addresses", json={"city": "X", "is_default": True}, headers=h),
        client.post(
            f"{base}/files", files={"id_card": ("a.pdf", PDF, "application/pdf")}, headers=h
        ),
        client.post(
            f"{base}/prescriptions",
            json={"distance_vision": {"right_eye": {"sph": "-1.00"}}},
            headers=h,
        ),
    ):
        assert (await request).status_code == 201
    profile = await client.patch(
        f"{base}/profiles/scent", json={"name": f"p-{customer_id.hex[:4]}"}, headers=h
    )
    assert profile.status_code == 200, profile.text
    purchase = await client.post(
        f"{ctx.base}/purchases",
        json={
            "customer_id": str(customer_id),
            "number": f"N-{customer_id.hex[:8]}",
            "status": "completed",
            "total": "20.00",
            "currency": "EUR",
            "purchased_at": "2026-11-20T10:00:00Z",
        },
        headers=h,
    )
    assert purchase.status_code == 201, purchase.text


async def test_preview_names_every_difference_and_changes_nothing(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    a = await factory.customer(ctx, first_name="Anna", email="a@example.com")
    b = await factory.customer(ctx, first_name="Ann", email="b@example.com", gender="female")
    await _records(client, ctx, b.id)
    preview = await _post(client, merge_url(ctx, a.id), {"from": [str(b.id)]}, ctx.admin.headers)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["preview"] is True
    fields = {f["field"]: f for f in body["fields"]}
    assert fields["first_name"]["values"] == {str(a.id): "Anna", str(b.id): "Ann"}
    assert fields["first_name"]["kept_from"] == str(a.id)
    assert fields["gender"]["kept"] == "female"  # the survivor has none
    assert body["records"]["addresses"] == 1
    assert body["records"]["purchases"] == 1
    assert (await factory.get_customer(ctx, b.id)).deleted_at is None  # type: ignore[union-attr]
    chosen = await _post(
        client,
        merge_url(ctx, a.id),
        {"from": [str(b.id)], "fields": {"email": str(b.id)}},
        ctx.admin.headers,
    )
    assert {f["field"]: f for f in chosen.json()["fields"]}["email"]["kept"] == "b@example.com"


async def test_merge_moves_every_record_and_adds_up_the_points(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    hook = await client.post(
        f"{ctx.base}/webhooks",
        json={"url": "https://hooks.invalid/m", "events": ["customer.merged"]},
        headers=ctx.owner.headers,
    )
    assert hook.status_code == 201
    a = await factory.customer(ctx, first_name="Anna", email="a@example.com")
    b = await factory.customer(ctx, first_name="Ann", email="b@example.com")
    for customer in (a, b):
        await _records(client, ctx, customer.id)
    group = await client.post(f"{ctx.base}/groups", json={"name": "VIP"}, headers=ctx.owner.headers)
    added = await client.post(
        f"{ctx.base}/groups/{group.json()['id']}/customers",
        json={"customer_ids": [str(b.id)]},
        headers=ctx.owner.headers,
    )
    assert added.status_code == 200
    await write(client, ctx, a.id, {"type": "earn", "amount": 30})
    await write(client, ctx, b.id, {"type": "earn", "amount": 12})
    await write(client, ctx, b.id, {"type": "spend", "amount": 2})
    before = wallet_of(await status(client, ctx, a.id))["active"]

    merged = await _post(
        client,
        merge_url(ctx, a.id),
        {"from": [str(b.id)], "preview": False, "fields": {"email": str(b.id)}},
        ctx.admin.headers,
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["preview"] is False
    assert body["survivor"]["email"] == "b@example.com"
    assert body["survivor"]["first_name"] == "Anna"

    async with database.transaction() as session:
        for model in (
            CustomerAddress,
            CustomerFile,
            Prescription,
            Purchase,
            PointsEntry,
            PointsLot,
            PointsBalance,
            PurchaseStats,
            GroupMember,
            CustomerProfile,
        ):
            left = await session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.store_id == ctx.id, model.customer_id == b.id)
            )
            assert left == 0, model.__name__
        addresses = await session.scalars(
            select(CustomerAddress).where(CustomerAddress.customer_id == a.id)
        )
        assert sorted(x.is_default for x in addresses) == [False, True]
        stats = await session.get_one(PurchaseStats, (ctx.id, a.id))
        assert (stats.count, stats.total, stats.average) == (2, Decimal("40.00"), Decimal("20.00"))
        gone = await session.get_one(Customer, (ctx.id, b.id))
        assert gone.merged_into == a.id
        assert gone.deleted_at is not None
        trail = {
            (e.customer_id, e.action)
            for e in await session.scalars(
                select(CustomerEvent).where(
                    CustomerEvent.store_id == ctx.id,
                    CustomerEvent.action.in_(("merged", "merged_into")),
                )
            )
        }
        assert trail == {(a.id, "merged"), (b.id, "merged_into")}
        hooks = list(
            await session.scalars(select(WebhookDelivery).where(WebhookDelivery.store_id == ctx.id))
        )
        assert [(d.event_type, d.customer_id) for d in hooks] == [("customer.merged", a.id)]
        assert hooks[0].payload["data"]["merged_ids"] == [str(b.id)]
    after = wallet_of(await status(client, ctx, a.id))
    assert Decimal(after["active"]) == Decimal(before) + 10
    await assert_reconciled(database, ctx.id)

    read = await client.get(f"{ctx.base}/customers/{b.id}", headers=ctx.seller.headers)
    assert read.status_code == 404
    assert read.json()["merged_into"] == str(a.id)
    again = await _post(
        client, merge_url(ctx, a.id), {"from": [str(b.id)], "preview": False}, ctx.admin.headers
    )
    assert again.status_code == 409
    reverse = await _post(
        client, merge_url(ctx, b.id), {"from": [str(a.id)], "preview": False}, ctx.admin.headers
    )
    assert reverse.status_code == 409


async def test_refusals(client: httpx.AsyncClient, factory: Factory) -> None:
    ctx, other = await factory.store(), await factory.store()
    a, b = await factory.customer(ctx), await factory.customer(ctx)
    theirs = await factory.customer(other)
    url = merge_url(ctx, a.id)
    cases = [
        ({"from": [str(a.id)]}, ctx.admin.headers, 422, "from"),
        ({"from": []}, ctx.admin.headers, 422, "from"),
        (
            {"from": [str(b.id)], "fields": {"nope": str(a.id)}},
            ctx.admin.headers,
            422,
            "fields.nope",
        ),
        (
            {"from": [str(b.id)], "fields": {"email": str(theirs.id)}},
            ctx.admin.headers,
            422,
            "fields.email",
        ),
        ({"from": [str(theirs.id)], "preview": False}, ctx.admin.headers, 404, None),
        ({"from": [str(b.id)], "preview": False}, ctx.seller.headers, 403, None),
    ]
    for body, headers, code, field in cases:
        response = await _post(client, url, body, headers)
        assert response.status_code == code, (body, response.text)
        if field:
            assert response.json()["errors"][0]["field"] == field
    into_theirs = await _post(
        client, merge_url(ctx, theirs.id), {"from": [str(b.id)]}, ctx.admin.headers
    )
    assert into_theirs.status_code == 404
    assert (await factory.get_customer(ctx, b.id)).deleted_at is None  # type: ignore[union-attr]


async def test_a_merge_whose_balances_together_pass_the_largest_value_is_a_409(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    """Each balance fits; their sum would not (10^16 points): nothing is merged."""
    ctx = await factory.store()
    a, b = await factory.customer(ctx), await factory.customer(ctx)
    for customer in (a, b):
        await write(client, ctx, customer.id, {"type": "earn", "amount": 10})
    near = Decimal("6000000000000000.00")
    async with database.transaction() as session:
        await session.execute(
            PointsBalance.__table__.update()
            .where(PointsBalance.store_id == ctx.id)
            .values(available=near, earned=near)
        )
    body = {"from": [str(b.id)], "preview": False}
    response = await _post(client, merge_url(ctx, a.id), body, ctx.admin.headers)
    assert response.status_code == 409, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["from"]
    loser = await client.get(f"{ctx.base}/customers/{b.id}", headers=ctx.admin.headers)
    assert loser.status_code == 200  # not merged away
    assert wallet_of(await status(client, ctx, a.id))["active"] == "6000000000000000.00"
