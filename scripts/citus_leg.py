"""Run the test suite against a Citus cluster (``make test-citus``; docs/citus.md).

``CLIENTBOOK_TEST_CITUS_URL`` names a database on the coordinator that has the ``citus``
extension and its workers added. Its schema is emptied, migrated and distributed
(``clientbook distribute``), then pytest runs on it as it is: a Citus cluster does not
make a database per run the way the PostgreSQL leg does. Skipped, and said so, when the
variable is unset: CI runs on plain PostgreSQL.
"""

import asyncio
import os
import subprocess
import sys

import asyncpg

from clientbook.distribution.citus import distribute
from clientbook.kit.db import AUTOCOMMIT, create_engine
from clientbook.kit.migrate import upgrade

BANNER = "!" * 78


async def _reset(url: str) -> None:
    """Drop every table (with its shards) and function in the schema. Not DROP SCHEMA:
    Citus 13.2 fails to make ``public`` again in the same session."""
    connection = await asyncpg.connect(url)
    try:
        if await connection.fetchval("SELECT 1 FROM pg_extension WHERE extname = 'citus'") is None:
            raise SystemExit(f"{url} has no citus extension: see docs/citus.md")
        tables = await connection.fetch(
            "SELECT format('%I', tablename) AS name FROM pg_tables "
            "WHERE schemaname = current_schema()"
        )
        if tables:
            names = ", ".join(row["name"] for row in tables)
            await connection.execute(f"DROP TABLE IF EXISTS {names} CASCADE")
        functions = await connection.fetch(
            "SELECT p.oid::regprocedure::text AS name FROM pg_proc p "
            "WHERE p.pronamespace = current_schema()::regnamespace AND NOT EXISTS "
            "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
        )
        for row in functions:
            await connection.execute(f"DROP FUNCTION IF EXISTS {row['name']} CASCADE")
    finally:
        await connection.close()


async def _distribute(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level=AUTOCOMMIT)
            report = await distribute(autocommit)
    finally:
        await engine.dispose()
    print("\n".join(report.lines()), file=sys.stderr)


def main() -> int:
    url = os.environ.get("CLIENTBOOK_TEST_CITUS_URL", "")
    if not url:
        print(
            f"\n{BANNER}\nCLIENTBOOK_TEST_CITUS_URL is not set: SKIPPING the Citus leg "
            f"(docs/citus.md says how to run a cluster).\n{BANNER}\n",
            file=sys.stderr,
        )
        return 0
    asyncio.run(_reset(url))
    upgrade(url)
    asyncio.run(_distribute(url))
    env = {
        **os.environ,
        "CLIENTBOOK_TEST_DATABASE_URL": url,
        "CLIENTBOOK_TEST_DATABASE_READY": "1",
    }
    return subprocess.call([*sys.argv[1:]], env=env)  # noqa: S603 (our own pytest)


if __name__ == "__main__":
    sys.exit(main())
