"""OpenTelemetry tracing (``CLIENTBOOK_TRACING_ENDPOINT``): a span per request, named by
its route template and carrying the request id, with the SQL statements beneath it and
none of their parameters."""

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from clientbook.app import create_app
from clientbook.kit import tracing
from clientbook.kit.db import Database
from clientbook.settings import Settings
from tests.factories import Factory


@pytest.fixture
async def traced(
    settings: Settings,
) -> AsyncIterator[tuple[httpx.AsyncClient, InMemorySpanExporter]]:
    # A database of its own: instrumenting an engine is for the engine's lifetime.
    database = Database(settings.database_url, pool_size=2)
    app = create_app(settings, database)
    exporter = InMemorySpanExporter()
    provider = tracing.install(app, database.engine, "", exporter=exporter)
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client, exporter
    provider.shutdown()
    await database.dispose()


async def test_a_request_is_a_span_with_its_route_request_id_and_statements(
    traced: tuple[httpx.AsyncClient, InMemorySpanExporter], factory: Factory
) -> None:
    client, exporter = traced
    ctx = await factory.store()
    answer = await client.post(
        f"{ctx.base}/customers",
        json={"first_name": "Traced", "email": "traced.person@example.com"},
        headers={**ctx.admin.headers, "X-Request-ID": "trace-me-1"},
    )
    assert answer.status_code == 201
    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.attributes.get("clientbook.request_id") == "trace-me-1"]
    assert len(server) == 1
    assert server[0].attributes["http.route"] == "/v1/stores/{store}/customers"
    statements = [s for s in spans if s.context.trace_id == server[0].context.trace_id]
    assert any(
        "INSERT INTO customers" in str(s.attributes.get("db.statement", "")) for s in statements
    )
    for span in spans:  # no customer data in any span
        assert "traced.person" not in str(dict(span.attributes or {}))


def test_tracing_is_on_only_when_an_endpoint_is_set(settings: Settings) -> None:
    assert not hasattr(create_app(settings).state, "tracer_provider")
    on = create_app(
        settings.model_copy(update={"tracing_endpoint": "http://127.0.0.1:4318/v1/traces"})
    )
    assert on.state.tracer_provider is not None
    on.state.tracer_provider.shutdown()
