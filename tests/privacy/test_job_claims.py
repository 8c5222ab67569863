"""The lifecycle pass runs in every worker of every node: runners that race for the same
pending exports build each one once (on Citus too, where rows of every store cannot be
locked by one statement)."""

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

import httpx

from clientbook.kit.db import Database
from clientbook.models import DataExport
from clientbook.privacy.exports import build_pending
from tests.factories import Factory

RUNNERS = 4


class CountingStorage:
    """The app's storage, counting how often each key is written."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage
        self.puts: Counter[str] = Counter()

    def put(self, key: str, source: IO[bytes], content_type: str) -> None:
        self.puts[key] += 1
        self.storage.put(key, source, content_type)

    def get(self, key: str) -> Iterator[bytes]:
        return self.storage.get(key)  # type: ignore[no-any-return]

    def delete(self, key: str) -> None:
        self.storage.delete(key)


async def test_racing_runners_build_each_pending_export_once(
    client: httpx.AsyncClient, factory: Factory, database: Database
) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    stores = [await factory.store(), await factory.store()]
    started = []
    limit = app.state.settings.data_export_inline_records
    app.state.settings.data_export_inline_records = 0  # every export waits for the pass
    try:
        for ctx in stores:
            for _ in range(3):
                customer = await factory.customer(ctx)
                response = await client.post(
                    f"{ctx.base}/customers/{customer.id}/data-export", headers=ctx.owner.headers
                )
                assert response.json()["status"] == "pending", response.text
                started.append((ctx.id, uuid.UUID(response.json()["id"])))
    finally:
        app.state.settings.data_export_inline_records = limit
    storage = CountingStorage(app.state.storage)

    async def drain() -> None:
        while await build_pending(database, storage, 7):
            pass

    await asyncio.gather(*(drain() for _ in range(RUNNERS)))
    async with database.reading() as session:
        exports = [await session.get_one(DataExport, key) for key in started]
    assert [e.status for e in exports] == ["ready"] * len(started)
    assert [storage.puts[e.storage_key or ""] for e in exports] == [1] * len(started)
