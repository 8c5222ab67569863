"""Reads answered in one round trip: the caller's access to the store and the data in
one statement (``stores.scope.ScopedQuery``), run straight on asyncpg. They serve the
requests a store makes most: one customer, and the first pages of its list."""

import uuid
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Integer, Uuid, and_, bindparam, func, select
from sqlalchemy.orm import aliased

from clientbook.customers.queries import (
    CUSTOMER_COLUMNS,
    CUSTOMER_SORTS,
    Sort,
    ordered,
    ordered_by,
)
from clientbook.kit.db import Database
from clientbook.kit.errors import NotFound
from clientbook.kit.pagination import PageInfo
from clientbook.models import Customer, CustomerCount
from clientbook.stores.scope import AnySelect, Credentials, ScopedQuery

_IN_SCOPE = ScopedQuery(
    lambda statement, _store_id, granted: statement.add_columns(*CUSTOMER_COLUMNS).outerjoin(
        Customer,
        and_(
            Customer.store_id == granted,
            Customer.id == bindparam("customer_id", type_=Uuid),
            Customer.deleted_at.is_(None),
        ),
    )
)


async def customer_in_scope(
    database: Database, claims: Credentials, store_ref: str, customer_id: uuid.UUID
) -> SimpleNamespace:
    """A live customer of the store, and the caller's access to it, in one round trip."""
    _, (row,) = await _IN_SCOPE.read(database, claims, store_ref, customer_id=customer_id)
    if row["id"] is None:
        raise NotFound("Customer not found")
    return SimpleNamespace(**row)


More = Callable[[AnySelect, ColumnElement[Any]], AnySelect]


def _unfiltered_page(sort: Sort, more: More | None) -> ScopedQuery:
    """The scope check, the store's kept total and one page of its customers in one
    statement: the list a store opens most. A store with no customers (or a page past
    the end) gives one row with the scope, the total and NULL customer columns. ``more``
    may add columns and joins on ``Customer``, given the store's id parameter; ``Store``
    is the statement's own table."""
    listed = aliased(Customer)

    def extend(
        statement: AnySelect, store_id: ColumnElement[Any], granted: ColumnElement[Any]
    ) -> AnySelect:
        keys = (
            ordered_by(
                select(listed.store_id, listed.id).where(
                    listed.store_id == store_id, listed.deleted_at.is_(None)
                ),
                getattr(listed, CUSTOMER_SORTS[sort.field].key),
                listed.id,
                sort,
            )
            .offset(bindparam("offset", type_=Integer, literal_execute=True))
            .limit(bindparam("limit", type_=Integer, literal_execute=True))
            .subquery("page")
        )
        # On the store named, not the membership: computed once, not once per row. It is
        # read only after the scope check has passed.
        total = (
            select(func.coalesce(func.sum(CustomerCount.total), 0))
            .where(CustomerCount.store_id == store_id)
            .scalar_subquery()
        )
        statement = (
            statement.add_columns(total.label("total"), *CUSTOMER_COLUMNS)
            .outerjoin(keys, keys.c.store_id == granted)
            .outerjoin(
                Customer, and_(Customer.store_id == keys.c.store_id, Customer.id == keys.c.id)
            )
        )
        statement = ordered(statement, sort)
        return statement if more is None else more(statement, store_id)

    return ScopedQuery(extend)


def unfiltered_pages(more: More | None = None) -> dict[Sort, ScopedQuery]:
    """``_unfiltered_page`` for every sort it serves (the customer columns' sorts)."""
    return {
        Sort(field, order): _unfiltered_page(Sort(field, order), more)
        for field in CUSTOMER_SORTS
        for order in ("asc", "desc")
    }


_UNFILTERED_PAGES = unfiltered_pages()


async def unfiltered_page(
    database: Database, claims: Credentials, store_ref: str, sort: Sort, *, page: int, limit: int
) -> tuple[list[SimpleNamespace], PageInfo]:
    """``page_of`` without filters, in one round trip (scope, total and rows). The page is
    read one row long, so ``has_next`` comes from the rows, as on every list."""
    _, rows = await _UNFILTERED_PAGES[sort].read(
        database, claims, store_ref, offset=(page - 1) * limit, limit=limit + 1
    )
    return page_from(rows, page=page, limit=limit)


def page_from(
    rows: list[dict[str, Any]], *, page: int, limit: int
) -> tuple[list[SimpleNamespace], PageInfo]:
    """A page read by an unfiltered page's statement (``limit + 1`` rows long)."""
    total = int(rows[0]["total"])
    customers = [SimpleNamespace(**row) for row in rows if row["id"] is not None]
    info = PageInfo(page=page, limit=limit, total=total, rows_follow=len(customers) > limit)
    return customers[:limit], info
