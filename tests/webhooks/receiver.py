"""A real HTTP receiver for webhooks: a thread running ``http.server``."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """Answers each POST with the next of ``statuses`` (then ``status``), and keeps it."""

    status: int = 204
    statuses: list[int] = field(default_factory=list)
    calls: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        """The status for this call, recorded with it."""
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else self.status
            self.calls.append(Received(headers, body, status))
            return status

    def verified(self, secret: str) -> list[dict[str, Any]]:
        """Every call's payload, after checking its signature as a receiver would."""
        return [Webhook(secret).verify(c.body, c.headers) for c in self.calls]

    def ids(self) -> list[str]:
        return [c.headers["webhook-id"] for c in self.calls]


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            status = receiver.answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
