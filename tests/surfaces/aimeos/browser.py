"""A shop front-end calling ``/jsonapi`` as a browser does: it keeps the cookies
Clientbook sets (``Secure`` ones too, which httpx would not send back over http) and the
CSRF token of the last answer, as the document's ``cookies.txt`` examples do."""

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from tests.factories import Factory, StoreCtx


class Browser:
    def __init__(self, app: FastAPI, host: str, address: str = "10.9.8.7") -> None:
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        self.client = httpx.AsyncClient(transport=transport, base_url=f"http://{host}")
        self.host = host
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await self.client.request(method, url, headers=headers, **kwargs)
        self.client.cookies.clear()
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            value = rest.split(";")[0].strip().strip('"')
            if not value or "max-age=0" in raw.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        try:
            csrf = response.json().get("meta", {}).get("csrf")
        except ValueError:
            csrf = None
        if csrf:
            self.csrf = csrf["value"]
        return response

    async def options(self, url: str = "/jsonapi") -> httpx.Response:
        return await self.request("OPTIONS", url)

    def with_token(self, url: str) -> str:
        return url + ("&" if "?" in url else "?") + f"_token={self.csrf}"

    async def sign_in(self, username: str, password: str) -> httpx.Response:
        if self.csrf is None:
            await self.options()
        body = {"data": {"attributes": {"customer.code": username, "customer.password": password}}}
        return await self.request("POST", self.with_token("/jsonapi/session"), json=body)

    async def close(self) -> None:
        await self.client.aclose()


async def shop(factory: Factory, client: httpx.AsyncClient, **store: Any) -> tuple[StoreCtx, str]:
    """A store that claimed a host name of its own; the host with the document's port."""
    ctx = await factory.store(**store)
    domain = f"shop-{uuid.uuid4().hex[:10]}.localhost"
    answer = await client.put(
        f"{ctx.base}/sites", json={"domains": [domain]}, headers=ctx.owner.headers
    )
    assert answer.status_code == 200, answer.text
    return ctx, f"{domain}:8000"


def matches(expected: Any, actual: Any, path: str = "") -> None:
    """``actual`` is ``expected``, where ``"..."`` stands for any text."""
    if expected == "...":
        assert isinstance(actual, str), path
        assert actual, path
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        assert list(expected) == list(actual) or set(expected) == set(actual), (
            path,
            set(expected) ^ set(actual),
        )
        for key, value in expected.items():
            matches(value, actual[key], f"{path}.{key}")
        return
    if isinstance(expected, list):
        assert isinstance(actual, list), (path, actual)
        assert len(actual) == len(expected), (path, actual)
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            matches(want, got, f"{path}.{index}")
        return
    assert expected == actual, (path, expected, actual)
