"""`equinet monitor` and `equinet monitor --check` against a real database and a running app."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest
import uvicorn
from click.testing import Result
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from equinet.app import create_app
from equinet.cli import app as cli
from equinet.db.urls import DatabaseTarget
from equinet.ops.monitor import AppSample, histogram_quantile, scrape_app, window_until
from equinet.settings import get_settings
from tests.conftest import make_settings, url_of


class LiveApp:
    """The real app served by uvicorn on a free port, in a thread of this process."""

    def __init__(self, target: DatabaseTarget) -> None:
        app = create_app(make_settings(target))

        @app.get("/api/test-crash")
        async def crash() -> None:
            raise RuntimeError("a bug")

        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveApp:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def live_app(test_database: DatabaseTarget) -> Iterator[LiveApp]:
    with LiveApp(test_database) as live:
        yield live


@pytest.fixture
def fresh_backup(tmp_path: Path) -> Path:
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "equinet-20261125T030000Z.dump").write_bytes(b"PGDMP backup")
    return backups


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def equinet(target: DatabaseTarget, *args: str, **env: str) -> Result:
    """Run the real `equinet` command (in a thread: it starts its own event loop)."""
    environment = {"DATABASE_URL": url_of(target), "EQUINET_ENV": "test", **env}

    def invoke() -> Result:
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(cli, list(args), env=environment)
        finally:
            get_settings.cache_clear()

    return await asyncio.to_thread(invoke)


async def quiet_hour_behind(live: LiveApp, history: Path) -> AppSample:
    """A history whose sample of 61 minutes ago equals the app's counters now: a quiet hour."""
    now = await scrape_app(live.url)
    baseline = AppSample(now.t - 61 * 60, now.started, now.server_errors, now.buckets)
    await asyncio.to_thread(history.write_text, json.dumps([asdict(baseline)]))
    return now


def monitor_env(live: LiveApp, tmp_path: Path, backups: Path, **extra: str) -> dict[str, str]:
    return {
        "MONITOR_APP_URL": live.url,
        "MONITOR_HISTORY_FILE": str(tmp_path / "history.json"),
        "BACKUP_DIR": str(backups),
        **extra,
    }


async def test_monitor_shows_connections_activity_sizes_and_app_latency(
    test_database: DatabaseTarget, live_app: LiveApp, tmp_path: Path, fresh_backup: Path
) -> None:
    async with httpx.AsyncClient(base_url=live_app.url) as client:
        for _ in range(5):
            assert (await client.get("/api/health")).status_code == 200

    result = await equinet(
        test_database, "monitor", **monitor_env(live_app, tmp_path, fresh_backup)
    )

    assert result.exit_code == 0, result.output
    out = result.output
    assert "connections by state" in out
    assert "equinet-app" in out  # the live app's pool, by application_name
    assert "of max_connections" in out
    assert "queries running longer than 5 s" in out
    assert "idle in transaction" in out
    assert "cache hit ratio" in out
    assert "10 largest tables" in out and "Booking" in out
    assert "slowest statements" in out
    assert "latency p95" in out and "latency p99" in out
    assert "app not running" not in out


async def test_monitor_check_passes_on_a_healthy_database(
    test_database: DatabaseTarget, live_app: LiveApp, tmp_path: Path, fresh_backup: Path
) -> None:
    await quiet_hour_behind(live_app, tmp_path / "history.json")

    result = await equinet(
        test_database,
        "monitor",
        "--check",
        **monitor_env(live_app, tmp_path, fresh_backup),
    )

    assert result.exit_code == 0, result.output
    assert "all rules ok" in result.output
    for rule in ("connections_percent", "database_size_mb", "p95_seconds", "errors_per_hour"):
        assert rule in result.output


async def test_monitor_check_exits_1_naming_the_breached_rule(
    test_database: DatabaseTarget, live_app: LiveApp, tmp_path: Path, fresh_backup: Path
) -> None:
    await quiet_hour_behind(live_app, tmp_path / "history.json")

    result = await equinet(
        test_database,
        "monitor",
        "--check",
        **monitor_env(live_app, tmp_path, fresh_backup, ALERT_DATABASE_SIZE_MB="1"),
    )

    assert result.exit_code == 1, result.output
    assert "1 rule(s) breached" in result.output
    assert "- database_size_mb:" in result.output


