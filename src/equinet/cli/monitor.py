"""`equinet monitor [--check]`: database and app health at a glance, and cron-able alert rules."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from equinet.cli.common import console, errors, load_settings, run
from equinet.db.targets import app_database, direct_database, ensure_database_exists
from equinet.ops.monitor import AppReport, DatabaseReport, RuleResult, collect, evaluate_rules
from equinet.settings import Settings


def monitor(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="evaluate the alert rules only; exit 1 listing each breached rule"
        ),
    ] = False,
) -> None:
    """Connections, long queries, cache hit ratio, sizes, slow statements and app latency."""
    settings = load_settings()
    target = direct_database(settings)
    if settings.uses_embedded_database:
        run(ensure_database_exists(target))
    database, app = run(collect(target, settings))
    if check:
        _check(evaluate_rules(settings, database, app))
        return
    console.print(f"[bold]Equinet monitor[/]: database {target.describe()}", highlight=False)
    _connections(database, settings)
    _activity(database)
    _storage(database)
    _statements(database)
    _jobs(database)
    _application(app)


def _jobs(report: DatabaseReport) -> None:
    jobs = report.jobs
    if jobs is None or not jobs.installed:
        console.print("job queue: not installed (run `equinet db migrate`)")
        return
    table = Table("state", "jobs", title="job queue")
    for state, count in jobs.counts.items():
        table.add_row(state, str(count))
    table.add_row("retrying (todo after a failure)", str(jobs.retrying))
    console.print(table)
    if not jobs.failed:
        return
    failed = Table("id", "task", "kind", "runs", "failed at", title="failed jobs (newest first)")
    for job in jobs.failed:
        failed.add_row(
            str(job.id),
            escape(job.task_name),
            escape(job.kind or ""),
            str(job.attempts),
            job.failed_at.isoformat(timespec="seconds") if job.failed_at else "",
        )
    console.print(failed)


def _check(results: list[RuleResult]) -> None:
    # One plain line per rule: readable in cron mail and easy to grep.
    for rule in results:
        if rule.breached:
            status = "[bold red]BREACHED[/]"
        else:
            status = "[yellow]unknown[/] " if rule.unknown else "[green]ok[/]      "
        note = f"  ({escape(rule.note)})" if rule.note else ""
        console.print(
            f"{status} {rule.name:<20} {escape(rule.value)}  "
            f"(threshold {escape(rule.threshold)}){note}",
            highlight=False,
        )
    breached = [rule for rule in results if rule.breached]
    if not breached:
        console.print("all rules ok")
        return
    errors.print(f"[bold red]{len(breached)} rule(s) breached:[/]")
    for rule in breached:
        errors.print(f"  - {rule.name}: {rule.value} ({rule.threshold})", highlight=False)
    raise typer.Exit(1)


def _connections(report: DatabaseReport, settings: Settings) -> None:
    app_target = app_database(settings)
    pool_size = app_target.pool_size or settings.db_pool_size
    console.print(
        f"\nconnections: {report.total_connections} of max_connections {report.max_connections} "
        f"({report.connections_percent:.0f}%); equinet-app holds "
        f"{report.connections_of('equinet-app')} (pool size {pool_size} per worker)",
        highlight=False,
    )
    table = Table("application", "state", "connections", title="connections by state")
    for group in report.connections:
        table.add_row(escape(group.application), group.state, str(group.count))
    console.print(table)


def _activity(report: DatabaseReport) -> None:
    for title, rows in (
        ("queries running longer than 5 s", report.long_running),
        ("idle in transaction (holding locks and a connection)", report.idle_in_transaction),
    ):
        if not rows:
            console.print(f"{title}: none")
            continue
        table = Table("pid", "application", "seconds", "wait", "query", title=title)
        for row in rows:
            table.add_row(
                str(row.pid),
                escape(row.application),
                f"{row.seconds:.1f}",
                row.wait_event or "",
                escape(row.query),
            )
        console.print(table)


def _storage(report: DatabaseReport) -> None:
    ratio = report.cache_hit_ratio
    console.print(
        f"\ncache hit ratio: {'no reads yet' if ratio is None else f'{ratio:.3f}'}; "
        f"database {report.database}: {report.database_bytes / 1024 / 1024:.1f} MB",
        highlight=False,
    )
    table = Table("table", "total size", "rows (estimate)", title="10 largest tables")
    for row in report.largest_tables:
        table.add_row(escape(row.name), f"{row.total_bytes / 1024:.0f} kB", str(row.rows_estimate))
    console.print(table)


def _statements(report: DatabaseReport) -> None:
    if report.statements is None:
        console.print(f"slowest statements: {report.statements_note}", highlight=False)
        return
    table = Table("mean ms", "max ms", "calls", "query", title="slowest statements (mean)")
    for row in report.statements:
        table.add_row(f"{row.mean_ms:.1f}", f"{row.max_ms:.1f}", str(row.calls), escape(row.query))
    console.print(table)


def _application(app: AppReport) -> None:
    if app.unreachable is not None or app.sample is None:
        console.print(
            f"\n[bold red]app not running or not answering[/] at {app.url}/metrics "
            f"({escape(app.unreachable or '')}); set MONITOR_APP_URL",
            highlight=False,
        )
        return
    table = Table("figure", "value", title=f"application ({app.url})")
    window = app.window
    if window is not None:
        for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            value = window.quantile(q)
            table.add_row(
                f"latency {name}, {window.describe()}",
                "no requests" if value is None else f"{value * 1000:.0f} ms",
            )
        table.add_row(f"5xx answers, {window.describe()}", f"{window.server_errors:g}")
    for status, count in sorted(app.sample.by_status.items()):
        table.add_row(f"{status} answers since start", f"{count:g}")
    console.print(table)
