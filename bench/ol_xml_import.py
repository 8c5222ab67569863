"""Time Open Loyalty's XML customer import of N customers, and its peak memory.

    python -m bench.ol_xml_import --customers 100000

Generates an XML file of N ``<customer>`` nodes, makes a fresh database (SQLite in a
temporary directory unless ``CLIENTBOOK_DATABASE_URL`` names another), a store ``OLX``
and its owner with the CLI, then serves the app in this process (``httpx`` over ASGI),
signs in at ``/api/admin/login_check`` and posts the file to
``/api/OLX/admin/customer/import``. Prints customers/s, wall time, the answer's size and
the process's peak RSS (the file itself is on disk; the whole run must stay flat).
"""

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from clientbook.app import create_app
from clientbook.kit.migrate import upgrade
from clientbook.settings import Settings

OWNER, PASSWORD, STORE = "owner@olx.bench", "bench-olx-password", "OLX"


def write_xml(path: Path, customers: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("<?xml version='1.0'?><customers>")
        for n in range(customers):
            out.write(
                f"<customer><firstName>First{n}</firstName><lastName>Last{n}</lastName>"
                f"<gender>{'male' if n % 2 else 'female'}</gender>"
                f"<email>c{n}@olx.example</email><birthDate>1980-01-{n % 28 + 1:02d}</birthDate>"
                f"<loyaltyCardNumber>{n:012d}</loyaltyCardNumber>"
                "<agreement1>true</agreement1><labels>source:xml</labels></customer>"
            )
        out.write("</customers>")


def prepare(url: str, scratch: Path) -> dict[str, str]:
    """A migrated database with the store and its owner (outside the event loop)."""
    env = {**os.environ, "CLIENTBOOK_DATABASE_URL": url, "CLIENTBOOK_DATA_DIR": str(scratch)}
    env.setdefault("CLIENTBOOK_JWT_SECRET", "b" * 48)
    upgrade(url)
    cli = [sys.executable, "-m", "clientbook.cli"]
    subprocess.run([*cli, "create-store", STORE, "--name", "OL XML"], env=env, check=True)
    subprocess.run(
        [*cli, "create-user", OWNER, "--store", STORE, "--role", "owner", "--password-stdin"],
        input=PASSWORD + "\n",
        text=True,
        env=env,
        check=True,
    )
    return env


async def run(customers: int, scratch: Path, url: str, env: dict[str, str]) -> None:
    source = scratch / "customers.xml"
    write_xml(source, customers)
    settings = Settings(
        database_url=url,
        data_dir=scratch,
        jwt_secret=env["CLIENTBOOK_JWT_SECRET"],
        max_multipart_bytes=max(source.stat().st_size * 2, 50 * 1024 * 1024),
        log_level="WARNING",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            signed = await client.post(
                "/api/admin/login_check", json={"username": OWNER, "password": PASSWORD}
            )
            token = signed.json()["token"]
            started = time.monotonic()
            with source.open("rb") as file:
                answer = await client.post(
                    f"/api/{STORE}/admin/customer/import",
                    files={"file[file]": ("customers.xml", file, "text/xml")},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=3600,
                )
            took = time.monotonic() - started
    tail = answer.text[-120:]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {url.split(':', 1)[0]}")
    print(f"file: {source.stat().st_size / 1e6:.1f} MB, {customers:,} customers")
    print(f"status {answer.status_code}, answer {len(answer.content) / 1e6:.1f} MB: ...{tail}")
    print(f"{took:.1f} s, {customers / took:,.0f} customers/s, peak RSS {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch)
        url = os.environ.get("CLIENTBOOK_DATABASE_URL") or f"sqlite:///{path}/olx.sqlite3"
        env = prepare(url, path)
        asyncio.run(run(args.customers, path, url, env))


if __name__ == "__main__":
    main()
