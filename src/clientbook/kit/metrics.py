"""Prometheus metrics (``prometheus-client``), correct with several worker processes.

``clientbook serve --workers N`` (N > 1) sets ``PROMETHEUS_MULTIPROC_DIR`` before the
workers start (see ``cli.serve``), so each worker writes its counters and histograms to
files there and ``/metrics``, answered by whichever worker, adds up all of them. With one
process the library's own in-memory registry is used.
"""

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "unmatched"  # a path no route serves: one label, whatever the path

REQUESTS = Counter(
    "clientbook_http_requests_total",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "clientbook_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
POOL_IN_USE = Gauge(
    "clientbook_db_pool_connections_in_use",
    "Database connections checked out of the pool now",
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "clientbook_db_pool_size",
    "Connections each pool keeps (summed over the workers)",
    multiprocess_mode="livesum",
)
DELIVERIES = Counter(
    "clientbook_outbox_attempts_total",
    "Delivery attempts of the outbox senders, by channel (email, sms, webhook) and outcome "
    "(sent, retry, failed)",
    ["channel", "outcome"],
)
IMPORT_ROWS = Counter(
    "clientbook_import_rows_total",
    "Rows read by customer imports, by outcome (created, updated, skipped, error)",
    ["outcome"],
)


def prepare_multiprocess_dir(default: Path) -> None:
    """Before the workers start: the metrics directory exists and holds no old files."""
    directory = Path(os.environ.get(MULTIPROC_ENV) or default)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(directory)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route, method).observe(seconds)


def instrument_pool(engine: AsyncEngine, size: int) -> None:
    """Count the pool's checked-out connections (once per engine, however many apps)."""
    pool: Any = engine.sync_engine.pool
    if getattr(pool, "_clientbook_metrics", False):
        return
    pool._clientbook_metrics = True
    POOL_SIZE.inc(size)
    event.listen(pool, "checkout", lambda *_args: POOL_IN_USE.inc())
    event.listen(pool, "checkin", lambda *_args: POOL_IN_USE.dec())


class _Families(Collector):
    def __init__(self, families: Iterable[GaugeMetricFamily]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        return self.families


def render(extra: Iterable[GaugeMetricFamily] = ()) -> bytes:
    """The exposition text: every process's metrics, and ``extra`` (read at scrape time,
    such as the outbox backlog, the same whichever worker answers)."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    scraped = CollectorRegistry()
    scraped.register(_Families(extra))
    return text + generate_latest(scraped)
