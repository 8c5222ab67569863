"""The client's address and scheme, believing forwarded headers only from trusted proxies."""

import re
from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.types import ASGIApp, Receive, Scope, Send

Network = IPv4Network | IPv6Network
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$")


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


class TrustedProxies:
    """Rewrites ``scope["client"]``, ``scope["scheme"]`` and the ``Host`` header from
    ``X-Forwarded-For``, ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` when the
    connection comes from a proxy in ``trusted``.

    The client is the right-most address in ``X-Forwarded-For`` that is not itself a
    trusted proxy: everything left of it was written by the client and proves nothing.
    With no trusted proxies (the default) the headers are ignored.
    """

    def __init__(self, app: ASGIApp, *, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    def _is_trusted(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted:
            client = scope.get("client")
            if client and self._is_trusted(client[0]):
                self._rewrite(scope)
        await self.app(scope, receive, send)

    def _rewrite(self, scope: Scope) -> None:
        headers = dict(scope["headers"])
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if _address(hop) is None:
                break  # garbage: stop believing the chain here
            if not self._is_trusted(hop):
                scope["client"] = (hop, 0)
                break
        proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").strip().lower()
        if proto in ("http", "https"):
            scope["scheme"] = proto
        host = headers.get(b"x-forwarded-host", b"").decode("latin-1").split(",")[0].strip()
        if host and _HOST.fullmatch(host):
            scope["headers"] = [
                (name, value) for name, value in scope["headers"] if name != b"host"
            ] + [(b"host", host.encode("latin-1"))]
