"""Time the data lifecycle at a million customers: duplicate candidates of one customer,
each step of a whole-store scan, and a merge of two customers with thousands of events.

    CLIENTBOOK_DATABASE_URL=postgresql://postgres@127.0.0.1/clientbook_bench \\
        python -m bench.lifecycle [--samples 200] [--events 3000]

Runs the services in-process against store ``BENCH`` (made by ``bench.generate``):

- candidates read: ``candidates_for`` (what ``GET /duplicates?customer_id=`` runs: the
  stored pairs and the exact-key lookups) for ``--samples`` customers picked at random,
  each in its own read session; p50, p95, max;
- background check: ``candidates_of`` (every lookup, the trigram one included, as the
  check of a written customer runs it) for as many others;
- scan: each step of ``duplicates.scan`` (``pairs_by_key``, the pairs judged but not
  stored), with how many pairs it found;
- merge: two customers made for the run, each given ``--events`` trail events, points
  entries and an address, merged with ``merge_customers`` in one transaction (timed), then
  deleted again, so the run leaves the store as it found it.

Appends a section to ``bench/RESULTS-lifecycle.md``.
"""

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, text

from clientbook.duplicates.candidates import candidates_of
from clientbook.duplicates.checks import KEPT
from clientbook.duplicates.merge import merge_customers
from clientbook.duplicates.pairs import candidates_for
from clientbook.duplicates.scan import STEPS, pairs_by_key
from clientbook.kit.db import Database, utcnow
from clientbook.loyalty.points import PointsChange, write_points
from clientbook.loyalty.wallets import ensure_default_wallet
from clientbook.models import Customer, CustomerAddress, CustomerEvent, Store, Wallet
from clientbook.settings import get_settings
from clientbook.stores.scope import StoreScope, job_scope

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS-lifecycle.md"
STORE = "BENCH"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def _scope(database: Database) -> StoreScope:
    async with database.reading() as session:
        store = await session.scalar(select(Store).where(Store.code == STORE))
        if store is None:
            raise SystemExit(f"no store {STORE}: run python -m bench.generate first")
        return job_scope(store)


async def _sample_ids(database: Database, scope: StoreScope, samples: int) -> list[uuid.UUID]:
    async with database.reading() as session:
        rows = await session.execute(
            text(
                "SELECT id FROM customers TABLESAMPLE SYSTEM (0.1) "
                "WHERE store_id = :store AND deleted_at IS NULL LIMIT :n"
            ),
            {"store": scope.store_id, "n": samples},
        )
        ids = [row[0] for row in rows]
        if len(ids) < samples:  # a small store: the sample found too few
            rows = await session.execute(
                select(Customer.id)
                .where(Customer.store_id == scope.store_id, Customer.deleted_at.is_(None))
                .limit(samples)
            )
            ids = [row[0] for row in rows]
        return ids


