"""The real server under concurrent load: ``clientbook serve --workers 2`` on PostgreSQL.

``live_server`` (session scope) starts the server the way production runs it, as a
subprocess with two worker processes on a free local port, against this test run's
PostgreSQL database and with the tests' JWT secret, so stores, staff and tokens made with
``factory`` work against it. It is skipped on SQLite (one writer at a time: no race to
find). To add a case (sign-in throttle, member invitations, ...), take ``live_server``
and ``factory``, fire requests together with ``live_server.client()`` and
``asyncio.gather``, and check them with ``tests.server.assert_statuses``:

    async def test_something(live_server: LiveServer, factory: Factory) -> None:
        ctx = await factory.store()
        async with live_server.client() as client:
            responses = await asyncio.gather(*(client.post(...) for _ in range(40)))
        assert_statuses(responses, {201, 409})

``live_server.log`` is the server's output; the suite fails at the end when it holds an
unhandled error, so a 500 that a test let pass is still caught.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from clientbook.settings import Settings
from tests.server import LiveServer, serve

WORKERS = 2


@pytest.fixture(scope="session")
def live_server(settings: Settings, data_dir: Path) -> Iterator[LiveServer]:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the concurrency suite runs on PostgreSQL")
    yield from serve(settings, data_dir / "live-server", workers=WORKERS)
