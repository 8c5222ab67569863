"""Build the test schema the way production does: by running the migrations."""

import asyncio

from sqlalchemy import text

from clientbook.kit.db import create_engine
from clientbook.kit.migrate import upgrade


def fresh_schema(url: str) -> None:
    if url.startswith("postgres"):
        asyncio.run(_wipe_postgres(url))
    upgrade(url)


async def _wipe_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