def _spread(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return f"p50 {_ms(statistics.median(times))}, p95 {_ms(p95)}, max {_ms(times[-1])}"


async def bench_candidates(database: Database, scope: StoreScope, samples: int) -> list[str]:
    """The read (``GET /duplicates?customer_id=``: stored pairs and the exact keys)."""
    ids = await _sample_ids(database, scope, samples)
    times, found = [], []
    for customer_id in ids:
        async with database.reading() as session:
            started = time.perf_counter()
            candidates = await candidates_for(session, scope, customer_id, 20)
            times.append(time.perf_counter() - started)
            found.append(len(candidates))
    if not times:
        return ["- candidates: the store has no customers"]
    return [
        f"- read of one customer's candidates ({len(ids)} at random, stored pairs and exact "
        f"keys): {_spread(times)}; {statistics.mean(found):.1f} candidates on average",
    ]


async def bench_checks(database: Database, scope: StoreScope, samples: int) -> list[str]:
    """The background check's lookups for one written customer (similar names too), in
    a transaction as the check runs them; nothing is written."""
    ids = await _sample_ids(database, scope, samples)
    times, found = [], []
    for customer_id in ids:
        async with database.transaction() as session:
            customer = await session.get_one(Customer, (scope.store_id, customer_id))
            started = time.perf_counter()
            candidates = await candidates_of(session, scope, customer, limit=KEPT)
            times.append(time.perf_counter() - started)
            found.append(len(candidates))
    if not times:
        return []
    return [
        f"- background check of one written customer ({len(ids)} at random, every lookup "
        f"incl. trigram): {_spread(times)}; {statistics.mean(found):.1f} candidates on average",
    ]


async def bench_scan(database: Database, scope: StoreScope) -> list[str]:
    lines = []
    total = 0.0
    for name, key in STEPS:
        async with database.reading() as session:
            started = time.perf_counter()
            pairs = await pairs_by_key(session, scope, key())
            took = time.perf_counter() - started
        total += took
        lines.append(f"- scan step `{name}`: {_ms(took)}, {len(pairs)} pairs")
    lines.append(f"- whole-store scan (all steps, pairs judged, not stored): {_ms(total)}")
    return lines


async def _customer_with_history(
    database: Database, scope: StoreScope, events: int, n: int
) -> uuid.UUID:
    customer_id = uuid.uuid4()
    now = utcnow()
    async with database.transaction() as session:
        session.add(
            Customer(
                store_id=scope.store_id,
                id=customer_id,
                first_name="Bench",
                last_name=f"Merge{n}",
                email_key="",
                sort_name=f"bench merge{n}",
                search_text="",
                labels=[],
                consents={},
                preferences={},
                metadata_={},
                created_at=now,
                updated_at=now,
            )
        )
        session.add(CustomerAddress(store_id=scope.store_id, customer_id=customer_id, city="Bench"))
        await session.flush()
        rows = [
            {
                "store_id": scope.store_id,
                "id": uuid.uuid4(),
                "customer_id": customer_id,
                "action": "updated",
                "fields": ["first_name"],
                "at": now,
            }
            for _ in range(events)
        ]
        await session.execute(insert(CustomerEvent), rows)
    for _ in range(20):
        async with database.transaction() as session:
            change = PointsChange(wallet="points", type="earn", amount=Decimal(5))
            await write_points(session, scope, customer_id, change)
    return customer_id


async def bench_merge(database: Database, scope: StoreScope, events: int) -> list[str]:
    async with database.transaction() as session:
        had_wallet = await session.scalar(
            select(Wallet.id).where(Wallet.store_id == scope.store_id, Wallet.code == "points")
        )
        await ensure_default_wallet(session, scope.store_id)
    a = await _customer_with_history(database, scope, events, 1)
    b = await _customer_with_history(database, scope, events, 2)
    try:
        async with database.transaction() as session:
            started = time.perf_counter()
            result = await merge_customers(session, scope, a, [b], preview=False)
            took = time.perf_counter() - started
        moved = result.records.get("events", 0)
        return [
            f"- merge of two customers with {events} events and 20 points entries each: "
            f"{_ms(took)} ({moved} events moved, one transaction)"
        ]
    finally:
        async with database.transaction() as session:
            await session.execute(
                delete(Customer).where(Customer.store_id == scope.store_id, Customer.id.in_([a, b]))
            )
            if had_wallet is None:  # leave the store as it was found
                await session.execute(delete(Wallet).where(Wallet.store_id == scope.store_id))


async def main(samples: int, events: int) -> None:
    database = Database(get_settings().database_url)
    try:
        scope = await _scope(database)
        async with database.reading() as session:
            count = await session.scalar(
                text("SELECT count(*) FROM customers WHERE store_id = :s"), {"s": scope.store_id}
            )
        lines = [f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, store BENCH: {count} customers", ""]
        for part in (
            bench_candidates(database, scope, samples),
            bench_checks(database, scope, samples),
            bench_scan(database, scope),
            bench_merge(database, scope, events),
        ):
            done = await part
            print("\n".join(done), flush=True)
            lines += done
    finally:
        await database.dispose()
    report = "\n".join(lines) + "\n"
    print(report)
    header = "" if RESULTS.exists() else "# Data lifecycle at a million customers\n\n"
    with RESULTS.open("a") as out:
        out.write(header + report + "\n")


def _arguments() -> Any:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--events", type=int, default=3000)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    asyncio.run(main(arguments.samples, arguments.events))
