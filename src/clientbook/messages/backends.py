"""Where rendered messages go: the log (the default), an SMTP server, an SMS webhook."""

import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import httpx
import structlog

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Outgoing:
    id: uuid.UUID
    store_id: uuid.UUID
    channel: str
    to: str
    template: str
    subject: str | None
    text: str


class DeliveryFailed(Exception):
    """The backend did not take the message; the sender tries again later."""


class Backend(Protocol):
    async def deliver(self, message: Outgoing) -> None: ...


class LogBackend:
    """Writes the message to the log. Its text carries one-time links and codes, so it is
    logged only when ``show_text`` (development); the recipient is masked as personal."""

    def __init__(self, *, show_text: bool) -> None:
        self.show_text = show_text

    async def deliver(self, message: Outgoing) -> None:
        recipient = {"email" if message.channel == "email" else "phone": message.to}
        shown = {"subject": message.subject, "text": message.text} if self.show_text else {}
        # A logger per message: the module-level proxy would keep the level of its first use.
        structlog.get_logger("clientbook.messages").info(
            "message_logged",
            message_id=str(message.id),
            store_id=str(message.store_id),
            channel=message.channel,
            template=message.template,
            **recipient,
            **shown,
        )


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool

    @classmethod
    def from_url(cls, url: str) -> "SmtpServer":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("CLIENTBOOK_SMTP_URL must look like smtp://user:pass@host:port")
        implicit_tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit_tls,
        )


class SmtpBackend:
    """Sends e-mail with aiosmtplib; STARTTLS whenever the server offers it."""

    def __init__(self, server: SmtpServer, sender: str) -> None:
        self.server = server
        self.sender = sender

    async def deliver(self, message: Outgoing) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject or ""
        mail["Date"] = formatdate(localtime=False)
        # The outbox id: a receiver can drop the copy a crash mid-send may cause.
        mail["Message-ID"] = f"<{message.id}@clientbook>"
        mail.set_content(message.text)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self.server.host,
                port=self.server.port,
                username=self.server.username,
                password=self.server.password,
                use_tls=self.server.implicit_tls,
                start_tls=False if self.server.implicit_tls else None,
                timeout=TIMEOUT_SECONDS,
            )
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP: {type(exc).__name__}: {exc}") from exc


class SmsWebhookBackend:
    """POSTs ``{"to": E.164, "text": ...}`` as JSON; any 2xx answer means delivered."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def deliver(self, message: Outgoing) -> None:
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
                response = await client.post(
                    self.url, json={"to": message.to, "text": message.text}
                )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"SMS webhook: {type(exc).__name__}") from exc
        if not response.is_success:
            raise DeliveryFailed(f"SMS webhook answered {response.status_code}")


@dataclass(frozen=True)
class Backends:
    email: Backend
    sms: Backend

    def for_channel(self, channel: str) -> Backend:
        return self.email if channel == "email" else self.sms


def backends(*, smtp_url: str, mail_from: str, sms_webhook_url: str, show_text: bool) -> Backends:
    """Each channel's backend from the settings; the log for a channel not configured."""
    logged = LogBackend(show_text=show_text)
    email: Backend = SmtpBackend(SmtpServer.from_url(smtp_url), mail_from) if smtp_url else logged
    sms: Backend = SmsWebhookBackend(sms_webhook_url) if sms_webhook_url else logged
    return Backends(email=email, sms=sms)
