"""Time `clientbook import` of N customers into a fresh database, and its memory.

    python -m bench.importing --rows 100000 [--source FILE] [--mode skip|upsert]

Makes a fresh PostgreSQL database (``--database clientbook_import`` on the server of
``--server``, dropped and created again), migrates it, creates
store ``IMP`` and its owner with the CLI, and imports the first N rows of ``--source`` as
``clientbook import`` does (``commands.import_file``, in a child process). A missing or too
short source is generated (realistic customers, as ``bench.generate`` makes them). Reports
rows/s, wall time, the child's CPU time and its peak memory: RSS of the importing process,
and RSS and PSS summed over it and any processes it starts (PSS counts shared pages once).
Each run appends a row to ``bench/RESULTS-import.md``.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.generate import fake_customer
from clientbook.kit.migrate import upgrade
from clientbook.transfer.formats import csv_header, csv_lines, export_record

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS-import.md"
STORE = "IMP"
FLOOR_STORE = "IMPFLOOR"
FLOOR_BATCH = 5000
OWNER = "importer@bench.clientbook.dev"
DEFAULT_SOURCE = Path(tempfile.gettempdir()) / "clientbook-import-source.csv"
SAMPLE_SECONDS = 0.05


# --- the source file ------------------------------------------------------------------------


def source_file(source: Path, rows: int) -> Path:
    """The first ``rows`` rows of ``source`` (generated when it has too few)."""
    if _data_rows(source) < rows:
        print(f"generating {rows:,} customers into {source}")
        _generate(source, rows)
    part = source.with_name(f"{source.stem}-{rows}{source.suffix}")
    if not part.exists() or _data_rows(part) != rows:
        with source.open("rb") as whole, part.open("wb") as out:
            for _ in range(rows + 1):  # the header, then the rows (one line each)
                out.write(whole.readline())
    return part


def _data_rows(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as file:
        return max(sum(1 for _ in file) - 1, 0)


def _generate(path: Path, rows: int) -> None:
    rng = random.Random(7)
    store_id, start = uuid.uuid4(), datetime(2021, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(csv_header())
        for first in range(0, rows, 10_000):
            batch = [fake_customer(rng, store_id, n, start) for n in range(first, first + 10_000)]
            out.write(csv_lines([export_record(c) for c in batch[: rows - first]]))


# --- a fresh database and store ---------------------------------------------------------------


async def fresh_postgres(server: str, name: str) -> str:
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return server.rsplit("/", 1)[0] + "/" + name


def fresh_store(url: str, env: dict[str, str]) -> None:
    upgrade(url)
    cli = [sys.executable, "-m", "clientbook.cli"]
    for code in (STORE, FLOOR_STORE):
        subprocess.run([*cli, "create-store", code, "--name", "Import bench"], env=env, check=True)
    subprocess.run(
        [*cli, "create-user", OWNER, "--store", STORE, "--role", "owner", "--password-stdin"],
        input="bench-import-password\n",
        text=True,
        env=env,
        check=True,
    )


# --- the import, watched ------------------------------------------------------------------


@dataclass
class Peak:
    main_rss: int = 0  # bytes
    tree_rss: int = 0
    tree_pss: int = 0
    processes: int = 0

    def sample(self, root: int) -> None:
        tree = _tree(root)
        rss = {pid: _rss(pid) for pid in tree}
        self.main_rss = max(self.main_rss, rss.get(root, 0))
        self.tree_rss = max(self.tree_rss, sum(rss.values()))
        self.tree_pss = max(self.tree_pss, sum(_pss(pid) for pid in tree))
        self.processes = max(self.processes, len(tree))


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _status_kb(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _rss(pid: int) -> int:
    return _status_kb(f"/proc/{pid}/status", "VmRSS:")


def _pss(pid: int) -> int:
    return _status_kb(f"/proc/{pid}/smaps_rollup", "Pss:")


def run_import(args: argparse.Namespace, path: Path, env: dict[str, str]) -> dict[str, Any]:
    report = Path(tempfile.gettempdir()) / "clientbook-import-report.csv"
    command = [
        *(sys.executable, "-m", "bench.importing", "--child", str(path)),
        *("--mode", args.mode, "--report", str(report)),
    ]
    peak = Peak()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    while child.poll() is None:
        peak.sample(child.pid)
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - started
    out = child.stdout.read() if child.stdout else ""
    if child.returncode not in (0, 2):
        raise SystemExit(f"the import failed ({child.returncode}):\n{out}")
    summary = json.loads(out.strip().splitlines()[-1])
    load_after = os.getloadavg()[0]
    return {**summary, "wall": wall, "peak": peak, "report": report, "load": (load, load_after)}


def child(args: argparse.Namespace) -> int:
    """The importing process: ``clientbook import`` as the CLI runs it."""
    import resource

    from clientbook.transfer.commands import import_file
    from clientbook.transfer.importer import Mode

    summary = import_file(Path(args.child), STORE, Mode(args.mode), None, args.report, None)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                **summary.as_dict(),
                "cpu": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
            }
        )
    )
    return 2 if summary.errors else 0


# --- the database's share -----------------------------------------------------------------


async def database_floor(url: str) -> float:
    """Seconds PostgreSQL alone takes to write the imported customers again: copied inside
    the server into a second store, in batches like the import's, each with its events,
    one transaction per batch. No parsing, no validation, no client round trips for data."""
    connection = await asyncpg.connect(url)
    try:
        source, target = [
            await connection.fetchval("SELECT id FROM stores WHERE code = $1", code)
            for code in (STORE, FLOOR_STORE)
        ]
        names = [
            row["attname"]
            for row in await connection.fetch(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'customers'::regclass "
                "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            )
        ]
        picked = [{"store_id": "$2", "id": "gen_random_uuid()"}.get(n, f'"{n}"') for n in names]
        columns = ", ".join(f'"{n}"' for n in names)
        insert = (
            f"INSERT INTO customers ({columns}) SELECT {', '.join(picked)} FROM customers "
            "WHERE store_id = $1 AND id = ANY($3::uuid[]) RETURNING id"
        )
        events = (
            "INSERT INTO customer_events (store_id, id, customer_id, action, fields, at) "
            "SELECT $1, gen_random_uuid(), unnest($2::uuid[]), 'created', '[]', now()"
        )
        ids = [
            row["id"]
            for row in await connection.fetch(
                "SELECT id FROM customers WHERE store_id = $1 ORDER BY created_at", source
            )
        ]
        started = time.perf_counter()
        for first in range(0, len(ids), FLOOR_BATCH):
            async with connection.transaction():
                batch = ids[first : first + FLOOR_BATCH]
                rows = await connection.fetch(insert, source, target, batch)
                await connection.execute(events, target, [row["id"] for row in rows])
        return time.perf_counter() - started
    finally:
        await connection.close()


# --- checking and reporting -----------------------------------------------------------------


async def stored_counts(url: str) -> tuple[int, int, int]:
    """Customers of the store, its count kept by the triggers, and its audit events."""
    connection = await asyncpg.connect(url)
    try:
        store_id = await connection.fetchval("SELECT id FROM stores WHERE code = $1", STORE)
        rows = await connection.fetchval(
            "SELECT count(*) FROM customers WHERE store_id = $1 AND deleted_at IS NULL", store_id
        )
        counted = await connection.fetchval(
            "SELECT coalesce(sum(total), 0) FROM customer_counts WHERE store_id = $1", store_id
        )
        events = await connection.fetchval(
            "SELECT count(*) FROM customer_events WHERE store_id = $1", store_id
        )
        return int(rows), int(counted), int(events)
    finally:
        await connection.close()


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = _status_kb("/proc/meminfo", "MemTotal:") / 2**30
    return f"{os.cpu_count()} x {model}, {memory:.0f} GiB RAM, Python {platform.python_version()}"


COLUMNS = [
    "date",
    "rows",
    "mode",
    "batch",
    "wall s (import s)",
    "rows/s",
    "created",
    "errors",
    "client CPU s",
    "peak RSS MB",
    "peak RSS sum MB (processes)",
    "peak PSS sum MB",
    "stored / counted / events",
    "PostgreSQL alone s (rows/s)",
    "load avg before → after",
    "machine",
    "command",
]
HEADER = """# Import benchmark

