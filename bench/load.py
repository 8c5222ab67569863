"""Load test: Clientbook with 2 workers against the benchmark database, measured with wrk,
beside the same queries run directly on the database (the raw floor).

    python -m bench.load [--duration 10] [--out bench/RESULTS.md]

Needs ``wrk`` (``apt-get install wrk``) and a database filled by ``bench.generate``
(``CLIENTBOOK_DATABASE_URL``). Traffic goes to 127.0.0.1 only; every run is bounded by
``--duration`` per scenario.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt

from bench.generate import BENCH_PASSWORD, BENCH_USER
from clientbook.kit.db import async_url
from clientbook.kit.pagination import encode_cursor
from clientbook.settings import get_settings

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
STORE = "BENCH"


@dataclass
class Measure:
    name: str
    concurrency: int
    p50_ms: float
    p99_ms: float
    rps: float


# --- the server ------------------------------------------------------------------------------


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "clientbook.cli",
        "serve",
        "--port",
        str(PORT),
        "--workers",
        "2",
    ]
    # A session of its own: when the server never answers, its workers go with it.
    server = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120  # a busy machine starts two workers slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{BASE}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    raise RuntimeError("the server did not start")


def worker_rss_mb(server: subprocess.Popen[bytes]) -> list[float]:
    """Resident memory of each uvicorn worker process (children of the server)."""
    out = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(server.pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return [int(line) / 1024 for line in out.split()]


# --- wrk -------------------------------------------------------------------------------------

LUA = r"""
local ids = {}
for line in io.lines("%(ids)s") do ids[#ids + 1] = line end
local queries = {}
for line in io.lines("%(queries)s") do queries[#queries + 1] = line end
local counter = 0
-- each wrk thread has its own Lua state: a table's address tells the threads apart
local thread_tag = string.gsub(tostring({}), "table: ", "")
-- and seeds each its own sequence: in step, two threads would write the same customer
math.randomseed(os.time() + (tonumber(string.sub(thread_tag, -6), 16) or 0))
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local id = ids[math.random(#ids)]
  local mode = "%(mode)s"
  if mode == "health" then
    return wrk.format("GET", "/healthz")
  elseif mode == "get" then
    return wrk.format("GET", "/v1/stores/%(store)s/customers/" .. id)
  elseif mode == "patch" then
    return wrk.format("PATCH", "/v1/stores/%(store)s/customers/" .. id, nil,
      '{"first_name": "Bench' .. counter .. '"}')
  elseif mode == "loyalty" then
    return wrk.format("GET", "/v1/stores/%(store)s/customers/" .. id .. "/loyalty")
  elseif mode == "purchase" then
    return wrk.format("POST", "/v1/stores/%(store)s/purchases", nil,
      '{"customer_id": "' .. id .. '", "number": "load-' .. thread_tag .. '-' .. counter ..
      '", "status": "completed", "total": "84.97", "currency": "EUR",' ..
      ' "purchased_at": "2026-11-20T10:00:00Z"}')
  elseif mode == "create" then
    return wrk.format("POST", "/v1/stores/%(store)s/customers", nil,
      '{"first_name": "Load", "last_name": "Test", "email": "load-' .. thread_tag .. '-' ..
      counter .. '@bench.example.com", "phone": "+48 600 100 200"}')
  elseif mode == "moodmnky" then
    return wrk.format("GET", "/api/customers/profile")
  elseif mode == "aimeos" then
    return wrk.format("GET", "/jsonapi/customer")
  elseif mode == "pos" then
    return wrk.format("POST", "/api/%(store)s/pos/search/customer", nil,
      queries[math.random(#queries)])
  elseif mode == "openloyalty" then
    return wrk.format("GET", "/api/%(store)s/admin/customer?" .. queries[math.random(#queries)])
  else
    return wrk.format("GET", "/v1/stores/%(store)s/customers?" .. queries[math.random(#queries)])
  end
end
"""


def wrk(name: str, mode: str, concurrency: int, duration: int, files: dict[str, str]) -> Measure:
    """One scenario, after a second of the same traffic that is not counted (each worker
    connects, prepares its statements and fills its pool on first use)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % {**files, "mode": mode, "store": STORE})
    try:
        _run_wrk(script.name, max(concurrency, 4), 1)  # reaches both workers
        out = _run_wrk(script.name, concurrency, duration)
    finally:
        os.unlink(script.name)
    if "Non-2xx" in out:
        raise RuntimeError(f"{name}: some requests failed\n{out}")
    return Measure(name, concurrency, _latency(out, "50%"), _latency(out, "99%"), _rps(out))


def _run_wrk(script: str, concurrency: int, duration: int) -> str:
    threads = min(concurrency, 2)
    command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{duration}s", "--latency"]
    return subprocess.run(
        [*command, "-s", script, BASE], capture_output=True, text=True, check=True
    ).stdout


def _latency(out: str, percentile: str) -> float:
    match = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)", out)
    if match is None:
        raise RuntimeError(out)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _rps(out: str) -> float:
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None:
        raise RuntimeError(out)
    return float(match.group(1))


# --- the raw floor ---------------------------------------------------------------------------


async def floor(
    name: str,
    pool: asyncpg.Pool,
    query: Callable[[asyncpg.Connection], Awaitable[Any]],
    concurrency: int,
    duration: float,
) -> Measure:
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def client() -> None:
        while time.perf_counter() < deadline:
            async with pool.acquire() as connection:
                started = time.perf_counter()
                await query(connection)
                latencies.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return Measure(name, concurrency, cuts[49], cuts[98], len(latencies) / elapsed)


# --- scenarios -------------------------------------------------------------------------------


def run(duration: int, out_path: Path | None, only: str | None, api_key: bool = False) -> None:
    settings = get_settings()
    url = settings.database_url
    if not url.startswith("postgres"):
        raise SystemExit("the benchmark runs on PostgreSQL (CLIENTBOOK_DATABASE_URL)")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    env = {**os.environ, "CLIENTBOOK_LOG_LEVEL": "WARNING", "CLIENTBOOK_JWT_SECRET": "b" * 48}
    asyncio.run(_tidy(url))
    samples = asyncio.run(_samples(url))
    server = start_server(env)
    try:
        token = httpx.post(
            f"{BASE}/v1/auth/token", json={"email": BENCH_USER, "password": BENCH_PASSWORD}
        ).json()["access_token"]
        signer = _api_key(token) if api_key else token
        with tempfile.TemporaryDirectory() as folder:
            ids = Path(folder, "ids.txt")
            ids.write_text("\n".join(samples["ids"]))
            results = _api_scenarios(duration, signer, ids, Path(folder), samples, only)
        rss = worker_rss_mb(server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    claims = jwt.decode(token, options={"verify_signature": False})
    session = (uuid.UUID(claims["sid"]), uuid.UUID(claims["sub"]))
    floors = asyncio.run(_floors(url, samples, session, duration, only))
    asyncio.run(_tidy(url))
    write_results(out_path, results, floors, rss, samples["size"], duration)


MOOD_PASSWORD = "bench-mood-" + "x" * 12


def _mood_customer(token: str, samples: dict[str, Any]) -> str:
    """A customer with everything the MOOD MNKY profile shows (addresses, scent profile
    with blends, preferences, points, purchases where the data has them), signed in: its
    customer access token."""
    staff = {"Authorization": f"Bearer {token}"}
    # a live one: balances are kept for deleted customers too
    customer_id = next(
        candidate
        for candidate in [*samples["loyal_ids"], *samples["ids"]]
        if httpx.get(f"{BASE}/v1/stores/{STORE}/customers/{candidate}", headers=staff).is_success
    )
    base = f"{BASE}/v1/stores/{STORE}/customers/{customer_id}"
    email = f"mood-{customer_id[:8]}@bench.example.com"
    for response in (
        httpx.patch(base, json={"email": email}, headers=staff),
        httpx.put(f"{base}/password", json={"password": MOOD_PASSWORD}, headers=staff),
    ):
        response.raise_for_status()
    listed = httpx.get(f"{base}/addresses", headers=staff).json()["data"]
    for city, kind in (("Home", "both"), ("Work", "shipping"))[len(listed) :]:
        body = {"name": city, "city": "New York", "line1": "1 Main St", "country": "US"}
        httpx.post(f"{base}/addresses", json={**body, "type": kind}, headers=staff)
    scent = {
        "name": "Bench profile",
        "preferences": {"intensity": "medium", "categories": ["floral", "woody"]},
        "custom_blends": [{"name": "Summer", "notes": ["lavender", "bergamot"]}],
    }
    prefs = {"email_marketing": True, "reminder_frequency": "weekly"}
    httpx.patch(f"{base}/profiles/scent", json=scent, headers=staff).raise_for_status()
    httpx.patch(f"{base}/profiles/preferences", json=prefs, headers=staff).raise_for_status()
    signed = httpx.post(
        f"{BASE}/v1/stores/{STORE}/customer-auth/token",
        json={"username": email, "password": MOOD_PASSWORD},
    )
    signed.raise_for_status()
    access: str = signed.json()["access_token"]
    return access


def _api_key(token: str) -> str:
    """A fresh admin API key of the store, to sign the scenarios with instead of the JWT."""
    made = httpx.post(
        f"{BASE}/v1/stores/{STORE}/api-keys",
        json={"name": f"bench-{uuid.uuid4().hex[:8]}", "role": "admin"},
        headers={"Authorization": f"Bearer {token}"},
    )
    made.raise_for_status()
    key: str = made.json()["key"]
    return key


def _api_scenarios(
    duration: int, token: str, ids: Path, folder: Path, samples: dict[str, Any], only: str | None
) -> list[Measure]:
    results = []
    for name, mode, queries in (
        ("ceiling: /healthz, no database", "health", ["x"]),
        ("get by id", "get", ["x"]),
        ("first page, exact total", "list", ["limit=20"]),
        ("page 1,000", "list", ["limit=20&page=1000"]),
        ("cursor page deep in the list", "list", [f"limit=20&cursor={samples['cursor']}"]),
        ("search: part of a name", "list", [f"q={q}" for q in samples["name_parts"]]),
        ("search: part of an e-mail", "list", [f"q={q}" for q in samples["email_parts"]]),
        ("search: phone written another way", "list", [f"q={q}" for q in samples["phones"]]),
        *[(name, "list", [f"q={q}" for q in parts]) for name, parts in _broad(samples)],
        (
            "broad: is_active=true and a search",
            "list",
            [f"is_active=true&q={q}" for q in samples["common_parts"]],
        ),
        ("Open Loyalty list: first page, exact total", "openloyalty", ["perPage=10"]),
        (
            "Open Loyalty list: firstName substring",
            "openloyalty",
            [f"firstName={q}&strict=0" for q in samples["name_parts"]],
        ),
        (
            "Open Loyalty list: email substring",
            "openloyalty",
            [f"email={q}&strict=0" for q in samples["email_parts"]],
        ),
        (
            "Open Loyalty list: sorted by transactionsAmount",
            "openloyalty",
            ["sort=transactionsAmount&direction=desc&perPage=10"],
        ),
        (
            "Open Loyalty POS search: e-mail",
            "pos",
            [json.dumps({"search": {"email": e}}) for e in samples["emails"]],
        ),
        (
            "Open Loyalty POS search: phone written another way",
            "pos",
            [json.dumps({"search": {"phone": p.replace("%20", " ")}}) for p in samples["phones"]],
        ),
        (
            "Open Loyalty POS search: post code",
            "pos",
            [json.dumps({"search": {"postcode": p["postal_code"]}}) for p in samples["places"]],
        ),
        (
            "Open Loyalty POS search: city and last name",
            "pos",
            [
                json.dumps({"search": {"city": p["city"], "lastName": p["last_name"]}})
                for p in samples["places"]
            ],
        ),
        ("create", "create", ["x"]),
        ("patch", "patch", ["x"]),
        ("loyalty: status read", "loyalty", ["x"]),
        ("MOOD MNKY: profile of one customer with everything", "moodmnky", ["x"]),
        ("Aimeos: GET /jsonapi/customer, signed in", "aimeos", ["x"]),
        ("loyalty: earning on a purchase", "purchase", ["x"]),
        *[(name, "list", queries) for name, queries in PURCHASE_FILTERS],
    ):
        if only and only not in name:
            continue
        if mode in LIST_PATHS:
            _remember_counts(token, queries, LIST_PATHS[mode])
        query_file = folder / f"{mode}-{len(results)}.txt"
        query_file.write_text("\n".join(queries))
        id_file = ids
        if mode in ("loyalty", "purchase"):
            id_file = folder / "loyal-ids.txt"
            id_file.write_text("\n".join(samples["loyal_ids"] or samples["ids"]))
        signer = _mood_customer(token, samples) if mode in ("moodmnky", "aimeos") else token
        files = {"ids": str(id_file), "queries": str(query_file), "token": signer}
        for concurrency in (1, 16):
            measure = wrk(name, mode, concurrency, duration, files)
            print(
                f"{name:40} c{concurrency:<3} p50 {measure.p50_ms:8.2f} ms  "
                f"p99 {measure.p99_ms:8.2f} ms  {measure.rps:9.1f} req/s",
                flush=True,
            )
            results.append(measure)
    if not only or "webhook" in only:
        results += _webhook_scenarios(duration, token, files_for=(ids, folder))
    return results


def _webhook_scenarios(duration: int, token: str, files_for: tuple[Path, Path]) -> list[Measure]:
    """Create and PATCH again with a webhook endpoint subscribed to every customer event:
    each write then also reads the store's endpoints and writes a delivery row
    (webhooks/events.py). The endpoint is removed (with its deliveries) afterwards."""
    ids, folder = files_for
    headers = {"Authorization": f"Bearer {token}"}
    made = httpx.post(
        f"{BASE}/v1/stores/{STORE}/webhooks",
        json={
            "url": "https://hooks.invalid/bench",
            "events": ["customer.created", "customer.updated", "customer.consent_changed"],
        },
        headers=headers,
    )
    made.raise_for_status()
    results = []
    try:
        for name, mode in (
            ("create, a webhook subscribed", "create"),
            ("patch, a webhook subscribed", "patch"),
        ):
            query_file = folder / f"webhook-{mode}.txt"
            query_file.write_text("x")
            files = {"ids": str(ids), "queries": str(query_file), "token": token}
            for concurrency in (1, 16):
                measure = wrk(name, mode, concurrency, duration, files)
                print(
                    f"{name:40} c{concurrency:<3} p50 {measure.p50_ms:8.2f} ms  "
                    f"p99 {measure.p99_ms:8.2f} ms  {measure.rps:9.1f} req/s",
                    flush=True,
                )
                results.append(measure)
    finally:
        httpx.delete(
            f"{BASE}/v1/stores/{STORE}/webhooks/{made.json()['id']}", headers=headers, timeout=600
        )
    return results


LIST_PATHS = {"list": f"/v1/stores/{STORE}/customers", "openloyalty": f"/api/{STORE}/customer"}


def _remember_counts(token: str, queries: list[str], path: str) -> None:
    """Ask each query on fresh connections until both workers have most likely counted it
    (each new connection goes to either), so the scenario measures what a client paging
    through a search meets: its total remembered. What a first count costs is measured on
    its own (the "count, not remembered" lines)."""
    headers = {"Authorization": f"Bearer {token}"}
    for query in queries:
        for _ in range(8):
            httpx.get(f"{BASE}{path}?{query}", headers=headers, timeout=60)


async def _tidy(url: str) -> None:
    """Remove the customers a run creates and vacuum, so every run sees the same store:
    thousands of new customers at the top of the list would change what a search in list
    order walks through, and unvacuumed pages cost index-only scans a heap visit each."""
    connection = await asyncpg.connect(async_url(url).replace("+asyncpg", ""))
    try:
        await connection.execute(
            "DELETE FROM customers WHERE email LIKE 'load-%@bench.example.com'"
        )
        # The earning scenario's purchases, so their numbers can come again; the points
        # they earned stay in the ledger (which keeps reconciling) and in the stats.
        await connection.execute("DELETE FROM loyalty_purchases WHERE number LIKE 'load-%'")
        await connection.execute("VACUUM ANALYZE customers")
    finally:
        await connection.close()


async def _samples(url: str) -> dict[str, Any]:
    connection = await asyncpg.connect(async_url(url).replace("+asyncpg", ""))
    try:
        store_id = await connection.fetchval("SELECT id FROM stores WHERE code = $1", STORE)
        size = await connection.fetchval(
            "SELECT count(*) FROM customers WHERE store_id = $1 AND deleted_at IS NULL", store_id
        )
        rows = await connection.fetch(
            "SELECT id, last_name, email, phone_e164, created_at FROM customers "
            "WHERE store_id = $1 AND deleted_at IS NULL ORDER BY random() LIMIT 1000",
            store_id,
        )
        loyal = await connection.fetch(
            "SELECT customer_id FROM loyalty_balances WHERE store_id = $1"
            " ORDER BY random() LIMIT 1000",
            store_id,
        )
        places = await connection.fetch(
            "SELECT a.city, a.postal_code, c.last_name FROM customer_addresses a"
            " JOIN customers c ON c.store_id = a.store_id AND c.id = a.customer_id"
            " WHERE a.store_id = $1 AND a.city <> '' AND a.postal_code <> ''"
            " ORDER BY random() LIMIT 50",
            store_id,
        )
        deep = await connection.fetchrow(
            "SELECT id, created_at FROM customers WHERE store_id = $1 AND deleted_at IS NULL "
            "ORDER BY created_at DESC, id DESC OFFSET 19980 LIMIT 1",
            store_id,
        )
    finally:
        await connection.close()
    rng = random.Random(7)
    cursor = _cursor(deep["created_at"], deep["id"])
    return {
        "store_id": store_id,
        "size": size,
        "ids": [str(r["id"]) for r in rows],
        "loyal_ids": [str(r["customer_id"]) for r in loyal],
        "name_parts": sorted({r["last_name"][1:5].lower() for r in rows}),
        "common_parts": _common_parts([r["last_name"] for r in rows]),
        "email_parts": [r["email"].split("@")[0][-8:] for r in rng.sample(rows, 50)],
        "emails": [r["email"] for r in rng.sample(rows, 50)],
        "phones": [_another_way(r["phone_e164"]) for r in rng.sample(rows, 50)],
        "places": [dict(r) for r in places],
        "cursor": cursor,
        "deep": deep,
    }


# Open Loyalty's customer list filters on purchase stats (bench.loyalty_data makes them).
PURCHASE_FILTERS = [
    (
        "loyalty: amount from/to filter",
        [f"transactions_amount_from={a}&transactions_amount_to={a + 50}" for a in (50, 150, 400)],
    ),
    (
        "loyalty: count and average filter",
        [
            "transactions_count_from=2&average_transaction_amount_from=100",
            "transactions_count_from=3",
            "average_transaction_amount_to=20",
        ],
    ),
    ("loyalty: days since last purchase", ["days_from_last_transaction_to=30"]),
]


# Searches that match a large part of the store: every page is full, so each total is a
# count (remembered per write version: see customers.totals).
ONE_LETTER = ["a", "e", "i", "o", "n", "r"]
TWO_LETTERS = ["an", "er", "ow", "ka", "ma", "el"]


def _broad(samples: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [
        ("broad: one letter", ONE_LETTER),
        ("broad: two letters", TWO_LETTERS),
        ("broad: a common name part", samples["common_parts"]),
    ]


def _common_parts(last_names: list[str]) -> list[str]:
    """The three-letter endings most of the sampled last names share ("ski", "son")."""
    endings = Counter(name[-3:].lower() for name in last_names if len(name) >= 3)
    return [ending for ending, _ in endings.most_common(4)]


def _cursor(created_at: datetime, customer_id: Any) -> str:
    """The cursor the API hands out after this customer, in the default order."""
    return encode_cursor(
        ["created_at:desc", created_at.astimezone(UTC).isoformat(), str(customer_id)]
    )


def _another_way(e164: str) -> str:
    """+48512345678 → '512 345 678' (national digits with spaces)."""
    digits = e164[-9:]
    return f"{digits[:3]}%20{digits[3:6]}%20{digits[6:]}"


# The floor sends the statements the API sends (customers.queries, stores.scope), written
# out: the scope check with the row, pages found by their keys first (one row long, for
# has_next), and the kept counts with the write version, which a remembered count needs.
# The "count, not remembered" lines time the count a search needs once per write version.
SCOPE_SQL = """
SELECT stores.id AS scope_store_id, memberships.role,
  EXISTS (SELECT s.id FROM auth_sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND u.is_active IS true)
    AS live%(customer_columns)s
FROM stores LEFT OUTER JOIN memberships ON memberships.store_id = stores.id
  AND memberships.user_id = $2 AND memberships.is_active IS true%(customer_join)s
WHERE stores.code = $3
"""
GET_SQL = SCOPE_SQL % {
    "customer_columns": ", customers.*",
    "customer_join": " LEFT OUTER JOIN customers ON customers.store_id = memberships.store_id"
    " AND customers.id = $4 AND customers.deleted_at IS NULL",
}
SCOPE_ONLY_SQL = SCOPE_SQL % {"customer_columns": "", "customer_join": ""}
PAGE_SQL = """
SELECT * FROM customers WHERE (store_id, id) IN (
  SELECT store_id, id FROM customers WHERE store_id = $1 AND deleted_at IS NULL %s
  ORDER BY created_at DESC, id DESC OFFSET %d LIMIT 21)
ORDER BY created_at DESC, id DESC
"""
COUNTS_SQL = "SELECT coalesce(sum(total), 0) FROM customer_counts WHERE store_id = $1"
KEPT_SQL = (
    "SELECT coalesce(sum(total), 0), coalesce(sum(active), 0), coalesce(sum(writes), 0) "
    "FROM customer_counts WHERE store_id = $1"
)
COUNT_SQL = (
    "SELECT (SELECT coalesce(sum(writes), 0) FROM customer_counts WHERE store_id = $1), "
    "(SELECT count(*) FROM customers WHERE store_id = $1 AND deleted_at IS NULL %s)"
)


async def _floors(
    url: str,
    samples: dict[str, Any],
    claims: tuple[uuid.UUID, uuid.UUID],
    duration: int,
    only: str | None,
) -> list[Measure]:
    dsn = async_url(url).replace("+asyncpg", "")
    pool = await asyncpg.create_pool(dsn, min_size=16, max_size=16)
    store_id, ids = samples["store_id"], samples["ids"]
    name_parts, email_parts = samples["name_parts"], samples["email_parts"]
    phones = [p.replace("%20", " ") for p in samples["phones"]]
    session_id, user_id = claims

    async def scope(c: asyncpg.Connection) -> None:
        await c.fetchrow(SCOPE_ONLY_SQL, session_id, user_id, STORE)

    def search(
        parts: list[str], *, remembered: bool = True, extra: str = ""
    ) -> Callable[[asyncpg.Connection], Awaitable[Any]]:
        async def query(c: asyncpg.Connection) -> Any:
            condition = _search_sql(random.choice(parts)) + extra
            await scope(c)
            rows = await c.fetch(PAGE_SQL % (condition, 0), store_id)
            if len(rows) <= 20:
                return len(rows)
            if remembered:
                return await c.fetchrow(KEPT_SQL, store_id)
            return await c.fetchrow(COUNT_SQL % condition, store_id)

        return query

    def count(parts: list[str]) -> Callable[[asyncpg.Connection], Awaitable[Any]]:
        async def query(c: asyncpg.Connection) -> Any:
            return await c.fetchrow(COUNT_SQL % _search_sql(random.choice(parts)), store_id)

        return query

    async def get(c: asyncpg.Connection) -> Any:
        customer_id = uuid_of(random.choice(ids))
        return await c.fetchrow(GET_SQL, session_id, user_id, STORE, customer_id)

    async def first_page(c: asyncpg.Connection) -> Any:
        await scope(c)
        await c.fetch(PAGE_SQL % ("", 0), store_id)
        return await c.fetchval(COUNTS_SQL, store_id)

    async def page_1000(c: asyncpg.Connection) -> Any:
        await scope(c)
        await c.fetch(PAGE_SQL % ("", 19_980), store_id)
        return await c.fetchval(COUNTS_SQL, store_id)

    async def cursor_page(c: asyncpg.Connection) -> Any:
        deep = samples["deep"]
        await scope(c)
        return await c.fetch(
            PAGE_SQL % ("AND (created_at, id) < ($2, $3)", 0),
            store_id,
            deep["created_at"],
            deep["id"],
        )

    results = []
    try:
        for name, query in (
            ("get by id", get),
            ("first page, exact total", first_page),
            ("page 1,000", page_1000),
            ("cursor page deep in the list", cursor_page),
            ("search: part of a name", search(name_parts)),
            ("search: part of an e-mail", search(email_parts)),
            ("search: phone written another way", search(phones)),
            *[(name, search(parts)) for name, parts in _broad(samples)],
            (
                "broad: is_active=true and a search",
                search(samples["common_parts"], extra=" AND is_active"),
            ),
            *[
                (name.replace("broad:", "count, not remembered:"), count(parts))
                for name, parts in _broad(samples)
            ],
            ("count, not remembered: part of a name", count(name_parts)),
        ):
            if only and only not in name:
                continue
            for concurrency in (1, 16):
                results.append(await floor(name, pool, query, concurrency, min(duration, 5)))
    finally:
        await pool.close()
    return results


def _search_sql(text: str) -> str:
    """As customers.conditions._search: a phone-like text also matches by its digits; the
    patterns are written into the SQL, as the API writes them (see _like_pattern)."""
    digits = "".join(ch for ch in text if ch.isdigit()).lstrip("0")
    likes = [text.lower()]
    if len(digits) >= 3 and all(ch.isdigit() or ch in " +-()./" for ch in text):
        likes.append(digits)
    return "AND (" + " OR ".join(map(_like_sql, likes)) + ")"


def _like_sql(text: str) -> str:
    return "search_text LIKE '%" + text.replace("'", "''") + "%' ESCAPE '\\'"


def uuid_of(text: str) -> uuid.UUID:
    return uuid.UUID(text)


# --- the report ------------------------------------------------------------------------------

COMMANDS = """Commands (PostgreSQL on 127.0.0.1, `clientbook serve --workers 2`, wrk on loopback):

```sh
export CLIENTBOOK_DATABASE_URL=postgresql://postgres@127.0.0.1/clientbook_bench
python -m bench.generate --customers 1000000
python -m bench.load --duration 10
```

The floor sends the API's statements (scope check, pages found by their keys and one
row more, the kept counts and write version) with asyncpg over 16 pooled connections.
A "count, not remembered" line has no API line: it is the exact count a search costs
once per write version of the store, before the count is remembered.
"""


NOTES = "\n## Reading these numbers"


def _kept_notes(path: Path) -> str:
    """The hand-written analysis below the table survives a re-run."""
    text = path.read_text() if path.exists() else ""
    start = text.find(NOTES)
    return text[start:] if start >= 0 else ""


def write_results(
    path: Path | None,
    api: list[Measure],
    floors: list[Measure],
    rss: list[float],
    size: int,
    duration: int,
) -> None:
    floor_by = {(m.name, m.concurrency): m for m in floors}
    lines = [
        "| operation | c | p50 ms | p99 ms | req/s | floor p50 ms | p50 ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in api:
        f = floor_by.get((m.name, m.concurrency))
        ratio = f"{m.p50_ms / f.p50_ms:.1f}" if f and f.p50_ms else "-"
        floor_p50 = f"{f.p50_ms:.2f}" if f else "-"
        lines.append(
            f"| {m.name} | {m.concurrency} | {m.p50_ms:.2f} | {m.p99_ms:.2f} | {m.rps:,.0f} "
            f"| {floor_p50} | {ratio} |"
        )
    measured = {(m.name, m.concurrency) for m in api}
    for f in floors:  # the database alone: counts a search needs before one is remembered
        if (f.name, f.concurrency) not in measured:
            lines.append(
                f"| {f.name} (database alone) | {f.concurrency} | {f.p50_ms:.2f} "
                f"| {f.p99_ms:.2f} | {f.rps:,.1f} | - | - |"
            )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = {
        "date": stamp,
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "customers in the store": size,
        "duration per scenario (s)": duration,
        "worker RSS after the run (MB)": [round(r) for r in rss],
    }
    body = "\n".join(lines)
    header = "\n".join(f"- {k}: {v}" for k, v in report.items())
    if path is not None:
        notes = _kept_notes(path)
        path.write_text(f"# Benchmark results\n\n{header}\n\n{COMMANDS}\n{body}\n{notes}")
    print(json.dumps(report, indent=2))
    print(body)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("bench/RESULTS.md"))
    parser.add_argument(
        "--only", help="run only the scenarios whose name holds this text; writes no report"
    )
    parser.add_argument(
        "--api-key", action="store_true", help="sign requests with an admin API key, not a JWT"
    )
    parser.add_argument(
        "--port", type=int, default=PORT, help="the server's port (two runs on one machine)"
    )
    arguments = parser.parse_args()
    PORT, BASE = arguments.port, f"http://127.0.0.1:{arguments.port}"
    run(
        arguments.duration,
        None if arguments.only else arguments.out,
        arguments.only,
        arguments.api_key,
    )
