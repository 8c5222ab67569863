"""Loyalty data for the benchmark store: balances, ledger entries and lots, purchases and
purchase stats, written straight with COPY (PostgreSQL only), consistent with what the
API would have written.

    python -m bench.loyalty_data            # after bench.generate; once per database

Every 10th customer of ``BENCH`` (100k of 1M) made 1 to 3 completed purchases (~200k),
each earning 1 point per EUR through an earning rule; every 10th + 5 got 50 welcome
points. Each earning is an entry and a lot; each of those customers has a balance row
and the buyers a stats row. The store gets the earning rule the earning scenario uses.
"""

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from clientbook.kit.db import async_url
from clientbook.settings import get_settings

STORE = "BENCH"
CHUNK = 20_000
CENT = Decimal("0.01")


async def main() -> None:
    url = get_settings().database_url
    if not url.startswith("postgres"):
        raise SystemExit("the loyalty data is written with COPY: PostgreSQL only")
    connection = await asyncpg.connect(async_url(url).replace("+asyncpg", ""))
    try:
        await _fill(connection)
    finally:
        await connection.close()


async def _fill(c: asyncpg.Connection) -> None:
    store_id = await c.fetchval("SELECT id FROM stores WHERE code = $1", STORE)
    if store_id is None:
        raise SystemExit("run bench.generate first")
    if await c.fetchval("SELECT 1 FROM loyalty_purchases WHERE store_id = $1 LIMIT 1", store_id):
        print("BENCH already has loyalty data")
        return
    now = datetime.now(UTC)
    # bench.generate makes its stores directly, without the wallet the API gives a store.
    await c.execute(
        "INSERT INTO loyalty_wallets (store_id, id, code, name, created_at)"
        " VALUES ($1, $2, 'points', 'Points', $3) ON CONFLICT DO NOTHING",
        store_id,
        uuid.uuid4(),
        now,
    )
    wallet_id = await c.fetchval(
        "SELECT id FROM loyalty_wallets WHERE store_id = $1 AND code = 'points'", store_id
    )
    rule_id = await c.fetchval(
        "SELECT id FROM loyalty_earning_rules WHERE store_id = $1 LIMIT 1", store_id
    )
    if rule_id is None:  # an interrupted run may have made it already
        rule_id = uuid.uuid4()
        await c.execute(
            "INSERT INTO loyalty_earning_rules (store_id, id, name, wallet_id, points_per_unit,"
            " minimum_order, multipliers, active, created_at)"
            " VALUES ($1, $2, '1 point per EUR', $3, 1, 0, '{}', true, $4)",
            store_id,
            rule_id,
            wallet_id,
            now,
        )
    rng = random.Random(11)
    began, done, after = time.perf_counter(), 0, uuid.UUID(int=0)
    counts = {"purchases": 0, "balances": 0}
    while True:
        ids = [
            (r["id"], r["created_at"])
            for r in await c.fetch(
                "SELECT id, created_at FROM customers WHERE store_id = $1 AND id > $2"
                " ORDER BY id LIMIT $3",
                store_id,
                after,
                CHUNK,
            )
        ]
        if not ids:
            break
        after = ids[-1][0]
        tables = _chunk(rng, store_id, wallet_id, rule_id, ids, done, now)
        async with c.transaction():
            for table, rows in tables.items():
                if rows:
                    columns = list(rows[0])
                    records = [tuple(r[k] for k in columns) for r in rows]
                    await c.copy_records_to_table(table, records=records, columns=columns)
        counts["purchases"] += len(tables["loyalty_purchases"])
        counts["balances"] += len(tables["loyalty_balances"])
        done += len(ids)
        rate = done / (time.perf_counter() - began)
        print(
            f"\r  {done:>9,} customers, {counts['purchases']:,} purchases, "
            f"{counts['balances']:,} balances ({rate:,.0f} customers/s)",
            end="",
            flush=True,
        )
    print()
    await c.execute(
        "ANALYZE loyalty_balances, loyalty_entries, loyalty_lots, loyalty_purchases,"
        " loyalty_purchase_stats"
    )


