"""Numbered pages of a customer list, with their totals."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.customers.conditions import CustomerFilter
from clientbook.customers.queries import Sort, find_customers
from clientbook.customers.totals import count_customers
from clientbook.kit.pagination import PageInfo
from clientbook.stores.scope import AnySelect, StoreScope


async def page_of(
    session: AsyncSession,
    scope: StoreScope,
    where: CustomerFilter,
    sort: Sort,
    *,
    page: int,
    limit: int,
    estimate: bool = False,
    extend: Callable[[AnySelect], AnySelect] | None = None,
) -> tuple[list[Row[Any]], PageInfo]:
    """One numbered page and its total. The page is read one row long: that row says
    whether a next page exists, and when there is none the total is in hand uncounted.
    ``extend`` adds columns to the rows (``find_customers``)."""
    offset = (page - 1) * limit
    rows = await find_customers(
        session, scope, where, sort, limit=limit + 1, offset=offset, extend=extend
    )
    rows_follow = len(rows) > limit
    rows = rows[:limit]
    if not rows_follow and (rows or page == 1):
        return rows, PageInfo(page, limit, offset + len(rows), rows_follow=False)
    total = await count_customers(session, scope, where, estimate=estimate)
    return rows, PageInfo(page, limit, total.value, total.exact, rows_follow=rows_follow)
