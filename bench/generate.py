"""Fill a database with realistic customers for the benchmark.

    python -m bench.generate --customers 1000000 [--small-stores 9 --small-size 20000]

Creates (once) a staff user ``bench@clientbook.dev`` owning store ``BENCH`` with N customers
and 9 smaller stores, on ``CLIENTBOOK_DATABASE_URL``. Derived columns (search text, sort
name, E.164 phone) are computed by the same code as the API's writes. On PostgreSQL rows go
in with COPY; on SQLite with batched inserts.
"""

import argparse
import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from bench.names import CITIES, DOMAINS, FIRST_NAMES, LABELS, LAST_NAMES, PHONE_PLANS
from clientbook.accounts.passwords import hash_password
from clientbook.customers.fields import derive
from clientbook.kit.contact import email_key
from clientbook.kit.db import Database
from clientbook.kit.migrate import upgrade
from clientbook.models import Customer, CustomerAddress, Membership, Store, User
from clientbook.settings import get_settings

BENCH_USER = "bench@clientbook.dev"
BENCH_PASSWORD = "bench-password"  # noqa: S105 (a local benchmark account)
BATCH = 5000
CUSTOMER_COLUMNS = [c.name for c in Customer.__table__.columns]
ADDRESS_COLUMNS = [c.name for c in CustomerAddress.__table__.columns]


def fake_customer(rng: random.Random, store_id: uuid.UUID, n: int, start: datetime) -> Customer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    code, length, lead = rng.choice(PHONE_PLANS)
    national = lead + "".join(rng.choice("0123456789") for _ in range(length - 1))
    created = start + timedelta(seconds=rng.randrange(5 * 365 * 24 * 3600))
    email = f"{first}.{last}.{n}@{rng.choice(DOMAINS)}".lower()
    labels = [dict(zip(("key", "value"), rng.choice(LABELS), strict=True))] if n % 3 == 0 else []
    customer = Customer(
        store_id=store_id,
        id=uuid.uuid4(),
        first_name=first,
        last_name=last,
        email=email,
        email_key=email_key(email),
        phone=f"+{code} {national}",
        phone_e164=f"+{code}{national}",
        phone_key=f"+{code}{national}",
        gender=rng.choice(["male", "female", "not_disclosed"]),
        birth_date=(created - timedelta(days=rng.randrange(18 * 365, 80 * 365))).date(),
        loyalty_card_number=f"{n:012d}" if n % 4 == 0 else None,
        labels=labels,
        consents={},
        preferences={},
        metadata_={},
        status="active",
        is_active=n % 10 != 0,
        created_at=created,
        updated_at=created + timedelta(days=rng.randrange(0, 365)),
        version=1,
    )
    derive(customer)
    return customer


def row(obj: Any, columns: list[str]) -> dict[str, Any]:
    mapper = obj.__mapper__
    return {c: getattr(obj, mapper.get_property_by_column(obj.__table__.c[c]).key) for c in columns}


def fake_address(rng: random.Random, customer: Customer) -> CustomerAddress:
    country, city, postal = rng.choice(CITIES)
    return CustomerAddress(
        store_id=customer.store_id,
        id=uuid.uuid4(),
        customer_id=customer.id,
        type=rng.choice(["billing", "shipping", "both"]),
        street=f"{rng.randrange(1, 300)} {rng.choice(LAST_NAMES)} Street",
        postal_code=postal,
        city=city,
        country=country,
        is_default=True,
        created_at=customer.created_at,
        updated_at=customer.created_at,
    )


async def ensure_user_and_store(db: Database, code: str) -> tuple[uuid.UUID, uuid.UUID]:
    async with db.transaction() as session:
        user = await session.scalar(select(User).where(User.email_key == BENCH_USER))
        if user is None:
            user = User(
                email=BENCH_USER, email_key=BENCH_USER, password_hash=hash_password(BENCH_PASSWORD)
            )
            session.add(user)
            await session.flush()
        store = await session.scalar(select(Store).where(Store.code == code))
        if store is None:
            store = Store(code=code, name=f"Bench {code}", currency="EUR", timezone="UTC")
            session.add(store)
            await session.flush()
            session.add(Membership(store_id=store.id, user_id=user.id, role="owner"))
        return user.id, store.id


