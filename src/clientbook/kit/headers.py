"""Security headers on every response."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# An API answer is never a page to render, frame or run scripts in.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# Swagger UI: its script and styles come from this server only (see kit/docs.py).
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
# The staff console: scripts and styles from this server only, no inline script; images
# (file previews, drag-and-drop thumbnails) from here; a PDF preview frames a console page.
CONSOLE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


class SecurityHeaders:
    """Adds nosniff, framing and referrer rules and a content security policy to every
    response, and HSTS when the request came over HTTPS (directly or via a trusted proxy)."""

    def __init__(
        self, app: ASGIApp, *, docs_prefix: str = "/docs", console_prefix: str = "/console"
    ) -> None:
        self.app = app
        self.docs_prefix = docs_prefix
        self.console_prefix = console_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = list(_ALWAYS)
        path = scope["path"]
        if _under(path, self.docs_prefix):
            policy = DOCS_POLICY
        elif _under(path, self.console_prefix):
            policy = CONSOLE_POLICY
        else:
            policy = API_POLICY
        added.append((b"content-security-policy", policy.encode()))
        if scope.get("scheme") == "https":
            added.append((b"strict-transport-security", HSTS.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in added if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")
