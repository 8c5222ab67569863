"""Helpers for the loyalty tests: ledger writes over the API and the reconciliation check."""

import uuid
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from clientbook.kit.db import Database
from clientbook.models import PointsBalance, PointsEntry, PointsLot
from tests.factories import StoreCtx


def points_url(ctx: StoreCtx, customer_id: object) -> str:
    return f"{ctx.base}/customers/{customer_id}/points"


async def write(
    client: httpx.AsyncClient,
    ctx: StoreCtx,
    customer_id: object,
    body: dict[str, Any],
    status: int = 201,
    **headers: str,
) -> dict[str, Any]:
    response = await client.post(
        points_url(ctx, customer_id), json=body, headers={**ctx.seller.headers, **headers}
    )
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


async def status(client: httpx.AsyncClient, ctx: StoreCtx, customer_id: object) -> dict[str, Any]:
    response = await client.get(
        f"{ctx.base}/customers/{customer_id}/loyalty", headers=ctx.seller.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def wallet_of(body: dict[str, Any], code: str = "points") -> dict[str, Any]:
    found: dict[str, Any] = next(w for w in body["wallets"] if w["wallet"] == code)
    return found


async def assert_reconciled(database: Database, store_id: uuid.UUID) -> None:
    """For every balance row: available + locked = the sum of the entries = the points left
    in the lots that have not expired (split the same way between locked and active)."""
    async with database.transaction() as session:
        balances = (
            await session.scalars(select(PointsBalance).where(PointsBalance.store_id == store_id))
        ).all()
        for b in balances:
            mine = (
                PointsEntry.store_id == b.store_id,
                PointsEntry.customer_id == b.customer_id,
                PointsEntry.wallet_id == b.wallet_id,
            )
            total = await session.scalar(
                select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(*mine)
            )
            lots = {
                status: Decimal(str(left))
                for status, left in await session.execute(
                    select(PointsLot.status, func.sum(PointsLot.remaining))
                    .where(
                        PointsLot.store_id == b.store_id,
                        PointsLot.customer_id == b.customer_id,
                        PointsLot.wallet_id == b.wallet_id,
                    )
                    .group_by(PointsLot.status)
                )
            }
            assert Decimal(str(total)) == b.available + b.locked
            assert lots.get("active", Decimal(0)) == b.available
            assert lots.get("locked", Decimal(0)) == b.locked
            assert lots.get("expired", Decimal(0)) == 0
            assert b.earned - b.used - b.expired == b.available + b.locked
