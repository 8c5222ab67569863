"""``/metrics`` on the real server with two workers: every worker's requests are counted,
whichever worker answers the scrape; and every line the server writes is one JSON object,
uvicorn's included, the request's lines with its request id."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from clientbook.settings import Settings
from tests.factories import Factory
from tests.server import LiveServer, serve

REQUESTS = 30


@pytest.fixture(scope="module")
def two_workers(settings: Settings, data_dir: Path) -> Iterator[LiveServer]:
    env = {"CLIENTBOOK_LOG_LEVEL": "INFO", "CLIENTBOOK_METRICS_TOKEN": "scrape-me"}
    yield from serve(settings, data_dir / "metrics-server", workers=2, env=env)


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_add_up_every_worker_and_logs_are_json(
    two_workers: LiveServer, factory: Factory
) -> None:
    ctx = await factory.store()
    await factory.customer(ctx)
    scrape = {"Authorization": "Bearer scrape-me"}
    # A new connection for each request, so both workers answer some.
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=two_workers.base_url, limits=limits) as client:
        assert (await client.get("/metrics")).status_code == 401
        assert (
            await client.get("/metrics", headers={"Authorization": "Bearer no"})
        ).status_code == 401
        for _ in range(REQUESTS):
            listed = await client.get(f"{ctx.base}/customers", headers=ctx.owner.headers)
            assert listed.status_code == 200
        missing = await client.get("/no/such/path/12345")
        assert missing.status_code == 404
        for _ in range(6):
            answer = await client.get("/metrics", headers=scrape)
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/plain")
            samples = _samples(answer.text)
            route = "/v1/stores/{store}/customers"
            labels = frozenset({("route", route), ("method", "GET"), ("status", "200")})
            assert samples[("clientbook_http_requests_total", labels)] == REQUESTS
            count = (
                "clientbook_http_request_duration_seconds_count",
                frozenset(labels - {("status", "200")}),
            )
            assert samples[count] == REQUESTS
            unmatched = frozenset({("route", "unmatched"), ("method", "GET"), ("status", "404")})
            assert samples[("clientbook_http_requests_total", unmatched)] == 1
            backlog = frozenset({("kind", "webhook"), ("status", "pending")})
            assert ("clientbook_outbox_backlog", backlog) in samples
            assert ("clientbook_db_pool_size", frozenset()) in samples
    text = two_workers.log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # all JSON
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) >= REQUESTS
    assert all(line["request_id"] and line["route"] for line in requests)
    assert any(line.get("logger", "").startswith("uvicorn") for line in lines)
