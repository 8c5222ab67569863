"""An API key never reaches the log, wherever the client put it."""

import json
from typing import Any

import httpx
import pytest
import structlog

from clientbook import logging as clientbook_logging
from clientbook.kit import middleware
from tests.api_keys.keys import make_key
from tests.factories import Factory


async def test_a_key_in_the_query_or_a_header_is_never_logged(
    app: Any,
    client: httpx.AsyncClient,
    factory: Factory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = await factory.store()
    key = await make_key(client, ctx)
    clientbook_logging.configure("INFO", json=True)
    monkeypatch.setattr(middleware, "log", structlog.get_logger("clientbook.access"))
    capsys.readouterr()
    url = f"{ctx.base}/customers"
    try:
        answers = [
            await client.get(url, params={"auth_token": key}),
            await client.get(url, params={"auth_token": key, "page": "x"}),  # a 422
            await client.get(url, headers={"X-AUTH-TOKEN": key}),
            await client.get(url, params={"auth_token": _another_last(key)}),  # a 401
            await client.get("/v1/stores/NOPE/customers", params={"auth_token": key}),
        ]
        structlog.get_logger("test").info("probe", auth_token=key, api_key=key)
    finally:
        clientbook_logging.configure("WARNING", json=True)
    assert [a.status_code for a in answers] == [200, 422, 200, 401, 404]
    every = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    # The test's own HTTP client logs the URL it calls; the server is what is checked here.
    lines = [line for line in every if line.get("logger") != "httpx"]
    text = json.dumps(lines)
    assert [line["event"] for line in lines].count("request") == 5
    assert key not in text
    assert key[4:20] not in text
    for answer in answers:
        assert key[4:20] not in answer.text


def _another_last(key: str) -> str:
    """The key with its last character changed (a key ending in "0" stayed itself)."""
    return key[:-1] + ("1" if key.endswith("0") else "0")
