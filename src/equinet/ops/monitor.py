"""What `equinet monitor` reports (design document O2-O4), and the alert rules of `--check`.

Database figures come from pg_stat_activity, pg_stat_database, pg_class and (when installed)
pg_stat_statements. Application figures come from scraping the running app's `/metrics`.

The app's counters are cumulative since the process started, so "5xx per hour" and "p95 now"
cannot be read from one scrape. Each run of the monitor appends the few counters it needs to a
small time series (MONITOR_HISTORY_FILE, two hours kept) and measures the increase between the
newest sample at least an hour old and now, as Prometheus' `increase()` would, treating a
counter that went down or a new start time as a restart. The metric
`equinet_metrics_start_time_seconds` adds a virtual zero sample at the counters' start, so an
app that started less than an hour ago is measured exactly from its first request. Run
`equinet monitor --check` from cron every few minutes; until an hour of history exists, the
count covers a shorter window and is reported as a lower bound.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from equinet.db.engine import engine_for
from equinet.db.slow_queries import short_statement
from equinet.db.urls import DatabaseTarget
from equinet.jobs.repository import QueueReport, queue_report
from equinet.kit.metrics import MAINTENANCE_ROUTE
from equinet.ops.listening import app_url
from equinet.settings import Settings

logger = logging.getLogger("equinet.monitor")

LONG_RUNNING_SECONDS = 5.0
HOUR = 3600.0
_HISTORY_KEEP_SECONDS = 2 * HOUR
_SCRAPE_TIMEOUT_SECONDS = 3.0

REQUEST_HISTOGRAM = "equinet_http_request_duration_seconds"
REQUEST_COUNTER = "equinet_http_requests"
STARTED_GAUGE = "equinet_metrics_start_time_seconds"


# --- the database ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionGroup:
    application: str
    state: str
    count: int


@dataclass(frozen=True)
class Activity:
    pid: int
    application: str
    state: str
    seconds: float
    query: str
    wait_event: str | None


@dataclass(frozen=True)
class TableSize:
    name: str
    total_bytes: int
    rows_estimate: int


@dataclass(frozen=True)
class StatementStats:
    query: str
    calls: int
    mean_ms: float
    max_ms: float
    total_ms: float


@dataclass
class DatabaseReport:
    database: str
    max_connections: int
    connections: list[ConnectionGroup]
    long_running: list[Activity]
    idle_in_transaction: list[Activity]
    cache_hit_ratio: float | None
    database_bytes: int
    largest_tables: list[TableSize]
    statements: list[StatementStats] | None
    statements_note: str | None = None
    # The job queue: jobs by status and the newest failed ones.
    jobs: QueueReport | None = None

    @property
    def total_connections(self) -> int:
        return sum(group.count for group in self.connections)

    @property
    def connections_percent(self) -> float:
        return 100.0 * self.total_connections / self.max_connections

    def connections_of(self, application: str) -> int:
        return sum(g.count for g in self.connections if g.application == application)


_CONNECTIONS = text(
    """
    SELECT coalesce(nullif(application_name, ''), '(none)') AS application,
           coalesce(state, '(unknown)') AS state, count(*) AS connections
    FROM pg_stat_activity
    WHERE backend_type = 'client backend'
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2
    """
)
_ACTIVITY = text(
    """
    SELECT pid, coalesce(nullif(application_name, ''), '(none)') AS application, state,
           extract(epoch FROM now() - CASE WHEN state = 'active' THEN query_start
                                           ELSE state_change END) AS seconds,
           query, wait_event
    FROM pg_stat_activity
    WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
      AND ((state = 'active' AND now() - query_start > make_interval(secs => :seconds))
           OR state LIKE 'idle in transaction%')
    ORDER BY seconds DESC
    """
)
_CACHE_HIT = text(
    """
    SELECT blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()
    """
)
_LARGEST_TABLES = text(
    """
    SELECT c.relname AS name, pg_total_relation_size(c.oid) AS total_bytes,
           greatest(c.reltuples, 0)::bigint AS rows_estimate
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
    ORDER BY total_bytes DESC, name LIMIT 10
    """
)
_STATEMENTS = text(
    """
    SELECT query, calls, mean_exec_time AS mean_ms, max_exec_time AS max_ms,
           total_exec_time AS total_ms
    FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY mean_exec_time DESC LIMIT 10
    """
)


async def database_report(connection: AsyncConnection) -> DatabaseReport:
    max_connections = int(await connection.scalar(text("SHOW max_connections")) or 100)
    connections = [
        ConnectionGroup(row.application, row.state, int(row.connections))
        for row in await connection.execute(_CONNECTIONS)
    ]
    activity = [
        Activity(
            pid=row.pid,
            application=row.application,
            state=row.state,
            seconds=float(row.seconds or 0),
            query=short_statement(row.query or ""),
            wait_event=row.wait_event,
        )
        for row in await connection.execute(_ACTIVITY, {"seconds": LONG_RUNNING_SECONDS})
    ]
    hits = (await connection.execute(_CACHE_HIT)).one()
    reads = int(hits.blks_hit or 0) + int(hits.blks_read or 0)
    size = int(await connection.scalar(text("SELECT pg_database_size(current_database())")) or 0)
    tables = [
        TableSize(row.name, int(row.total_bytes), int(row.rows_estimate))
        for row in await connection.execute(_LARGEST_TABLES)
    ]
    statements, note = await _slowest_statements(connection)
    return DatabaseReport(
        database=str(await connection.scalar(text("SELECT current_database()"))),
        max_connections=max_connections,
        connections=connections,
        long_running=[a for a in activity if a.state == "active"],
        idle_in_transaction=[a for a in activity if a.state != "active"],
        cache_hit_ratio=int(hits.blks_hit or 0) / reads if reads else None,
        database_bytes=size,
        largest_tables=tables,
        statements=statements,
        statements_note=note,
        jobs=await queue_report(connection),
    )


async def _slowest_statements(
    connection: AsyncConnection,
) -> tuple[list[StatementStats] | None, str | None]:
    installed = await connection.scalar(
        text("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
    )
    if not installed:
        return None, (
            "pg_stat_statements is not installed: add it to shared_preload_libraries and run "
            "CREATE EXTENSION pg_stat_statements; to see the slowest statements."
        )
    try:
        async with connection.begin_nested():
            rows = (await connection.execute(_STATEMENTS)).all()
    except DBAPIError as error:  # installed but not preloaded, or no permission
        first_line = str(error.orig or error).strip().splitlines()[0]
        return None, f"pg_stat_statements cannot be read: {first_line}"
    return [
        StatementStats(
            short_statement(row.query or ""),
            int(row.calls),
            float(row.mean_ms),
            float(row.max_ms),
            float(row.total_ms),
        )
        for row in rows
    ], None


# --- the application's /metrics ---------------------------------------------------------------


@dataclass
class AppSample:
    """The cumulative counters of one scrape that the alert rules need."""

    t: float
    started: float | None
    server_errors: float
    buckets: dict[str, float]
    by_status: dict[str, float] = field(default_factory=dict)


def parse_metrics(body: str, at: float) -> AppSample:
    """Sum the request histogram and 5xx counter over routes (maintenance 503s excluded)."""
    started: float | None = None
    server_errors = 0.0
    buckets: dict[str, float] = {}
    by_status: dict[str, float] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            labels = sample.labels
            if labels.get("route") == MAINTENANCE_ROUTE:
                continue  # refused on purpose while `equinet maintenance on`
            if sample.name == f"{REQUEST_HISTOGRAM}_bucket":
                buckets[labels["le"]] = buckets.get(labels["le"], 0.0) + sample.value
            elif sample.name == f"{REQUEST_COUNTER}_total":
                status = labels.get("status", "")
                by_status[status] = by_status.get(status, 0.0) + sample.value
                if status == "5xx":
                    server_errors += sample.value
            elif sample.name == STARTED_GAUGE:
                started = sample.value if started is None else min(started, sample.value)
    return AppSample(at, started, server_errors, buckets, by_status)


async def scrape_app(url: str, *, at: float | None = None, token: str | None = None) -> AppSample:
    """GET `url`/metrics (with METRICS_TOKEN when set); raises httpx.HTTPError when the app
    does not answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=_SCRAPE_TIMEOUT_SECONDS, headers=headers) as client:
        response = await client.get(url.rstrip("/") + "/metrics")
        response.raise_for_status()
    return parse_metrics(response.text, time.time() if at is None else at)


