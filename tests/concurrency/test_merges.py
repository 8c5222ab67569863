"""Merges racing from two database connections (PostgreSQL): of two merges of the same
pair, or of A into B while B into A, one wins and the other is refused (409), never a
500 or a deadlock; nothing is half moved; points written during a merge land on a live
customer. In-process, so the race does not depend on two server workers starting."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers.schemas import CustomerUpdate
from clientbook.customers.service import update_customer
from clientbook.duplicates.merge import merge_customers
from clientbook.kit.db import Database
from clientbook.kit.errors import ClientbookError, Conflict, NotFound
from clientbook.loyalty.points import PointsChange, write_points
from clientbook.models import Customer, CustomerAddress, PointsBalance
from clientbook.stores.scope import member_scope
from tests.factories import Factory, StoreCtx
from tests.loyalty.helpers import assert_reconciled

ROUNDS = 6


@pytest.fixture(autouse=True)
def _postgres_only(database: Database) -> None:
    if database.dialect != "postgresql":
        pytest.skip("the race needs two connections that wait on row locks (PostgreSQL)")


async def _attempt(
    database: Database, ctx: StoreCtx, work: Callable[[AsyncSession, Any], Awaitable[Any]]
) -> str:
    """Run ``work`` in its own transaction; 'ok', or the error's class name."""
    try:
        async with database.transaction() as session:
            scope = await member_scope(session, ctx.id, ctx.owner.user.id)
            await work(session, scope)
    except ClientbookError as exc:
        return type(exc).__name__
    return "ok"


def _merge(survivor: uuid.UUID, merged: uuid.UUID) -> Callable[[AsyncSession, Any], Awaitable[Any]]:
    async def work(session: AsyncSession, scope: Any) -> None:
        await merge_customers(session, scope, survivor, [merged], preview=False)

    return work


async def _prepare(factory: Factory, database: Database, ctx: StoreCtx) -> tuple[Any, Any]:
    a, b = await factory.customer(ctx), await factory.customer(ctx)
    for customer in (a, b):
        outcome = await _attempt(
            database,
            ctx,
            lambda s, scope, c=customer: write_points(
                s, scope, c.id, PointsChange(wallet="points", type="earn", amount=Decimal(5))
            ),
        )
        assert outcome == "ok"
        async with database.transaction() as session:
            session.add(
                CustomerAddress(store_id=ctx.id, customer_id=customer.id, city="X", is_default=True)
            )
    return a, b


async def test_crossed_and_repeated_merges_let_one_through(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    for n in range(ROUNDS):
        a, b = await _prepare(factory, database, ctx)
        second = _merge(b.id, a.id) if n % 2 == 0 else _merge(a.id, b.id)
        outcomes = await asyncio.gather(
            _attempt(database, ctx, _merge(a.id, b.id)), _attempt(database, ctx, second)
        )
        assert sorted(outcomes) == [Conflict.__name__, "ok"], outcomes
        async with database.transaction() as session:
            rows = list(
                await session.scalars(select(Customer).where(Customer.id.in_([a.id, b.id])))
            )
            live = [c for c in rows if c.deleted_at is None]
            assert len(live) == 1
            gone = next(c for c in rows if c.deleted_at is not None)
            assert gone.merged_into == live[0].id
            addresses = await session.scalar(
                select(func.count())
                .select_from(CustomerAddress)
                .where(
                    CustomerAddress.store_id == ctx.id, CustomerAddress.customer_id == live[0].id
                )
            )
            assert addresses == 2
            balance = await session.scalar(
                select(PointsBalance).where(
                    PointsBalance.store_id == ctx.id, PointsBalance.customer_id == live[0].id
                )
            )
            assert balance is not None
            assert balance.available == 10
    await assert_reconciled(database, ctx.id)


async def test_points_written_during_a_merge_land_on_a_live_customer(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    a, b = await factory.customer(ctx), await factory.customer(ctx)

    async def earn(session: AsyncSession, scope: Any) -> None:
        await write_points(
            session, scope, b.id, PointsChange(wallet="points", type="earn", amount=Decimal(1))
        )

    outcomes = await asyncio.gather(
        _attempt(database, ctx, _merge(a.id, b.id)),
        *(_attempt(database, ctx, earn) for _ in range(6)),
    )
    assert outcomes[0] == "ok"
    assert set(outcomes[1:]) <= {"ok", NotFound.__name__}
    earned = outcomes[1:].count("ok")
    async with database.transaction() as session:
        balances = {
            row.customer_id: row.available
            for row in await session.scalars(
                select(PointsBalance).where(PointsBalance.store_id == ctx.id)
            )
        }
    assert b.id not in balances
    assert balances.get(a.id, 0) == earned
    await assert_reconciled(database, ctx.id)


async def test_a_change_during_a_merge_waits_and_then_finds_the_customer_gone(
    factory: Factory, database: Database
) -> None:
    ctx = await factory.store()
    for _ in range(3):
        a, b = await factory.customer(ctx), await factory.customer(ctx)

        async def rename(session: AsyncSession, scope: Any, who: uuid.UUID = b.id) -> None:
            await update_customer(session, scope, who, CustomerUpdate(first_name="Renamed"))

        outcomes = await asyncio.gather(
            _attempt(database, ctx, _merge(a.id, b.id)), _attempt(database, ctx, rename)
        )
        assert outcomes[0] == "ok"
        assert outcomes[1] in ("ok", NotFound.__name__)
        row = await factory.get_customer(ctx, b.id)
        assert row is not None
        assert row.merged_into == a.id
