"""Prometheus metrics: ingest counts per store, request latency, sink backlog, database size.

Counters and histograms live in the process that observes them. With several worker
processes, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder shared by the workers (and
emptied before they start): each worker then writes its values there, and ``/metrics`` in any
worker reports the sum over all of them (prometheus-client's multiprocess mode). Without it,
each worker reports its own counts, so a scrape through a shared port sees one worker's.

The outbox and database gauges are read from the database at each scrape, so they are the
same in every worker.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from footfall.db.models import OutboxEntry

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from footfall.db.engine import Database

__all__ = [
    "CONTENT_TYPE_LATEST",
    "LATENCY_BUCKETS_S",
    "MULTIPROCESS_VARIABLE",
    "DatabaseCollector",
    "observe_request",
    "record_batch",
    "render_metrics",
]

logger = logging.getLogger(__name__)

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

#: Request duration buckets in seconds: from a cached key look-up to a long analytics range.
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# In multiprocess mode the values go to files, and a registry per scrape collects them, so
# the metrics are created without a registry of their own to register in.
_REGISTRY: CollectorRegistry | None = (
    None if os.environ.get(MULTIPROCESS_VARIABLE) else CollectorRegistry(auto_describe=True)
)

EVENTS_ACCEPTED = Counter(
    "footfall_events_accepted",
    "Events stored for the first time, per store.",
    ["store"],
    registry=_REGISTRY,
)
EVENTS_DUPLICATE = Counter(
    "footfall_events_duplicate",
    "Events whose (device, seq) was already stored, per store: retried uploads.",
    ["store"],
    registry=_REGISTRY,
)
EVENTS_REJECTED = Counter(
    "footfall_events_rejected",
    "Events rejected by validation and kept in rejected_events, per store.",
    ["store"],
    registry=_REGISTRY,
)
REQUEST_DURATION = Histogram(
    "footfall_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, per route and status code.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS_S,
    registry=_REGISTRY,
)


def record_batch(store: str, accepted: int, duplicates: int, rejected: int) -> None:
    """Count the outcome of one committed ingest batch."""
    if accepted:
        EVENTS_ACCEPTED.labels(store=store).inc(accepted)
    if duplicates:
        EVENTS_DUPLICATE.labels(store=store).inc(duplicates)
    if rejected:
        EVENTS_REJECTED.labels(store=store).inc(rejected)


def observe_request(method: str, route: str, status: int, duration_s: float) -> None:
    """Record the duration of one completed request."""
    REQUEST_DURATION.labels(method=method, route=route, status=str(status)).observe(duration_s)


class DatabaseCollector(Collector):
    """Reads the outbox backlog, the dead letters and the database size at each scrape."""

    def __init__(self, db: Database, sink_names: tuple[str, ...]) -> None:
        self.db = db
        self.sink_names = sink_names

    def collect(self) -> Iterator[Metric]:
        backlog = GaugeMetricFamily(
            "footfall_sink_backlog",
            "Batches waiting in the outbox for delivery to an after-commit sink.",
            labels=["sink"],
        )
        dead = GaugeMetricFamily(
            "footfall_sink_dead_letters",
            "Batches that an after-commit sink failed to take within the attempt limit.",
            labels=["sink"],
        )
        oldest = GaugeMetricFamily(
            "footfall_sink_oldest_pending_age_seconds",
            "Age of the oldest batch waiting for a sink; 0 when none waits.",
            labels=["sink"],
        )
        size = GaugeMetricFamily(
            "footfall_database_size_bytes",
            "Size of the database: the SQLite file and its WAL, or the PostgreSQL database.",
        )
        up = GaugeMetricFamily(
            "footfall_database_up", "1 when the last scrape could read the database, else 0."
        )

        try:
            counts, ages = self._read_outbox()
            size_bytes = self._database_size()
        except Exception:
            logger.exception("Reading the outbox and database size for /metrics failed")
            up.add_metric([], 0)
            yield up
            return

        for sink in sorted(set(self.sink_names) | {sink for sink, _ in counts}):
            backlog.add_metric([sink], counts.get((sink, "pending"), 0))
            dead.add_metric([sink], counts.get((sink, "dead"), 0))
            oldest.add_metric([sink], ages.get(sink, 0.0))
        size.add_metric([], size_bytes)
        up.add_metric([], 1)
        yield from (backlog, dead, oldest, size, up)

    def _read_outbox(self) -> tuple[dict[tuple[str, str], int], dict[str, float]]:
        now_s = time.time()
        with self.db.read() as connection:
            rows = connection.execute(
                select(
                    OutboxEntry.sink,
                    OutboxEntry.state,
                    func.count(),
                    func.min(OutboxEntry.created_ms),
                ).group_by(OutboxEntry.sink, OutboxEntry.state)
            ).all()
        counts = {(sink, state): int(count) for sink, state, count, _ in rows}
        ages = {
            sink: max(0.0, now_s - int(created_ms) / 1000)
            for sink, state, _, created_ms in rows
            if state == "pending" and created_ms is not None
        }
        return counts, ages

    def _database_size(self) -> float:
        if self.db.is_sqlite:
            path = self.db.url.database
            if not path or path == ":memory:":
                return 0.0
            files = [Path(path), Path(path + "-wal")]
            return float(sum(file.stat().st_size for file in files if file.exists()))
        with self.db.read() as connection:
            value = connection.execute(text("SELECT pg_database_size(current_database())"))
            return float(value.scalar_one())


def render_metrics(collector: DatabaseCollector) -> bytes:
    """Return every metric in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    if _REGISTRY is None:
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for own_collector in (EVENTS_ACCEPTED, EVENTS_DUPLICATE, EVENTS_REJECTED,
                              REQUEST_DURATION):
            registry.register(own_collector)
    registry.register(collector)
    return generate_latest(registry)
