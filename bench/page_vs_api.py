"""Pages vs their API routes: server time and SQL statements per request, in one process.

Builds a scratch database migrated to head on the given server, seeds the demo data plus
bookings, reviews and notifications (tests/web/page_pairs.py), runs the app in-process
(`httpx.ASGITransport`, lifespan started) and, for each page and the API calls that show the
same data, measures the time around the ASGI call of each request (after a warm-up, one request
at a time, page and API calls interleaved so background load hits both alike) and counts the
SQL statements each issues (`before_cursor_execute` on the app's engine). The API side's time
is the sum of its calls, as a client drawing the same screen would wait for all of them.

Writes the table into docs/benchmarks.md under "## Pages vs their API routes" (replacing that
section, leaving the rest of the file alone) and prints it.

    .venv/bin/python bench/page_vs_api.py --requests 200

The listing cache is off (ttl 0), so the home search and `GET /api/providers` both run their
SQL; rate limits stay on with a large multiplier (REDIS_URL when set).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.web.page_pairs import Pair, Scene, pairs, seed_scene  # noqa: E402

from equinet.accounts.sessions import create_session  # noqa: E402
from equinet.app import create_app  # noqa: E402
from equinet.db.engine import create_engine, create_sessionmaker  # noqa: E402
from equinet.db.urls import is_local_host, parse_database_url  # noqa: E402
from equinet.ops import database  # noqa: E402
from equinet.ops.scratch import scratch_database  # noqa: E402
from equinet.settings import Settings  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Pages vs their API routes"
LIMIT = 1.5
Scope = MutableMapping[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Any]


@dataclass
class Measured:
    pair: Pair
    page_ms: list[float] = field(default_factory=list)
    api_ms: list[float] = field(default_factory=list)  # the sum of the API calls, per round
    # Per round; the typical count is reported (the rate limiter's cached session lookup
    # expires now and then and adds one statement to whichever request comes next).
    page_counts: list[int] = field(default_factory=list)
    api_counts: list[int] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return percentile(self.page_ms, 95) / percentile(self.api_ms, 95)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _settings(url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        equinet_env="test",
        rate_limit_multiplier=1_000_000.0,
        rate_limit_key_prefix=f"bench-pages-{os.getpid()}",
        provider_cache_ttl_seconds=0,
        redis_url=os.environ.get("REDIS_URL") or None,
        log_level="WARNING",
    )


class Clock:
    """The app wrapped so that each request's time inside the ASGI call is recorded."""

    def __init__(self, app: ASGI) -> None:
        self.app = app
        self.last_ms = 0.0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.last_ms = (time.perf_counter() - started) * 1000


async def _seed(settings: Settings) -> tuple[Scene, dict[str, str]]:
    target = parse_database_url(str(settings.database_url))
    engine = create_engine(target, settings, application_name="bench-pages-seed")
    try:
        async with create_sessionmaker(engine)() as db:
            scene = await seed_scene(db, customers=12, per_customer=8)
            tokens = {
                "customer": await create_session(db, scene.customer, settings),
                "provider": await create_session(db, scene.owner, settings),
            }
            await db.commit()
    finally:
        await engine.dispose()
    return scene, tokens


async def measure(settings: Settings, requests: int, warmup: int) -> list[Measured]:
    scene, tokens = await _seed(settings)
    app = create_app(settings)
    results: list[Measured] = []
    async with LifespanManager(app):
        statements = [0]

        def count(*_args: Any) -> None:
            statements[0] += 1

        event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
        clock = Clock(app)
        transport = httpx.ASGITransport(app=clock)  # type: ignore[arg-type]
        for pair in pairs(scene):
            measured = Measured(pair)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                if pair.who:
                    client.cookies.set(settings.session_cookie_name, tokens[pair.who])

                async def timed(path: str) -> tuple[float, int]:
                    before = statements[0]
                    response = await client.get(path)
                    if response.status_code != 200:
                        raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")
                    return clock.last_ms, statements[0] - before

                for _ in range(warmup):
                    for path in [pair.page, *pair.api]:
                        await timed(path)
                for _ in range(requests):
                    ms, n = await timed(pair.page)
                    measured.page_ms.append(ms)
                    measured.page_counts.append(n)
                    total_ms, total_statements = 0.0, 0
                    for path in pair.api:
                        ms, n = await timed(path)
                        total_ms, total_statements = total_ms + ms, total_statements + n
                    measured.api_ms.append(total_ms)
                    measured.api_counts.append(total_statements)
            results.append(measured)
            print(f"  {pair.name}: page p95 {percentile(measured.page_ms, 95):.1f} ms", flush=True)
    return results


