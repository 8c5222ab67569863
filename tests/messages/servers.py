"""Real local servers for the message backends: SMTP (aiosmtpd) and an HTTP webhook."""

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server received; ``refuse`` makes it answer 451 to every message."""

    refuse: bool = False
    received: list[tuple[Envelope, Message]] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refuse:
            self.refused += 1
            return "451 Requested action aborted: try again later"
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        self.received.append((envelope, message_from_bytes(raw)))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for e, m in self.received if address in e.rcpt_tos]


@contextmanager
def smtp_server(mailbox: Mailbox) -> Iterator[str]:
    """A real SMTP server on a free local port, with AUTH over plain text allowed (the
    test has no certificate); yields its ``smtp://`` URL."""
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        auth_require_tls=False,
        auth_required=False,
        authenticator=lambda *_args: AuthResult(success=True),
    )
    controller.start()
    try:
        yield f"smtp://shop:secret@127.0.0.1:{port}"
    finally:
        controller.stop()


@dataclass
class Webhook:
    status: int = 200
    calls: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)


@contextmanager
def webhook_server(hook: Webhook) -> Iterator[str]:
    """A real HTTP server on a free local port that records each POSTed JSON body."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            hook.content_types.append(self.headers.get("content-type", ""))
            hook.calls.append(json.loads(self.rfile.read(length)))
            self.send_response(hook.status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()