async def fill(db: Database, store_id: uuid.UUID, count: int, seed: int) -> None:
    """Top the store up to ``count`` customers (an interrupted run continues)."""
    async with db.transaction() as session:
        done = await session.scalar(
            select(func.count()).select_from(Customer).where(Customer.store_id == store_id)
        )
    done = int(done or 0)
    rng = random.Random(seed * 1_000_003 + done)
    start = datetime(2021, 1, 1, tzinfo=UTC)
    began, first = time.perf_counter(), done
    while done < count:
        size = min(BATCH, count - done)
        customers = [fake_customer(rng, store_id, done + i, start) for i in range(size)]
        addresses = [fake_address(rng, c) for c in customers if rng.random() < 0.7]
        await write(db, customers, addresses)
        if (done == 0 and await unanalyzed(db)) or (done and done % ANALYZE_EVERY == 0):
            await analyze(db)  # not at every store's start: minutes at 1M
        done += size
        rate = (done - first) / (time.perf_counter() - began)
        print(f"\r  {done:>9,} / {count:,} customers ({rate:,.0f}/s)", end="", flush=True)
    print()


ANALYZE_EVERY = 100_000


async def analyze(db: Database) -> None:
    """Fresh statistics as the tables grow. A connection plans its foreign-key checks once;
    planned against an empty customers table, each address row's check scanned the
    whole table, and the load slowed from 4,000 to 1,300 rows/s by 140k customers."""
    if db.dialect == "postgresql":
        async with db.transaction() as session:
            await session.execute(text("ANALYZE customers, customer_addresses"))


async def unanalyzed(db: Database) -> bool:
    """Whether the customers table has no statistics yet (a new database): its first
    batch's foreign-key checks would otherwise scan the table for every address row, and
    the load fell from 1,600 to 360 rows/s by 35k customers."""
    if db.dialect != "postgresql":
        return False
    async with db.transaction() as session:
        tuples = await session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'customers'::regclass")
        )
    return tuples is not None and tuples < 0


async def write(db: Database, customers: list[Customer], addresses: list[CustomerAddress]) -> None:
    customer_rows = [row(c, CUSTOMER_COLUMNS) for c in customers]
    address_rows = [row(a, ADDRESS_COLUMNS) for a in addresses]
    async with db.transaction() as session:
        if db.dialect == "postgresql":
            connection = await session.connection()
            raw = (await connection.get_raw_connection()).driver_connection
            for table, columns, rows in (
                ("customers", CUSTOMER_COLUMNS, customer_rows),
                ("customer_addresses", ADDRESS_COLUMNS, address_rows),
            ):
                records = [tuple(_pg(r[c]) for c in columns) for r in rows]
                await raw.copy_records_to_table(table, records=records, columns=columns)
        else:
            await session.execute(insert(Customer.__table__), customer_rows)
            if address_rows:
                await session.execute(insert(CustomerAddress.__table__), address_rows)


def _pg(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


SEARCH_INDEX = "ix_customers_search_text_trgm"


async def search_index(db: Database, *, present: bool) -> None:
    """A trigram index grows slowly row by row; it is dropped for the load and built after."""
    if db.dialect != "postgresql":
        return
    async with db.transaction() as session:
        if present:
            print("building the trigram search index")
            await session.execute(
                text(
                    f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON customers "
                    "USING gin (search_text gin_trgm_ops)"
                )
            )
        else:
            await session.execute(text(f"DROP INDEX IF EXISTS {SEARCH_INDEX}"))


async def main(customers: int, small_stores: int, small_size: int) -> None:
    db = Database(get_settings().database_url)
    await search_index(db, present=False)
    try:
        _, store_id = await ensure_user_and_store(db, "BENCH")
        print(f"store BENCH: {customers:,} customers")
        await fill(db, store_id, customers, seed=1)
        for i in range(1, small_stores + 1):
            _, small_id = await ensure_user_and_store(db, f"SMALL{i}")
            print(f"store SMALL{i}: {small_size:,} customers")
            await fill(db, small_id, small_size, seed=100 + i)
    finally:
        await search_index(db, present=True)
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--small-stores", type=int, default=9)
    parser.add_argument("--small-size", type=int, default=20_000)
    args = parser.parse_args()
    upgrade(get_settings().database_url)
    asyncio.run(main(args.customers, args.small_stores, args.small_size))
