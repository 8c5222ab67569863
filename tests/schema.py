"""Build the test schema the way production does: by running the migrations.

On PostgreSQL each test run gets a database of its own (``<name>_test_<pid>``), created
beside the one the URL names and dropped at the end, so parallel runs never collide.
A Citus cluster cannot make databases that way: its leg prepares one and says it is ready.
"""

import asyncio
import os

from sqlalchemy import text
from sqlalchemy.engine import make_url

from clientbook.kit.db import create_engine
from clientbook.kit.migrate import upgrade


def database_is_ready() -> bool:
    """``CLIENTBOOK_TEST_DATABASE_READY=1``: the URL names a database already migrated
    (and distributed, for the Citus leg: ``scripts/citus_leg.py``); use it as it is."""
    return os.environ.get("CLIENTBOOK_TEST_DATABASE_READY", "") == "1"


def create_test_database(url: str) -> str:
    if database_is_ready():
        return url
    if not url.startswith("postgres"):
        upgrade(url)
        return url
    base = make_url(url)
    name = f"{base.database}_run_{os.getpid()}"
    asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    run_url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(run_url)
    return run_url


def drop_test_database(url: str, run_url: str) -> None:
    if run_url != url:
        name = make_url(run_url).database
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, *statements: str) -> None:
    engine = create_engine(url)
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for statement in statements:
            await autocommit.execute(text(statement))
    await engine.dispose()