def _api_label(pair: Pair) -> str:
    def short(path: str) -> str:
        return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", path)

    calls = [short(p) for p in pair.api]
    days = [c for c in calls if "/availability?" in c]
    if len(days) > 1:  # one line for the week of availability calls
        first = calls.index(days[0])
        week = re.sub(r"date=[^&]+", "date=…", days[0])
        calls[first : first + len(days)] = [f"{len(days)}× {week}"]
    return " + ".join(
        f"{c.split(' ')[0]} `GET {c.split(' ')[1]}`" if "× " in c else f"`GET {c}`" for c in calls
    )


def table(results: list[Measured], command: str, requests: int, warmup: int) -> str:
    today = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        HEADING,
        "",
        f"Run {today} on the shared development machine (2 cores shared with other work, "
        f"PostgreSQL on loopback; Python {platform.python_version()}), with",
        "",
        f"    {command}",
        "",
        f"Each pair: {warmup} warm-up rounds, then {requests} rounds of one page request and the",
        "API calls that show the same data, one request at a time; server time is the time inside",
        "the ASGI call (middleware, session, SQL, rendering or JSON), the API side the sum of its",
        "calls. Statements: the usual count each sends to PostgreSQL. Listing cache off.",
        "",
        "| page | API route(s) | page p50 / p95 ms | API p50 / p95 ms | p95 ratio "
        "| statements page / API | within 1.5×? |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in results:
        ok = "yes" if m.ratio <= LIMIT else "**no**"
        lines.append(
            f"| {m.pair.name} `{re.sub(r'[0-9a-f]{8}-[0-9a-f-]{27}', '{id}', m.pair.page)}` "
            f"| {_api_label(m.pair)} "
            f"| {statistics.median(m.page_ms):.1f} / {percentile(m.page_ms, 95):.1f} "
            f"| {statistics.median(m.api_ms):.1f} / {percentile(m.api_ms, 95):.1f} "
            f"| {m.ratio:.2f} | {statistics.mode(m.page_counts)} / {statistics.mode(m.api_counts)} | {ok} |"
        )
    return "\n".join(lines) + "\n"


def write_section(section: str, notes: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    block = section + ("\n" + notes if notes else "")
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    DOC.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def _kept_notes() -> str:
    """The hand-written notes under the table (from "### Notes") survive a rerun."""
    if not DOC.exists():
        return ""
    match = re.search(
        rf"^{re.escape(HEADING)}\n.*?(^### Notes\n.*?)(?=^## |\Z)",
        DOC.read_text(encoding="utf-8"),
        re.S | re.M,
    )
    return match.group(1).rstrip("\n") + "\n" if match else ""


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server (any database on it); a scratch database is made next to it",
    )
    parser.add_argument("--requests", type=int, default=200, help="timed rounds per pair")
    parser.add_argument("--warmup", type=int, default=20, help="untimed rounds per pair first")
    parser.add_argument("--no-write", action="store_true", help="print only, leave the doc alone")
    args = parser.parse_args()
    server = parse_database_url(args.url)
    if not is_local_host(server.url.host):
        raise SystemExit("loopback databases only")
    async with scratch_database(server, "bench_pages") as target:
        url = target.url.render_as_string(hide_password=False)
        settings = _settings(url)
        await database.migrate(target, settings)
        results = await measure(settings, args.requests, args.warmup)
    command = f"make bench-pages BENCH_ARGS='--requests {args.requests} --warmup {args.warmup}'"
    section = table(results, command, args.requests, args.warmup)
    print(section)
    if not args.no_write:
        write_section(section, _kept_notes())
        print(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
