"""The ledger's statements built once (per dialect): making them costs more Python than
running them. The earning's balance upsert, entry and lot are one statement on
PostgreSQL (a data-modifying CTE); SQLite upserts the balance and adds the two rows."""

from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from clientbook.models import PointsBalance, PointsEntry, PointsLot


def lot_of(entry: PointsEntry, status: str) -> PointsLot:
    return PointsLot(
        store_id=entry.store_id,
        id=entry.id,
        customer_id=entry.customer_id,
        wallet_id=entry.wallet_id,
        status=status,
        amount=entry.amount,
        remaining=entry.amount,
        unlock_at=entry.unlock_at,
        expires_at=entry.expires_at,
        earned_at=entry.at,
    )


@cache
def credit_postgres() -> Any:
    """Balance upsert, entry and lot as one statement: the entry's ``balance_after``
    comes from the upsert's RETURNING, the lot from the entry's. Built once."""
    entries, lots = PointsEntry.__table__.c, PointsLot.__table__.c
    balance = balance_upsert("postgresql").cte("balance")

    def param(name: str, column: Any) -> Any:
        return bindparam(name, type_=column.type)

    def insert_from(model: Any, source: Any, values: dict[str, Any]) -> Any:
        chosen = select(*values.values()).select_from(source)
        return postgresql.insert(model).from_select(list(values), chosen)

    entry = (
        insert_from(
            PointsEntry,
            balance,
            {
                "store_id": param("store_id", entries.store_id),
                "id": param("entry_id", entries.id),
                "customer_id": param("customer_id", entries.customer_id),
                "wallet_id": param("wallet_id", entries.wallet_id),
                "kind": param("kind", entries.kind),
                "amount": param("amount", entries.amount),
                "balance_after": balance.c.available + balance.c.locked,
                "source": param("source", entries.source),
                "reason": param("reason", entries.reason),
                "unlock_at": param("unlock_at", entries.unlock_at),
                "expires_at": param("expires_at", entries.expires_at),
                "idempotency_key": param("idempotency_key", entries.idempotency_key),
                "actor_user_id": param("actor_user_id", entries.actor_user_id),
                "at": param("updated_at", entries.at),
            },
        )
        .returning(entries.id)
        .cte("entry")
    )
    lot = (
        insert_from(
            PointsLot,
            entry,
            {
                "store_id": param("store_id", lots.store_id),
                "id": entry.c.id,
                "customer_id": param("customer_id", lots.customer_id),
                "wallet_id": param("wallet_id", lots.wallet_id),
                "status": param("status", lots.status),
                "amount": param("amount", lots.amount),
                "remaining": param("amount", lots.remaining),
                "unlock_at": param("unlock_at", lots.unlock_at),
                "expires_at": param("expires_at", lots.expires_at),
                "earned_at": param("updated_at", lots.earned_at),
            },
        )
        .returning(lots.id)
        .cte("lot")
    )
    return select(balance.c.available, balance.c.locked, balance.c.owed).add_cte(lot)


@cache
def balance_upsert(dialect: str) -> Any:
    """Built once per dialect: making the statement costs more than running it."""
    table = PointsBalance.__table__
    columns = ("store_id", "customer_id", "wallet_id", "available", "locked", "earned")
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    statement = insert(PointsBalance).values(
        {name: bindparam(name) for name in (*columns, "updated_at")}
    )
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.store_id, table.c.customer_id, table.c.wallet_id],
        set_={
            "available": table.c.available + new.available,
            "locked": table.c.locked + new.locked,
            "earned": table.c.earned + new.earned,
            "updated_at": new.updated_at,
        },
    ).returning(table.c.available, table.c.locked, table.c.owed)
