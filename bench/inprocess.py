"""CPU per request of the loyalty hot paths, with the ASGI app called directly: no HTTP
client, no wrk, no second worker in the figures. For comparing two builds on one machine
(alternate them); the absolute figures depend on the database and the machine.

    CLIENTBOOK_DATABASE_URL=postgresql://postgres@127.0.0.1/clientbook_bench \\
        python -m bench.inprocess [--requests 600]

Runs against store ``BENCH`` (``bench.generate`` then ``bench.loyalty_data``), signed in
as the bench user: earning on a purchase, the status read and a get by id, each after 50
requests that are not counted. The earning's purchases are removed afterwards, as
``bench.load`` removes its own.
"""

import argparse
import asyncio
import json
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import uvloop

from bench import load
from bench.generate import BENCH_PASSWORD, BENCH_USER
from clientbook.app import create_app
from clientbook.settings import get_settings

WARM_UP = 50
Send = Callable[[], tuple[str, str, dict[str, Any] | None]]


async def call(app: Any, method: str, path: str, headers: dict[str, str], body: Any) -> int:
    """One request through the app's ASGI interface; the response's status."""
    raw = json.dumps(body).encode() if body is not None else b""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())],
    }
    received = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:  # the app asks again only to notice a disconnect: there is none
            await asyncio.Event().wait()
        received = True
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def measure(app: Any, headers: dict[str, str], request: Send, count: int) -> float:
    """CPU seconds of this process per request, after the warm-up."""
    for i in range(WARM_UP + count):
        if i == WARM_UP:
            started = time.process_time()
        method, path, body = request()
        status = await call(app, method, path, headers, body)
        if status >= 300:
            raise RuntimeError(f"{method} {path} answered {status}")
    return (time.process_time() - started) / count


async def run(count: int) -> None:
    url = get_settings().database_url
    samples = await load._samples(url)
    loyal = samples["loyal_ids"] or samples["ids"]
    # No lifespan: its background jobs (senders, the tick, duplicate checks) would run
    # in this process and count in its CPU.
    app = create_app()
    headers = {"authorization": f"Bearer {await _sign_in(app)}"}
    base = f"/v1/stores/{load.STORE}"
    counter = iter(range(10**9))

    def earning() -> tuple[str, str, dict[str, Any]]:
        body = {
            "customer_id": loyal[next(counter) % len(loyal)],
            "number": f"load-inprocess-{uuid.uuid4().hex[:12]}",
            "status": "completed",
            "total": "84.97",
            "currency": "EUR",
            "purchased_at": "2026-11-20T10:00:00Z",
        }
        return "POST", f"{base}/purchases", body

    def status() -> tuple[str, str, None]:
        return "GET", f"{base}/customers/{loyal[next(counter) % len(loyal)]}/loyalty", None

    def get() -> tuple[str, str, None]:
        return "GET", f"{base}/customers/{samples['ids'][next(counter) % 100]}", None

    requests: list[tuple[str, Send]] = [
        ("earning on a purchase", earning),
        ("status read", status),
        ("get by id", get),
    ]
    try:
        for name, request in requests:
            cpu = await measure(app, headers, request, count)
            print(f"{name:24} {cpu * 1000:6.2f} ms CPU per request", flush=True)
    finally:
        await app.state.database.dispose()
        await load._tidy(url)


async def _sign_in(app: Any) -> str:
    """The bench user's access token, asked of the app itself."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        answer = await client.post(
            "/v1/auth/token", json={"email": BENCH_USER, "password": BENCH_PASSWORD}
        )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args()
    os.environ.setdefault("CLIENTBOOK_LOG_LEVEL", "WARNING")
    os.environ.setdefault("CLIENTBOOK_JWT_SECRET", "b" * 48)
    uvloop.run(run(args.requests))  # the event loop the server runs on


if __name__ == "__main__":
    main()
