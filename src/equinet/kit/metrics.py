"""Every Prometheus metric Equinet exports (design document O1-O5), and their exposition.

The metrics are module-level objects in prometheus_client's default registry, so any module
can import and move them (the rate limiter increments `RATE_LIMIT_REJECTIONS`, the error
handlers `DATABASE_ERRORS`, the slow-query log the query histogram).

Several uvicorn workers: set `PROMETHEUS_MULTIPROC_DIR` to an empty directory (cleared on every
deploy) in the environment *before* the workers start. prometheus_client then keeps each
worker's values in memory-mapped files there, and `/metrics` (answered by any one worker)
sums them. Without the variable the values live in the process (one worker, tests).
"""

from __future__ import annotations

import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Requests: buckets from 5 ms to 10 s, dense around the 2 s p95 alert threshold.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
QUERY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)

# Route labels for requests that matched no route, or were answered by maintenance mode.
UNMATCHED_ROUTE = "<unmatched>"
MAINTENANCE_ROUTE = "<maintenance>"

REQUEST_DURATION = Histogram(
    "equinet_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template (not the raw path).",
    ["method", "route"],
    buckets=REQUEST_BUCKETS,
)
REQUESTS = Counter(
    "equinet_http_requests",
    "HTTP requests answered, by route template and status class (2xx, 4xx, 5xx ...).",
    ["method", "route", "status"],
)
DB_QUERY_DURATION = Histogram(
    "equinet_db_query_duration_seconds",
    "Duration of every SQL statement the app ran (failed ones included).",
    buckets=QUERY_BUCKETS,
)
DB_SLOW_QUERIES = Counter(
    "equinet_db_slow_queries",
    "Statements over DB_SLOW_QUERY_INFO_MS (level=info) or DB_SLOW_QUERY_WARNING_MS (warning).",
    ["level"],
)
DATABASE_ERRORS = Counter(
    "equinet_database_errors",
    "Database errors answered by the API, by kind "
    "(unique_violation, foreign_key, timeout, connection, pool_timeout, serialization, other).",
    ["kind"],
)
RATE_LIMIT_REJECTIONS = Counter(
    "equinet_rate_limit_rejections",
    "Requests refused with 429 by a rate limiter, by limiter name.",
    ["limiter"],
)
PROVIDER_CACHE_LOOKUPS = Counter(
    "equinet_provider_cache_lookups",
    "Reads of the provider listing cache, by kind (list, visiting-area) and result (hit, miss).",
    ["kind", "result"],
)
# Pool gauges are set from the engine's pool at scrape time (and, with several workers, after
# each request so that every worker's file stays current); livesum adds up live workers.
POOL_SIZE = Gauge(
    "equinet_db_pool_size", "Connections the pool keeps.", multiprocess_mode="livesum"
)
POOL_CHECKED_OUT = Gauge(
    "equinet_db_pool_checked_out",
    "Pool connections in use by requests.",
    multiprocess_mode="livesum",
)
POOL_OVERFLOW = Gauge(
    "equinet_db_pool_overflow",
    "Connections open beyond the pool size (0: the pool has no overflow).",
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "equinet_db_pool_waiting",
    "Requests waiting for a pool connection right now.",
    multiprocess_mode="livesum",
)
# The job queue, read from its table at scrape time (the same figure in every worker: max).
JOBS = Gauge(
    "equinet_jobs",
    "Background jobs in the queue by state (todo, doing, failed ...; succeeded ones are deleted).",
    ["state"],
    multiprocess_mode="max",
)
JOBS_RETRYING = Gauge(
    "equinet_jobs_retrying",
    "Jobs waiting for another run after a failure (todo with attempts > 0).",
    multiprocess_mode="max",
)
# The zero point of the counters above: `equinet monitor` knows that a cumulative counter
# holds only events after this moment (with several workers, the oldest worker's start).
COUNTERS_STARTED = Gauge(
    "equinet_metrics_start_time_seconds",
    "Unix time at which this process's counters started from zero.",
    multiprocess_mode="min",
)
COUNTERS_STARTED.set(time.time())

_DATABASE_ERROR_KINDS = {
    "UNIQUE_VIOLATION": "unique_violation",
    "FOREIGN_KEY_VIOLATION": "foreign_key",
    "DATABASE_TIMEOUT": "timeout",
    "DATABASE_UNAVAILABLE": "connection",
    "DATABASE_BUSY": "pool_timeout",
    "CONCURRENT_UPDATE": "serialization",
}


def database_error_kind(code: str) -> str:
    """The metric label of a classified database error (its EquinetError code)."""
    return _DATABASE_ERROR_KINDS.get(code, "other")


def count_database_error(code: str) -> str:
    kind = database_error_kind(code)
    DATABASE_ERRORS.labels(kind=kind).inc()
    return kind


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def pool_waiting(pool: Any) -> int | None:
    """Checkouts blocked on an exhausted async pool, or None when the pool cannot tell.

    SQLAlchemy does not count waiters; its async queue wraps an asyncio.Queue whose pending
    getters are exactly the waiting checkouts. Read without creating the queue.
    """
    queue = getattr(pool, "_pool", None)
    inner = vars(queue).get("_queue") if queue is not None else None
    getters = getattr(inner, "_getters", None)
    if getters is None:
        return 0 if queue is not None and inner is None else None
    return sum(1 for getter in getters if not getter.done())


def refresh_pool_gauges(pool: Any) -> None:
    """Copy the pool's counters into the gauges (a QueuePool; other pools are skipped)."""
    if not all(hasattr(pool, name) for name in ("size", "checkedout", "overflow")):
        return
    POOL_SIZE.set(pool.size())
    POOL_CHECKED_OUT.set(pool.checkedout())
    # QueuePool.overflow() starts at -size and counts up as connections open; only the part
    # above the pool size is overflow.
    POOL_OVERFLOW.set(max(pool.overflow(), 0))
    waiting = pool_waiting(pool)
    if waiting is not None:
        POOL_WAITING.set(waiting)


def exposition() -> tuple[bytes, str]:
    """The text format of every metric (summed over workers in multiprocess mode)."""
    registry = REGISTRY
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry) + _cache_hit_ratio(registry), CONTENT_TYPE_LATEST


def _cache_hit_ratio(registry: CollectorRegistry) -> bytes:
    """hits / (hits + misses) of the listing cache, from the (summed) counters."""
    lines = [
        "# HELP equinet_provider_cache_hit_ratio Share of provider listing cache reads that hit.",
        "# TYPE equinet_provider_cache_hit_ratio gauge",
    ]
    for kind in ("list", "visiting-area"):
        counts = [
            registry.get_sample_value(
                "equinet_provider_cache_lookups_total", {"kind": kind, "result": result}
            )
            or 0.0
            for result in ("hit", "miss")
        ]
        if sum(counts):
            ratio = counts[0] / sum(counts)
            lines.append(f'equinet_provider_cache_hit_ratio{{kind="{kind}"}} {ratio:.4f}')
    return ("\n".join(lines) + "\n").encode() if len(lines) > 2 else b""


def mark_worker_stopped() -> None:
    """Drop this worker's live gauges from the multiprocess directory when it exits."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
