"""Run the test suite against PostgreSQL: skipped loudly when it is unreachable on a
developer machine, a failure under CI (``CI=true``)."""

import asyncio
import os
import subprocess
import sys

import asyncpg


async def reachable(url: str) -> str | None:
    try:
        connection = await asyncpg.connect(url, timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await connection.close()
    return None


def main() -> int:
    url = os.environ.get(
        "CLIENTBOOK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
    )
    problem = asyncio.run(reachable(url))
    if problem is not None:
        banner = "!" * 78
        print(f"\n{banner}\nPostgreSQL at {url} is unreachable ({problem}).", file=sys.stderr)
        if os.environ.get("CI", "").lower() == "true":
            print(f"Under CI this is a failure.\n{banner}\n", file=sys.stderr)
            return 1
        print(f"SKIPPING the PostgreSQL leg of the suite.\n{banner}\n", file=sys.stderr)
        return 0
    env = {**os.environ, "CLIENTBOOK_TEST_DATABASE_URL": url}
    return subprocess.call([*sys.argv[1:]], env=env)  # noqa: S603 (our own pytest)


if __name__ == "__main__":
    sys.exit(main())
