"""OpenTelemetry tracing, when an OTLP endpoint is configured (``CLIENTBOOK_TRACING_ENDPOINT``):
a span per request (route template, method, status) with the request id (set by
``kit/middleware.RequestContext``), and a span per SQL
statement beneath it. Without the setting nothing is instrumented and nothing is imported.

Statements are traced without their parameters (``db.statement`` holds the SQL text only),
so no customer data leaves in a span.
"""

from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine


def install(app: FastAPI, engine: AsyncEngine, endpoint: str, exporter: Any = None) -> Any:
    """Trace ``app`` and ``engine`` to ``endpoint`` (or to ``exporter``, for tests);
    answers the tracer provider, whose ``shutdown`` flushes what is left."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "clientbook"}))
    if exporter is None:
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls="healthz,readyz,metrics",
    )
    # The instrumentation names SQLAlchemy < 2.1 as its range; its engine events are the
    # same in 2.1 (tests/test_tracing.py checks that statements are traced).
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine,
        tracer_provider=provider,
        enable_commenter=False,
        skip_dep_check=True,
    )
    return provider
