"""Provider search over HTTP against the database's own limit: wrk on the app, pgbench on the
app's SQL for the same requests.

Starts the app with 2 uvicorn workers on 127.0.0.1 (rate limits off, cache off or on),
drives each listing shape (by city, free text, near a point) with `wrk -c10 -d10s`, and runs
the statements one uncached request sends (compiled from the repository's own builders,
values inlined, in one transaction like the app) with `pgbench -n -M prepared -c10 -j2`.

    .venv/bin/python bench/provider_search_http.py \
        --url postgresql://postgres@127.0.0.1:5432/equinet_perfprov --port 18210 [--cached]

REDIS_URL (if set) is the cache's Redis. Loopback databases only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy.dialects import postgresql

from equinet.db.urls import is_local_host, parse_database_url
from equinet.kit.dates import today_local
from equinet.providers import repository
from equinet.providers.service import parse_listing_query

PATHS = {
    "city": ("/api/providers?city=Stockholm", {"city": "Stockholm"}),
    "text": ("/api/providers?search=sko", {"search": "sko"}),
    "near": (
        "/api/providers?latitude=59.3293&longitude=18.0686&radiusKm=25",
        {"latitude": "59.3293", "longitude": "18.0686", "radius_km": "25"},
    ),
}


def _literal(statement: object) -> str:
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


async def _sql_of(url: str, values: dict[str, str]) -> str:
    """The two statements of one uncached request (the page, then its providers' services)."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from equinet.kit.pagination import PageRequest

    query = parse_listing_query(
        city=values.get("city"),
        search=values.get("search"),
        latitude=values.get("latitude"),
        longitude=values.get("longitude"),
        radius_km=values.get("radius_km"),
        page=PageRequest(limit=100, offset=0),
    )
    listing = repository.listing_statement(query, today_local())
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://"))
    async with engine.connect() as connection:
        ids = [row[0] for row in await connection.execute(listing)]
    await engine.dispose()
    array = "ARRAY[" + ",".join(f"'{i}'" for i in ids) + "]::text[]"
    services = _literal(repository._ACTIVE_SERVICES_BRIEF.params(provider_ids=["__IDS__"]))
    services = re.sub(r"ARRAY\['__IDS__'\]", array, services)
    return f"BEGIN;\n{_oneline(_literal(listing))};\n{_oneline(services)};\nCOMMIT;\n"


def _oneline(sql: str) -> str:
    return " ".join(sql.split())


def app_cpu_seconds(group: int) -> float:
    """User + system CPU of every process in the app's process group (the workers)."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def wrk(port: int, path: str, seconds: int) -> str:
    result = subprocess.run(
        ["wrk", "-c10", "-t2", f"-d{seconds}s", "--latency", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def pgbench(url: str, sql: str, seconds: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(sql)
    target = parse_database_url(url)
    result = subprocess.run(
        ["pgbench", "-n", "-M", "prepared", "-c10", "-j2", f"-T{seconds}",
         "-h", target.host or "127.0.0.1", "-p", str(target.url.port or 5432),
         "-U", target.url.username or "postgres", "-f", script.name, "-r",
         target.url.database or ""],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    os.unlink(script.name)
    return result.stdout + result.stderr


def start_app(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "EQUINET_ENV": "development",
        "DATABASE_URL": args.url,
        "RATE_LIMIT_ENABLED": "false",
        "PROVIDER_CACHE_TTL_SECONDS": "300" if args.cached else "0",
        "LOG_LEVEL": "WARNING",
        # APP_SRC: another checkout's code (a before/after comparison).
        "PYTHONPATH": os.environ.get("APP_SRC") or str(Path(__file__).resolve().parents[1] / "src"),
    }
    command = [sys.executable, "-m", "uvicorn", "equinet.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(args.port), "--workers", "2",
               "--timeout-worker-healthcheck", "120", "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{args.port}{PATHS['city'][0]}") as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(1)
    process.terminate()
    raise SystemExit("the app did not answer within 180 s")


def main(args: argparse.Namespace) -> None:
    if not is_local_host(parse_database_url(args.url).host):
        raise SystemExit("loopback databases only")
    app = start_app(args)
    try:
        for name, (path, values) in PATHS.items():
            if args.only and name not in args.only:
                continue
            wrk(args.port, path, 3)  # warm-up: every worker's pool and statement cache
            print(f"== {name} {'cached' if args.cached else 'uncached'} (load {os.getloadavg()})")
            cpu = app_cpu_seconds(app.pid)
            report = wrk(args.port, path, args.seconds)
            cpu = app_cpu_seconds(app.pid) - cpu
            print(report)
            done = re.search(r"(\d+) requests in", report)
            if done:
                # What the app itself spent per request: the figure background load moves least.
                print(f"app CPU per request: {cpu * 1000 / int(done.group(1)):.2f} ms")
            if args.pgbench:
                sql = asyncio.run(_sql_of(args.url, values))
                print(pgbench(args.url, sql, args.seconds))
    finally:
        os.killpg(app.pid, 15)
        app.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--port", type=int, default=18210)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--cached", action="store_true")
    parser.add_argument("--pgbench", action="store_true")
    parser.add_argument("--only", nargs="*")
    main(parser.parse_args())
