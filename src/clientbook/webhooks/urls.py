"""Which URLs a webhook may be sent to (SSRF care).

Only ``http`` and ``https`` URLs with a host are taken. Unless the operator allows it
(``CLIENTBOOK_WEBHOOK_ALLOW_PRIVATE=true``, for development and for receivers on the
store's own network), an endpoint may not point at a loopback, private, link-local,
multicast or reserved address: a literal one is refused when the endpoint is saved, and
a host name is resolved before each delivery and the delivery refused when any of its
addresses is such a one. See docs/webhooks.md for what this does not cover.
"""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

SCHEMES = frozenset({"http", "https"})
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class RefusedURL(ValueError):
    pass


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL as given when it may be saved; ``RefusedURL`` says why not."""
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is not a number is an error here
    except ValueError as exc:
        raise RefusedURL("is not a valid URL") from exc
    if parts.scheme.lower() not in SCHEMES:
        raise RefusedURL("must be an http or https URL")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise RefusedURL("must name a host")
    if port == 0:
        raise RefusedURL("must not use port 0")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise RefusedURL("must not contain spaces or control characters")
    if not allow_private:
        if host in LOCAL_NAMES or host.endswith(".localhost"):
            raise RefusedURL("must not point at this machine")
        address = _literal(host)
        if address is not None and not _public(address):
            raise RefusedURL("must not point at a private, loopback or reserved address")
    return url


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


async def check_destination(url: str, *, allow_private: bool) -> None:
    """Before each delivery: the host's addresses, resolved now, are all public."""
    check_url(url, allow_private=allow_private)
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise RefusedURL(f"the host does not resolve ({type(exc).__name__})") from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not _public(address):
            raise RefusedURL(f"the host resolves to a non-public address ({address})")
