"""App overhead per request: the hot read paths through the full ASGI stack, in one process.

No server, no sockets: `httpx.ASGITransport` drives `create_app` directly (middleware stack,
routing, dependencies, SQL, serialisation), one request at a time, so the figure is the
app's own CPU plus the database round trips of one request, without a client competing for
the cores. For each path it runs a warm-up, then REPEATS timed rounds of N requests (the
spread shows how much background load moved the figure), and then one round under cProfile
whose top functions (by own time and by cumulative time) it prints.

Paths (values chosen from the data, as bench/http_hot_paths.py does):

- baseline: an unknown path, a 404 JSON answer, no SQL;
- GET /api/providers/{id}/availability?date=...&serviceId=... (the busiest provider's
  busiest future day);
- GET /api/bookings as the provider with the most bookings (a session row made directly in
  the database, deleted at the end).

Rate limits are measured both off and on (on: production limits x a large multiplier, so
that nothing answers 429 but every request still counts in Redis when REDIS_URL is set).

    .venv/bin/python bench/profile_hot_paths.py \
        --url postgresql://postgres@127.0.0.1:5432/equinet_scale --requests 300

Loopback databases only; the database must be stamped `development`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from http_hot_paths import choose_paths, drop_session  # noqa: E402

from equinet.app import create_app  # noqa: E402
from equinet.db.urls import is_local_host, parse_database_url  # noqa: E402
from equinet.settings import Settings  # noqa: E402

WANTED = ("baseline", "availability", "bookings")


@dataclass
class Measured:
    name: str
    limits: str
    rounds: list[float] = field(default_factory=list)  # req/s per round
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU ms per request
    profile: str = ""


def _settings(url: str, *, rate_limits: bool) -> Settings:
    return Settings(
        database_url=url,
        equinet_env="development",
        rate_limit_enabled=rate_limits,
        rate_limit_multiplier=1_000_000.0,
        provider_cache_ttl_seconds=0,
        redis_url=os.environ.get("REDIS_URL") or None,
        log_level="WARNING",
    )


def _top(profiler: cProfile.Profile, lines: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    out.write("-- by own time --\n")
    stats.sort_stats("tottime").print_stats(lines)
    out.write("-- by cumulative time --\n")
    stats.sort_stats("cumulative").print_stats(lines)
    # Drop pstats' preamble lines, keep the tables.
    return "\n".join(
        line
        for line in out.getvalue().splitlines()
        if line.strip() and "function calls" not in line
    )


async def measure(
    settings: Settings,
    paths: list[tuple[str, str, dict[str, str]]],
    args: argparse.Namespace,
    limits: str,
) -> list[Measured]:
    app = create_app(settings)
    results: list[Measured] = []
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, url, headers in paths:
                expect = 404 if name.startswith("baseline") else 200
                for _ in range(args.warmup):
                    response = await client.get(url, headers=headers)
                    assert response.status_code == expect, (url, response.status_code)
                measured = Measured(name, limits)
                for _ in range(args.repeats):
                    started, cpu_started = time.perf_counter(), time.process_time()
                    for _ in range(args.requests):
                        await client.get(url, headers=headers)
                    measured.rounds.append(args.requests / (time.perf_counter() - started))
                    cpu = time.process_time() - cpu_started
                    measured.cpu_ms.append(cpu * 1000 / args.requests)
                if args.profile:
                    profiler = cProfile.Profile()
                    profiler.enable()
                    for _ in range(args.requests):
                        await client.get(url, headers=headers)
                    profiler.disable()
                    measured.profile = _top(profiler, args.top)
                results.append(measured)
    return results


async def main(args: argparse.Namespace) -> None:
    target = parse_database_url(args.url)
    if not is_local_host(target.host):
        raise SystemExit("loopback databases only")
    setup = _settings(args.url, rate_limits=False)
    chosen, session_id = await choose_paths(setup)
    paths = [
        (path.name, path.url, path.headers)
        for path in chosen
        if path.name.split(":")[0] in WANTED and not path.cached
    ]
    try:
        results: list[Measured] = []
        for limits in args.limits:
            settings = _settings(args.url, rate_limits=limits == "on")
            results += await measure(settings, paths, args, limits)
    finally:
        await drop_session(setup, session_id)
    print(f"\n{args.requests} requests x {args.repeats} rounds per path, one at a time, in-process")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}\n")
    print("| path | rate limits | req/s median | min-max | app CPU ms/request median | min-max |")
    print("|---|---|---:|---:|---:|---:|")
    for m in results:
        median = statistics.median(m.rounds)
        cpu = statistics.median(m.cpu_ms)
        print(
            f"| {m.name} | {m.limits} | {median:.0f} | {min(m.rounds):.0f}-{max(m.rounds):.0f} "
            f"| {cpu:.2f} | {min(m.cpu_ms):.2f}-{max(m.cpu_ms):.2f} |"
        )
    if args.profile:
        for m in results:
            print(f"\n=== {m.name} (rate limits {m.limits}) ===\n{m.profile}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="loopback DATABASE_URL (equinet_scale)")
    parser.add_argument("--requests", type=int, default=300, help="requests per round and path")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds per path")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--limits", nargs="+", choices=("off", "on"), default=["off", "on"])
    parser.add_argument("--top", type=int, default=25, help="functions per profile table")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
