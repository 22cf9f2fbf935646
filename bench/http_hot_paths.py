"""Hot read paths vs the database's own limit (issue 4): how much of PostgreSQL's throughput
for the same SQL the HTTP app delivers.

For each hot read path the script

1. captures the exact statements one request sends (the app in-process, on the same
   database, provider cache off), with their parameter values;
2. starts `equinet serve` on a loopback port (WORKERS processes, pool size POOL through
   `connection_limit` in DATABASE_URL, rate limits off) and drives it with CONCURRENCY
   asyncio tasks on one httpx client for SECONDS after a short warm-up: requests per second
   and latency p50/p95/p99, non-200 answers;
3. runs the captured statements (one transaction, as the app runs them) with pgbench for the
   same time, with as many clients as the app has connections (WORKERS x POOL), prepared
   like the app's asyncpg statement cache: the database's own limit for that request;
4. prints one Markdown table: app req/s as a fraction of pgbench's transactions/s.

Paths: GET /api/providers?city=... (uncached and cached), GET /api/providers near a point
(uncached and cached), GET /api/providers/{id}/availability?date=...&serviceId=...,
GET /api/bookings as the provider with the most bookings (a session row made directly in
the database with `equinet.accounts.sessions.create_session`, deleted at the end).

    .venv/bin/python bench/http_hot_paths.py \
        --url postgresql://postgres@127.0.0.1:5432/equinet_scale

The database needs Equinet data (`equinet db seed --scale N`) stamped `development`. Loopback
only: the client, the app and PostgreSQL share the machine, so the figures are a floor for
each and the *ratio* is the finding. Never point it at a shared server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from asgi_lifespan import LifespanManager
from sample_values import (
    busiest_day,
    provider_user_with_most_bookings,
    searches,
    session_token,
)
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.app import create_app
from equinet.db.embedded import bin_dir
from equinet.db.engine import create_engine
from equinet.db.urls import is_local_host, parse_database_url
from equinet.models import Session
from equinet.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
# The interpreter running this script: its equinet (PYTHONPATH=src picks a worktree's).
EQUINET = [sys.executable, "-m", "equinet"]


@dataclass
class Path_:
    name: str
    url: str  # path and query string
    cached: bool = False  # run against the server with the provider cache on
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200
    sql: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies_ms, p)


@dataclass
class PgbenchResult:
    tps: float
    latencies_ms: list[float]
    failed: int

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies_ms, p)


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# --- choosing what to ask for ------------------------------------------------------------


async def choose_paths(settings: Settings) -> tuple[list[Path_], str]:
    """Real values from the data: the commonest city, a customer's stable, the busiest
    provider's busiest future day and one of its services; a session for the provider with
    the most bookings. Returns the paths and the session id to delete afterwards."""
    engine = create_engine(_target(settings), settings, application_name="bench-setup")
    try:
        async with AsyncSession(engine, expire_on_commit=False) as db, db.begin():
            search = await searches(db)
            busiest = await busiest_day(db)
            heavy_user_id = await provider_user_with_most_bookings(db)
            token = await session_token(
                db, heavy_user_id, settings, user_agent="bench/http_hot_paths"
            )
            session_id = await db.scalar(
                select(Session.id)
                .where(Session.user_id == heavy_user_id)
                .order_by(Session.created_at.desc())
                .limit(1)
            )
    finally:
        await engine.dispose()
    provider_id, day, service_id = busiest.provider_id, busiest.day, busiest.service_id
    auth = {"Authorization": f"Bearer {token}"}
    city_url = f"/api/providers?city={search.city}"
    near_url = f"/api/providers?latitude={search.latitude}&longitude={search.longitude}&radiusKm=25"
    paths = [
        # The HTTP stack alone (middleware, routing, JSON error): the app's own ceiling here.
        Path_("baseline: unknown path, 404 JSON, no SQL", "/api/no-such-path", expect=404),
        Path_("providers: city", city_url),
        Path_("providers: city (cached)", city_url, cached=True),
        Path_("providers: near point 25 km", near_url),
        Path_("providers: near point 25 km (cached)", near_url, cached=True),
        Path_(
            "availability: one day",
            f"/api/providers/{provider_id}/availability?date={day}&serviceId={service_id}",
        ),
        Path_("bookings: provider's list", "/api/bookings", headers=auth),
    ]
    return paths, str(session_id)


async def drop_session(settings: Settings, session_id: str) -> None:
    engine = create_engine(_target(settings), settings, application_name="bench-setup")
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text('DELETE FROM "Session" WHERE id = :id'), {"id": session_id}
            )
    finally:
        await engine.dispose()


# --- the SQL of one request --------------------------------------------------------------


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return _quoted(value.isoformat(sep=" ")) + "::timestamp"
    if isinstance(value, date):
        return f"'{value.isoformat()}'::date"
    if isinstance(value, list | tuple):
        return "ARRAY[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, UUID):
        value = str(value)
    return _quoted(str(value))


def _quoted(value: str) -> str:
    """A string literal; with a colon it is an E'' string spelling the colon \\x3a, because
    pgbench reads `:name` (even inside quotes) as one of its variables."""
    if ":" not in value:
        return "'" + value.replace("'", "''") + "'"
    escaped = value.replace("\\", "\\\\").replace("'", "''").replace(":", "\\x3a")
    return "E'" + escaped + "'"


def _inline(statement: str, parameters: Any) -> str:
    """asyncpg's $1, $2 ... replaced by SQL literals (highest number first: $10 before $1)."""
    values = list(parameters or ())
    for number in range(len(values), 0, -1):
        statement = re.sub(
            rf"\${number}(?!\d)", lambda _m, n=number: _literal(values[n - 1]), statement
        )
    return " ".join(statement.split())


