"""The real server as a subprocess (``clientbook serve``), for the concurrency suite and
the fuzzing suite: on a free local port, against this test run's database and with the
tests' JWT secret, so stores, staff and tokens made with ``Factory`` work against it."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from clientbook.settings import Settings

STARTUP_SECONDS = 60


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    log: Path

    def client(self) -> httpx.AsyncClient:
        """A client with connections enough for every request of a burst at once."""
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
        return httpx.AsyncClient(base_url=self.base_url, limits=limits, timeout=60)


def assert_statuses(responses: Iterable[httpx.Response], allowed: set[int]) -> list[int]:
    """Every answer's status is one of ``allowed`` (never a 5xx); the statuses, sorted."""
    answers = list(responses)
    unexpected = [r for r in answers if r.status_code not in allowed]
    assert not unexpected, [(r.status_code, r.text[:300]) for r in unexpected]
    return sorted(r.status_code for r in answers)


def serve(
    settings: Settings, data_dir: Path, *, workers: int, env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """Run the server while the generator is suspended (``yield from`` in a fixture); at
    the end, fail when its log holds an unhandled error, so no 500 goes unnoticed.

    Its outbox sender is off unless ``env`` turns it on: it would send the messages other
    tests queue and look at."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = data_dir / "server.log"
    env = {
        **os.environ,
        "CLIENTBOOK_ENV": "test",
        "CLIENTBOOK_DATABASE_URL": settings.database_url,
        "CLIENTBOOK_JWT_SECRET": settings.jwt_secret,
        "CLIENTBOOK_DATA_DIR": str(data_dir),
        "CLIENTBOOK_LOG_LEVEL": "WARNING",
        "CLIENTBOOK_OUTBOX_SENDER": "false",
        # Likewise the duplicate checks and the scheduled passes (the lifecycle pass runs
        # queued checks too): they would take the work other tests queue, and change
        # stores that other tests compare before and after a request.
        "CLIENTBOOK_DUPLICATE_CHECK_SECONDS": "0",
        "CLIENTBOOK_LIFECYCLE_JOB_SECONDS": "0",
        "CLIENTBOOK_LOYALTY_TICK_SECONDS": "0",
        # 5 + 5 overflow per worker: bursts still race on the database, and the suite's
        # servers and its own pool stay well under PostgreSQL's 100 connections.
        "CLIENTBOOK_DB_POOL_SIZE": "5",
        **(env or {}),
    }
    command = [
        str(Path(sys.executable).with_name("clientbook")),
        *("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 (our own command)
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, server, log)
        yield LiveServer(base_url, log)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    text = log.read_text(errors="replace")
    assert "unhandled_error" not in text, text[-5000:]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer in {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")