def histogram_quantile(q: float, buckets: dict[str, float]) -> float | None:
    """Prometheus' histogram_quantile: linear interpolation inside the bucket holding rank q.

    Returns None without observations; a rank in the +Inf bucket answers the largest finite
    bound (the true value is "at least that").
    """
    ordered = sorted((float(le), count) for le, count in buckets.items())
    if not ordered or ordered[-1][1] <= 0:
        return None
    total = ordered[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for upper, count in ordered:
        if count >= rank:
            if math.isinf(upper):
                return lower_bound
            if count == lower_count:
                return upper
            return lower_bound + (upper - lower_bound) * (rank - lower_count) / (
                count - lower_count
            )
        lower_bound, lower_count = upper, count
    return lower_bound


@dataclass
class Window:
    """What happened between a baseline sample and now."""

    seconds: float
    server_errors: float
    buckets: dict[str, float]
    # False while the history is younger than an hour: the figures are then lower bounds.
    covers_hour: bool

    @property
    def errors_per_hour(self) -> float:
        if self.seconds > HOUR:  # cron ran late: average over the longer window
            return self.server_errors * HOUR / self.seconds
        return self.server_errors

    def quantile(self, q: float) -> float | None:
        return histogram_quantile(q, self.buckets)

    def describe(self) -> str:
        minutes = self.seconds / 60
        if minutes < 2:
            span = f"{self.seconds:.0f} s"
        else:
            span = f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"
        return f"last {span}" + ("" if self.covers_hour else " (history shorter than an hour)")


def _increase(chain: list[AppSample], value: Any) -> float:
    total = 0.0
    for before, after in itertools.pairwise(chain):
        restarted = after.started != before.started or value(after) < value(before)
        total += value(after) if restarted else value(after) - value(before)
    return total


def window_until(now: AppSample, history: Iterable[AppSample]) -> Window | None:
    """The increase over the last hour (see the module docstring); None without any baseline."""
    candidates = sorted((s for s in history if s.t < now.t), key=lambda s: s.t)
    origin: AppSample | None = None
    if now.started is not None and all(s.started != now.started for s in candidates):
        # The counters were zero when this generation of the app started.
        origin = AppSample(now.started, now.started, 0.0, dict.fromkeys(now.buckets, 0.0))
        candidates = sorted([*candidates, origin], key=lambda s: s.t)
    if not candidates:
        return None
    old_enough = [s for s in candidates if s.t <= now.t - HOUR]
    baseline = old_enough[-1] if old_enough else candidates[0]
    chain = [s for s in candidates if s.t >= baseline.t] + [now]
    buckets = {le: _increase(chain, lambda s, le=le: s.buckets.get(le, 0.0)) for le in now.buckets}
    return Window(
        seconds=now.t - baseline.t,
        server_errors=_increase(chain, lambda s: s.server_errors),
        buckets=buckets,
        covers_hour=bool(old_enough) or baseline is origin,
    )


class History:
    """The monitor's own small time series of app samples, in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[AppSample]:
        try:
            raw = json.loads(self.path.read_text())
            return [AppSample(**item) for item in raw]
        except FileNotFoundError:
            return []
        except (ValueError, TypeError) as error:
            logger.warning("ignoring unreadable monitor history %s: %s", self.path, error)
            return []

    def record(self, sample: AppSample, samples: list[AppSample]) -> None:
        keep = [s for s in samples if s.t >= sample.t - _HISTORY_KEEP_SECONDS] + [sample]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps([asdict(s) for s in keep]))
        temporary.replace(self.path)  # atomic: two cron runs never leave half a file


@dataclass
class AppReport:
    url: str
    sample: AppSample | None = None
    window: Window | None = None
    unreachable: str | None = None


async def app_report(settings: Settings, *, record: bool = True) -> AppReport:
    url = app_url(settings)
    try:
        sample = await scrape_app(url, token=settings.metrics_token)
    except httpx.HTTPError as error:
        return AppReport(url, unreachable=f"{type(error).__name__}: {error}".rstrip(": "))
    history = History(settings.monitor_history_file)
    samples = history.load()
    window = window_until(sample, samples)
    if record:
        try:
            history.record(sample, samples)
        except OSError as error:
            logger.warning("cannot write monitor history %s: %s", history.path, error)
    return AppReport(url, sample, window)


# --- backups ------------------------------------------------------------------------------------


# `equinet backup create` writes `<name>.dump` beside `<name>.manifest.json`; plain pg_dump
# SQL (the design document's old script) counts too. Manifests and stray files do not.
BACKUP_SUFFIXES = (".dump", ".sql", ".sql.gz")


def newest_backup(directory: Path) -> tuple[Path, float] | None:
    """The most recently written backup file under `directory` and its age in hours."""
    if not directory.is_dir():
        return None
    files = [p for p in directory.rglob("*") if p.is_file() and p.name.endswith(BACKUP_SUFFIXES)]
    if not files:
        return None
    newest = max(files, key=lambda p: p.stat().st_mtime)
    return newest, (time.time() - newest.stat().st_mtime) / HOUR


# --- alert rules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleResult:
    name: str
    value: str
    threshold: str
    breached: bool
    note: str = ""
    # The value could not be measured (app down, no history yet); never a breach by itself.
    unknown: bool = False


def evaluate_rules(
    settings: Settings, database: DatabaseReport, app: AppReport
) -> list[RuleResult]:
    """The design document's alert rules (O4) with their thresholds from the settings."""
    results = [
        RuleResult(
            "connections_percent",
            f"{database.connections_percent:.0f}% "
            f"({database.total_connections} of {database.max_connections})",
            f"> {settings.alert_connections_percent:g}%",
            database.connections_percent > settings.alert_connections_percent,
        )
    ]
    ratio = database.cache_hit_ratio
    results.append(
        RuleResult(
            "cache_hit_ratio",
            "no reads yet" if ratio is None else f"{ratio:.3f}",
            f"< {settings.alert_cache_hit_ratio:g}",
            ratio is not None and ratio < settings.alert_cache_hit_ratio,
        )
    )
    size_mb = database.database_bytes / 1024 / 1024
    results.append(
        RuleResult(
            "database_size_mb",
            f"{size_mb:.1f} MB",
            f"> {settings.alert_database_size_mb:g} MB",
            size_mb > settings.alert_database_size_mb,
        )
    )
    if database.jobs is not None and database.jobs.installed:
        failed = database.jobs.counts.get("failed", 0)
        results.append(
            RuleResult(
                "failed_jobs",
                str(failed),
                f"> {settings.alert_failed_jobs}",
                failed > settings.alert_failed_jobs,
                "see `equinet monitor` for the failed jobs" if failed else "",
            )
        )
    results.extend(_app_rules(settings, app))
    backup = newest_backup(settings.backup_dir)
    if backup is None:
        results.append(
            RuleResult(
                "backup_age_hours",
                "no backup",
                f"> {settings.alert_backup_max_age_hours:g} h",
                True,
                f"no {'/'.join(BACKUP_SUFFIXES)} file in {settings.backup_dir}",
            )
        )
    else:
        path, age = backup
        results.append(
            RuleResult(
                "backup_age_hours",
                f"{age:.1f} h",
                f"> {settings.alert_backup_max_age_hours:g} h",
                age > settings.alert_backup_max_age_hours,
                path.name,
            )
        )
    return results


def _app_rules(settings: Settings, app: AppReport) -> list[RuleResult]:
    p95_threshold = f"> {settings.alert_p95_seconds:g} s"
    errors_threshold = f"> {settings.alert_errors_per_hour:g} per hour"
    if app.unreachable is not None:
        # A check that passes while the app is down would hide the worst outage of all.
        return [
            RuleResult(
                "app_metrics", "unreachable", "answers", True, f"{app.url}: {app.unreachable}"
            ),
            RuleResult("p95_seconds", "unknown", p95_threshold, False, "app not reachable", True),
            RuleResult(
                "errors_per_hour", "unknown", errors_threshold, False, "app not reachable", True
            ),
        ]
    window = app.window
    if window is None:
        note = "no history and no start time in /metrics; run again later"
        return [
            RuleResult("app_metrics", "reachable", "answers", False, app.url),
            RuleResult("p95_seconds", "unknown", p95_threshold, False, note, True),
            RuleResult("errors_per_hour", "unknown", errors_threshold, False, note, True),
        ]
    p95 = window.quantile(0.95)
    rate = window.errors_per_hour
    return [
        RuleResult("app_metrics", "reachable", "answers", False, app.url),
        RuleResult(
            "p95_seconds",
            "no requests" if p95 is None else f"{p95:.3f} s",
            p95_threshold,
            p95 is not None and p95 > settings.alert_p95_seconds,
            window.describe(),
        ),
        RuleResult(
            "errors_per_hour",
            f"{rate:.1f}",
            errors_threshold,
            rate > settings.alert_errors_per_hour,
            f"{window.server_errors:g} answers with 5xx in the {window.describe()}",
        ),
    ]


async def collect(
    target: DatabaseTarget, settings: Settings, *, record: bool = True
) -> tuple[DatabaseReport, AppReport]:
    engine = engine_for(target, "equinet-monitor")
    try:
        async with engine.connect() as connection:
            database = await database_report(connection)
    finally:
        await engine.dispose()
    return database, await app_report(settings, record=record)