`python -m bench.importing --rows N`: a fresh PostgreSQL database, store `IMP`, the first N
rows of an export of the 1M-customer `BENCH` store (or generated ones) imported as
`clientbook import` does. Memory is sampled every 50 ms: the importing process's RSS, and
RSS and PSS summed over it and any processes it starts. CPU is the importing process's
(user + system); PostgreSQL runs on the same machine. "PostgreSQL alone" (`--floor`): the
server copying the imported customers into a second store in the same batches, with their
events: the database's share of the work. The load average shows how busy the machine was
(1.0 = one core's worth of runnable processes, this import's included).

"""


def record(args: argparse.Namespace, result: dict[str, Any], counts: tuple[int, int, int]) -> str:
    peak: Peak = result["peak"]
    mb = 2**20
    from clientbook.transfer.importer import BATCH_SIZE

    command = " ".join(["python -m bench.importing", *sys.argv[1:]])
    cells = [
        datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        f"{args.rows:,}",
        args.mode,
        str(BATCH_SIZE),
        f"{result['wall']:.1f} ({result['seconds']:.1f})",
        f"{args.rows / result['wall']:,.0f}",
        f"{result['created']:,}",
        f"{result['errors']:,}",
        f"{result['cpu']:.1f}",
        f"{peak.main_rss / mb:.0f}",
        f"{peak.tree_rss / mb:.0f} ({peak.processes})",
        f"{peak.tree_pss / mb:.0f}",
        " / ".join(f"{n:,}" for n in counts),
        f"{result['floor']:.1f} ({args.rows / result['floor']:,.0f})" if "floor" in result else "",
        f"{result['load'][0]:.1f} → {result['load'][1]:.1f}",
        machine(),
        f"`{command}`",
    ]
    line = "| " + " | ".join(cells) + " |\n"
    table = "| " + " | ".join(COLUMNS) + " |\n" + "|---" * len(COLUMNS) + "|\n"
    text = RESULTS.read_text() if RESULTS.exists() else HEADER + "\n" + table
    RESULTS.write_text(text + line)
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--mode", choices=["skip", "upsert"], default="skip")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--database", default="clientbook_import")
    parser.add_argument(
        "--floor", action="store_true", help="then time PostgreSQL alone writing the same rows"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    path = source_file(args.source, args.rows)
    url = asyncio.run(fresh_postgres(args.server, args.database))
    data_dir = Path(tempfile.mkdtemp(prefix="clientbook-import-"))
    env = {**os.environ, "CLIENTBOOK_DATABASE_URL": url, "CLIENTBOOK_DATA_DIR": str(data_dir)}
    try:
        fresh_store(url, env)
        print(f"importing {args.rows:,} rows of {path} into {url}")
        result = run_import(args, path, env)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    counts = asyncio.run(stored_counts(url))
    if args.floor:
        result["floor"] = asyncio.run(database_floor(url))
    line = record(args, result, counts)
    print(line, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
