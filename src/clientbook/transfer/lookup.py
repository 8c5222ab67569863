"""Finding the store's customers that a batch's rows match.

One lookup per kind of key (e-mail, loyalty card, content id), each an index probe per
wanted value. On PostgreSQL the values go in as one array, joined ``LATERAL`` to the
probe: with ``store_id = :store AND email_key IN (...)`` the planner walks the whole store
instead when the store's statistics are stale, as they are while an import grows it (a
scan of the store per batch: quadratic over a large file).
"""

import uuid
from collections.abc import Collection
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Executable, String, Table, Uuid, bindparam, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import TypeEngine

from clientbook.models import Customer
from clientbook.stores.scope import StoreScope

_TABLE = cast(Table, Customer.__table__)
_LIVE = _TABLE.c.deleted_at.is_(None)


class _Key(NamedTuple):
    column: ColumnElement[Any]
    matches: list[ColumnElement[bool]]  # which customers it may match
    kind: TypeEngine[Any]


_EMAIL = _Key(_TABLE.c.email_key, [_LIVE, _TABLE.c.email_key != ""], String())
_CARD = _Key(_TABLE.c.loyalty_card_number, [_LIVE], String())
_ID = _Key(_TABLE.c.id, [], Uuid())  # deleted ones too: content ids are never reused


async def existing(
    session: AsyncSession,
    scope: StoreScope,
    *,
    email_keys: Collection[str],
    cards: Collection[str],
    ids: Collection[uuid.UUID],
    lock: bool,
) -> list[Customer]:
    """The customers (not deleted) with these e-mail keys or loyalty cards, and any
    customer with one of these ids; locked ``FOR UPDATE`` when ``lock``."""
    postgres = session.get_bind().dialect.name == "postgresql"
    found: dict[uuid.UUID, Customer] = {}
    for key, values in ((_EMAIL, email_keys), (_CARD, cards), (_ID, ids)):
        if not values:
            continue
        if postgres:
            statement = _probe_each(scope, key, lock)
            params: dict[str, Any] = {"wanted": list(values)}
        else:
            statement = select(Customer).where(
                _TABLE.c.store_id == scope.store_id, *key.matches, key.column.in_(values)
            )
            params = {}
        customers = await session.scalars(statement, params)
        found.update((customer.id, customer) for customer in customers)
    return list(found.values())


def _probe_each(scope: StoreScope, key: _Key, lock: bool) -> Executable:
    wanted = (
        func.unnest(bindparam("wanted", type_=ARRAY(key.kind)))
        .table_valued("value")
        .render_derived(name="wanted")
    )
    # LIMIT 1 (a key matches one customer at most) keeps each probe a subquery of its own,
    # never merged into a join the planner might run as a scan of the store.
    match = (
        select(_TABLE)
        .where(_TABLE.c.store_id == scope.store_id, *key.matches, key.column == wanted.c.value)
        .limit(1)
    )
    if lock:
        match = match.with_for_update()
    matches = match.lateral("match")
    return select(Customer).from_statement(select(matches).join_from(wanted, matches, true()))