def _chunk(
    rng: random.Random,
    store_id: uuid.UUID,
    wallet_id: uuid.UUID,
    rule_id: uuid.UUID,
    ids: list[tuple[uuid.UUID, datetime]],  # each customer's id and created_at
    offset: int,
    now: datetime,
) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {
        "loyalty_purchases": [],
        "loyalty_entries": [],
        "loyalty_lots": [],
        "loyalty_balances": [],
        "loyalty_purchase_stats": [],
    }
    for n, (customer_id, created_at) in enumerate(ids, start=offset):
        if n % 10 == 0:
            _buyer(rng, tables, store_id, wallet_id, rule_id, (customer_id, created_at), now)
        elif n % 10 == 5:
            at = now - timedelta(days=rng.randrange(1, 700))
            earned = [(Decimal(50), at, "welcome", None)]
            _ledger(tables, store_id, wallet_id, customer_id, earned, now)
    return tables


def _buyer(
    rng: random.Random,
    tables: dict[str, list[dict[str, Any]]],
    store_id: uuid.UUID,
    wallet_id: uuid.UUID,
    rule_id: uuid.UUID,
    customer: tuple[uuid.UUID, datetime],
    now: datetime,
) -> None:
    customer_id, created_at = customer
    earned = []
    totals: list[tuple[Decimal, Decimal, datetime]] = []
    for _ in range(rng.randint(1, 3)):
        purchase_id = uuid.uuid4()
        total = Decimal(rng.randrange(1_000, 50_000)) * CENT  # above any delivery cost
        delivery = Decimal(rng.choice((0, 499, 999))) * CENT
        at = now - timedelta(days=rng.randrange(1, 700), seconds=rng.randrange(86_400))
        points = total - delivery
        tables["loyalty_purchases"].append(
            {
                "store_id": store_id,
                "id": purchase_id,
                "customer_id": customer_id,
                "number": f"B-{purchase_id.hex[:16]}",
                "status": "completed",
                "purchased_at": at,
                "currency": "EUR",
                "total": total,
                "delivery_costs": delivery,
                "excluded_amount": Decimal(0),
                "item_count": rng.randint(1, 6),
                "points_earned": points,
                "points_reversed": Decimal(0),
                "returned_amount": Decimal(0),
                "created_at": at,
            }
        )
        earned.append(
            (points, at, f"purchase:B-{purchase_id.hex[:16]}", f"purchase:{purchase_id}:{rule_id}")
        )
        totals.append((total, delivery, at))
    _ledger(tables, store_id, wallet_id, customer_id, earned, now)
    amount = sum((t for t, _, _ in totals), Decimal(0))
    without = sum((t - d for t, d, _ in totals), Decimal(0))
    tables["loyalty_purchase_stats"].append(
        {
            "store_id": store_id,
            "customer_id": customer_id,
            "count": len(totals),
            "total": amount,
            "total_without_delivery": without,
            "eligible_total": without,
            "average": (amount / len(totals)).quantize(CENT),
            "last_at": max(at for _, _, at in totals),
            "listed_at": created_at,
        }
    )


def _ledger(
    tables: dict[str, list[dict[str, Any]]],
    store_id: uuid.UUID,
    wallet_id: uuid.UUID,
    customer_id: uuid.UUID,
    earned: list[tuple[Decimal, datetime, str, str | None]],
    now: datetime,
) -> None:
    balance = Decimal(0)
    for amount, at, source, key in sorted(earned, key=lambda e: e[1]):
        entry_id = uuid.uuid4()
        balance += amount
        tables["loyalty_entries"].append(
            {
                "store_id": store_id,
                "id": entry_id,
                "customer_id": customer_id,
                "wallet_id": wallet_id,
                "kind": "earn",
                "amount": amount,
                "balance_after": balance,
                "source": source[:64],
                "idempotency_key": key,
                "at": at,
            }
        )
        tables["loyalty_lots"].append(
            {
                "store_id": store_id,
                "id": entry_id,
                "customer_id": customer_id,
                "wallet_id": wallet_id,
                "status": "active",
                "amount": amount,
                "remaining": amount,
                "earned_at": at,
            }
        )
    tables["loyalty_balances"].append(
        {
            "store_id": store_id,
            "customer_id": customer_id,
            "wallet_id": wallet_id,
            "available": balance,
            "locked": Decimal(0),
            "earned": balance,
            "used": Decimal(0),
            "expired": Decimal(0),
            "owed": Decimal(0),
            "updated_at": now,
        }
    )


if __name__ == "__main__":
    asyncio.run(main())