@contextlib.contextmanager
def capturing() -> Iterator[list[str]]:
    captured: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append(_inline(statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield captured
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def capture_sql(settings: Settings, paths: list[Path_]) -> None:
    """The statements each request runs: the app in-process, cache off, after one warm-up
    request (so once-per-process work such as the maintenance flag is not counted)."""
    app = create_app(settings.model_copy(update={"provider_cache_ttl_seconds": 0}))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for path in paths:
                warm = await client.get(path.url, headers=path.headers)
                assert warm.status_code == path.expect, (
                    path.url,
                    warm.status_code,
                    warm.text[:300],
                )
                with capturing() as captured:
                    await client.get(path.url, headers=path.headers)
                path.sql = [s for s in captured if not s.upper().startswith(("BEGIN", "COMMIT"))]


# --- load on the app ---------------------------------------------------------------------


@contextlib.contextmanager
def serve(
    database_url: str,
    *,
    port: int,
    workers: int,
    pool_size: int,
    env: dict[str, str],
    startup_seconds: float = 120,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`equinet serve` on 127.0.0.1:port with `workers` processes and `pool_size` connections
    each; yields the base URL and the process (its own process group, stopped on exit)."""
    separator = "&" if "?" in database_url else "?"
    environment = os.environ | {
        "DATABASE_URL": f"{database_url}{separator}connection_limit={pool_size}",
        "LOG_LEVEL": "WARNING",  # no access log: it would cost the server more CPU than JSON
    }
    environment.pop("DIRECT_DATABASE_URL", None)
    environment |= env
    log_path = Path(tempfile.mkstemp(prefix="bench-serve-", suffix=".log")[1])
    command = [*EQUINET, "serve", "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop uvicorn and its workers
        )
        try:
            deadline = time.monotonic() + startup_seconds
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"equinet serve exited; log: {log_path}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"equinet serve did not answer in {startup_seconds:.0f} s; log: {log_path}"
                    )
                time.sleep(0.5)
            yield base, process
        finally:
            stop_group(process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL after 30 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def server(settings: Settings, args: argparse.Namespace, *, cached: bool) -> Iterator[str]:
    assert settings.database_url is not None
    env = {
        "EQUINET_ENV": settings.equinet_env.value,
        "RATE_LIMIT_ENABLED": "false",
        "PROVIDER_CACHE_TTL_SECONDS": "300" if cached else "0",
    }
    with serve(
        settings.database_url,
        port=args.port,
        workers=args.workers,
        pool_size=args.pool_size,
        env=env,
    ) as (base, _process):
        yield base


async def drive(base: str, path: Path_, concurrency: int, seconds: float) -> LoadResult:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker(until: float, record: bool) -> None:
            while time.monotonic() < until:
                started = time.perf_counter()
                try:
                    status = (await client.get(path.url, headers=path.headers)).status_code
                except httpx.HTTPError:
                    status = 0
                if record:
                    latencies.append((time.perf_counter() - started) * 1000)
                    statuses[status] += 1

        warm_until = time.monotonic() + min(3.0, seconds / 5)
        await asyncio.gather(*(worker(warm_until, False) for _ in range(concurrency)))
        started = time.monotonic()
        await asyncio.gather(*(worker(started + seconds, True) for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return LoadResult(len(latencies), elapsed, latencies, statuses)


# --- the database's own limit ------------------------------------------------------------


def pgbench_binary() -> str:
    return shutil.which("pgbench") or str(Path(bin_dir()) / "pgbench")


def run_pgbench(settings: Settings, path: Path_, clients: int, seconds: int) -> PgbenchResult:
    return run_pgbench_scripts(
        settings.database_url or "", [path.sql], clients, seconds, name=path.name
    )


def run_pgbench_scripts(
    database_url: str,
    scripts: list[list[str]],
    clients: int,
    seconds: int,
    *,
    end: str = "COMMIT",
    name: str = "",
    threads: int = 2,
    per_client: bool = False,
) -> PgbenchResult:
    """Each script (a request's statements) as one transaction ending in `end` (COMMIT, or
    ROLLBACK for a write); with several scripts pgbench picks one at random per transaction.

    With `per_client` every client is a pgbench process of its own repeating its own script
    (one per client when there are enough): distinct rows and locks per
    client, and each statement prepared once per connection, as the app's cache does; picking
    at random from many literal scripts would instead prepare nearly every transaction anew."""
    url = parse_database_url(database_url).url
    # A Unix socket (the embedded server) comes as ?host=/path in the URL's query.
    host = url.host or str(url.query.get("host") or "127.0.0.1")
    env = os.environ | {"PGPASSWORD": url.password or ""}
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as folder:
        files = []
        for number, statements in enumerate(scripts):
            script = Path(folder) / f"request-{number}.sql"
            body = "\n".join(f"{statement};" for statement in statements)
            script.write_text(f"BEGIN;\n{body}\n{end};\n", encoding="utf-8")
            files.append(str(script))

        def command(prefix: str, chosen: list[str], count: int) -> list[str]:
            return [
                pgbench_binary(),
                "-n",  # no vacuum of pgbench's own tables: they do not exist here
                "-M",
                "prepared",  # like asyncpg's statement cache: planned once per connection
                "-c",
                str(count),
                "-j",
                str(min(threads, count)),
                "-T",
                str(seconds),
                "-l",
                "--log-prefix",
                str(Path(folder) / prefix),
                *[option for file in chosen for option in ("-f", file)],
                "-h",
                host,
                "-p",
                str(url.port or 5432),
                "-U",
                url.username or "postgres",
                url.database or "postgres",
            ]

        if per_client:
            # Fewer scripts than clients: some clients share one (and its locks).
            commands = [command(f"tx{n}-", [files[n % len(files)]], 1) for n in range(clients)]
        else:
            commands = [command("tx", files, clients)]
        processes = [
            subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for c in commands
        ]
        tps, failed = 0.0, 0
        problems = []
        for process in processes:
            try:
                stdout, stderr = process.communicate(timeout=seconds + 120)
            except subprocess.TimeoutExpired:
                process.kill()
                stdout, stderr = process.communicate()
            match = re.search(r"tps = ([\d.]+) \(without initial", stdout)
            if process.returncode != 0 or match is None:
                problems.append(stderr)
                continue
            tps += float(match.group(1))
            failed_match = re.search(r"number of failed transactions: (\d+)", stdout)
            failed += int(failed_match.group(1)) if failed_match else 0
        if problems:
            first = Path(files[0]).read_text()
            raise SystemExit(f"pgbench failed for {name}:\n{problems[0]}\n{first}")
        latencies: list[float] = []
        for log_file in Path(folder).glob("tx*"):
            for line in log_file.read_text().splitlines():
                fields = line.split()
                if len(fields) >= 3:
                    latencies.append(int(fields[2]) / 1000)  # microseconds
        return PgbenchResult(tps, latencies, failed)


# --- main --------------------------------------------------------------------------------


def _target(settings: Settings) -> Any:
    return parse_database_url(settings.database_url or "")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/equinet_scale"
        ),
    )
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=32, help="client tasks")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--only", action="append", help="paths whose name contains this")
    parser.add_argument("--sql-dir", type=Path, help="write each path's captured SQL here")
    parser.add_argument(
        "--capture-only", action="store_true", help="capture (and write) the SQL, no load"
    )
    return parser.parse_args()


def _row(path: Path_, load: LoadResult, database: PgbenchResult | None) -> str:
    ok = load.statuses.get(path.expect, 0)
    bad = {status: n for status, n in load.statuses.items() if status != path.expect}
    app = (
        f"| {path.name} | {len(path.sql)} | {load.per_second:,.0f} | "
        f"{load.percentile(50):.1f} / {load.percentile(95):.1f} / {load.percentile(99):.1f} | "
        f"{bad or 0} |"
    )
    if database is None:
        return app + " - | - | - |"
    return app + (
        f" {database.tps:,.0f} | {database.percentile(50):.1f} / "
        f"{database.percentile(95):.1f} / {database.percentile(99):.1f} | "
        f"{ok / load.seconds / database.tps:.0%} |"
    )


def main() -> None:
    args = _parse_args()
    host = parse_database_url(args.url).url.host or ""
    if not is_local_host(host):
        raise SystemExit(f"refusing to load {host}: loopback databases only")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=args.url,
        equinet_env=os.environ.get("EQUINET_ENV", "development"),
        redis_url=os.environ.get("REDIS_URL") or None,
        rate_limit_enabled=False,
    )
    paths, session_id = asyncio.run(choose_paths(settings))
    if args.only:
        paths = [p for p in paths if any(word in p.name for word in args.only)]
    clients = args.workers * args.pool_size
    rows: list[str] = []
    limits: dict[str, PgbenchResult] = {}
    try:
        asyncio.run(capture_sql(settings, paths))
        if args.sql_dir:
            args.sql_dir.mkdir(parents=True, exist_ok=True)
            for path in paths:
                slug = re.sub(r"[^a-z0-9]+", "-", path.name.lower()).strip("-")
                (args.sql_dir / f"{slug}.sql").write_text(
                    "".join(f"{statement};\n" for statement in path.sql), encoding="utf-8"
                )
        if args.capture_only:
            return
        for cached in (False, True):
            chosen = [p for p in paths if p.cached is cached]
            if not chosen:
                continue
            with server(settings, args, cached=cached) as base:
                for path in chosen:
                    load = asyncio.run(drive(base, path, args.concurrency, args.seconds))
                    if path.sql and path.url not in limits:  # cached: same SQL, same limit
                        limits[path.url] = run_pgbench(settings, path, clients, args.seconds)
                    rows.append(_row(path, load, limits.get(path.url)))
                    print(rows[-1], flush=True)
    finally:
        asyncio.run(drop_session(settings, session_id))
    print()
    print(
        f"workers {args.workers}, pool {args.pool_size} per worker, {args.concurrency} client "
        f"tasks, {args.seconds} s per path; pgbench -M prepared -c {clients} -j 2 -T {args.seconds}"
    )
    print()
    print(
        "| path | SQL statements | app req/s | app p50 / p95 / p99 ms | non-200 | "
        "pgbench tx/s | pgbench p50 / p95 / p99 ms | app / database |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    for path in paths:
        print(f"\n-- {path.name}: {path.url}", file=sys.stderr)
        for statement in path.sql:
            print(f"   {statement[:160]}{'...' if len(statement) > 160 else ''}", file=sys.stderr)


if __name__ == "__main__":
    main()