async def test_server_errors_of_the_last_hour_breach_the_error_rule(
    test_database: DatabaseTarget, live_app: LiveApp, tmp_path: Path, fresh_backup: Path
) -> None:
    await quiet_hour_behind(live_app, tmp_path / "history.json")
    for _ in range(6):
        # uvicorn closes the connection after a crash: one connection per request.
        async with httpx.AsyncClient(base_url=live_app.url) as client:
            assert (await client.get("/api/test-crash")).status_code == 500

    result = await equinet(
        test_database,
        "monitor",
        "--check",
        **monitor_env(live_app, tmp_path, fresh_backup),
    )

    assert result.exit_code == 1, result.output
    assert "1 rule(s) breached" in result.output
    assert "- errors_per_hour: 5.9 (> 5 per hour)" in result.output  # 6 in 61 minutes
    assert "6 answers with 5xx in the last 61 min" in result.output


async def test_monitor_says_when_the_app_is_not_running(
    test_database: DatabaseTarget, tmp_path: Path, fresh_backup: Path
) -> None:
    env = {
        "MONITOR_APP_URL": f"http://127.0.0.1:{free_port()}",
        "MONITOR_HISTORY_FILE": str(tmp_path / "history.json"),
        "BACKUP_DIR": str(fresh_backup),
    }

    shown = await equinet(test_database, "monitor", **env)
    checked = await equinet(test_database, "monitor", "--check", **env)

    assert shown.exit_code == 0, shown.output
    assert "app not running or not answering" in shown.output
    assert checked.exit_code == 1
    assert "- app_metrics: unreachable" in checked.output


async def test_missing_backup_is_a_breach(
    test_database: DatabaseTarget, live_app: LiveApp, tmp_path: Path
) -> None:
    await quiet_hour_behind(live_app, tmp_path / "history.json")
    empty = tmp_path / "no-backups-yet"
    empty.mkdir()
    (empty / "notes.txt").write_text("a manifest or a note is not a backup")

    result = await equinet(
        test_database,
        "monitor",
        "--check",
        **monitor_env(live_app, tmp_path, empty),
    )

    assert result.exit_code == 1
    assert "- backup_age_hours: no backup" in result.output


async def test_monitor_reports_slowest_statements_or_why_it_cannot(
    test_database: DatabaseTarget, engine: AsyncEngine, tmp_path: Path, fresh_backup: Path
) -> None:
    async with engine.connect() as connection:
        available = await connection.scalar(
            text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'")
        )
        preloaded = "pg_stat_statements" in str(
            await connection.scalar(text("SHOW shared_preload_libraries"))
        )
    if not available:
        pytest.skip("this PostgreSQL has no pg_stat_statements extension")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
    try:
        result = await equinet(
            test_database,
            "monitor",
            MONITOR_APP_URL=f"http://127.0.0.1:{free_port()}",
            MONITOR_HISTORY_FILE=str(tmp_path / "history.json"),
            BACKUP_DIR=str(fresh_backup),
        )
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("DROP EXTENSION pg_stat_statements"))

    assert result.exit_code == 0, result.output
    if preloaded:
        assert "slowest statements (mean)" in result.output
    else:  # created but not in shared_preload_libraries: PostgreSQL refuses to read it
        assert "pg_stat_statements cannot be read" in result.output
        assert "shared_preload_libraries" in result.output


def test_quantiles_interpolate_inside_the_histogram_bucket() -> None:
    # 100 requests: 50 under 0.1 s, 40 more under 0.5 s, 10 more under 2 s.
    buckets = {"0.1": 50.0, "0.5": 90.0, "2.0": 100.0, "+Inf": 100.0}

    assert histogram_quantile(0.5, buckets) == pytest.approx(0.1)
    assert histogram_quantile(0.7, buckets) == pytest.approx(0.3)
    assert histogram_quantile(0.95, buckets) == pytest.approx(1.25)
    assert histogram_quantile(0.95, {"0.1": 0.0, "+Inf": 0.0}) is None


def test_error_window_survives_an_app_restart() -> None:
    hour = 3600.0
    now = 10 * hour
    history = [
        AppSample(now - 2 * hour, 1.0, 100.0, {}),  # older than the window: ignored
        AppSample(now - 1.1 * hour, 1.0, 110.0, {}),  # the baseline
        AppSample(now - 0.5 * hour, 1.0, 113.0, {}),  # +3, then the app restarted
    ]
    current = AppSample(now, now - 0.2 * hour, 4.0, {})  # 4 errors since the restart

    window = window_until(current, history)

    assert window is not None
    assert window.server_errors == 7
    assert window.covers_hour
