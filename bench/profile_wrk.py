"""Request-path speed by profile: wrk against a running `equinet serve`, pgbench of the same SQL.

For each endpoint (health, provider detail, availability, booking create, the provider's and
a customer's booking list) the script

1. in-process (`create_app` through `httpx.ASGITransport`, the same database) sends one
   request and counts what it costs the database: SQL statements (SQLAlchemy's cursor
   executes) and round trips (every asyncpg call that waits for PostgreSQL: BEGIN, prepare,
   execute, COMMIT/ROLLBACK, the pool's ping); the statements become a pgbench script;
2. drives the running server (BASE) with `wrk -t2 -c10 -d SECONDS` (Lua: Bearer token,
   POST bodies of distinct free slots, status counts, p50/p95/p99) and reads the app workers'
   CPU time from /proc before and after: app CPU ms per request, and their RSS;
3. runs the captured statements (one transaction) with `pgbench -M prepared -c 10`;
   for the booking the INSERT's slot becomes random so that every transaction inserts.

    .venv/bin/python bench/profile_wrk.py --url postgresql://... --base http://127.0.0.1:8000 \
        --server-pid PID

Start the server with the rate limits raised (RATE_LIMIT_MULTIPLIER=1000000), the provider
cache off and LOG_LEVEL=WARNING. Loopback only; the database stamped `development`; it
creates two sessions and bookings of the demo customer (in the far future days it books).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from http_hot_paths import _inline  # noqa: E402
from sample_values import (  # noqa: E402
    busiest_day,
    customer_with_most_bookings,
    provider_user_with_most_bookings,
    session_token,
)

from equinet.accounts.sessions import create_session  # noqa: E402
from equinet.app import create_app  # noqa: E402
from equinet.db.engine import create_engine  # noqa: E402
from equinet.db.urls import is_local_host, parse_database_url  # noqa: E402
from equinet.models import User  # noqa: E402
from equinet.settings import Settings  # noqa: E402

CUSTOMER_EMAIL = "kund@test.se"


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    token: str | None = None
    bodies: list[str] = field(default_factory=list)  # POST: one JSON body per request
    sql: list[str] = field(default_factory=list)
    round_trips: int = 0


# --- choosing what to ask for --------------------------------------------------------------


async def choose(settings: Settings) -> tuple[list[Endpoint], list[str]]:
    engine = create_engine(parse_database_url(settings.database_url or ""), settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as db, db.begin():
            busiest = await busiest_day(db)
            heavy_provider_user = await provider_user_with_most_bookings(db)
            heavy_customer = await customer_with_most_bookings(db)
            tokens = {}
            for role, user_id in (
                ("provider", heavy_provider_user),
                ("customer", heavy_customer),
            ):
                tokens[role] = await session_token(db, user_id, settings, user_agent="bench/wrk")
            booker = (
                await db.execute(select(User).where(User.email == CUSTOMER_EMAIL))
            ).scalar_one()
            tokens["booker"] = await create_session(db, booker, settings, user_agent="bench/wrk")
            offers = (
                await db.execute(
                    text(
                        "SELECT DISTINCT ON (p.id) p.id AS provider, s.id AS service "
                        'FROM "Provider" p JOIN "Service" s ON s."providerId" = p.id '
                        'WHERE p."isActive" AND s."isActive" AND p."userId" <> :me '
                        'ORDER BY p.id, s."durationMinutes"'
                    ),
                    {"me": booker.id},
                )
            ).all()
    finally:
        await engine.dispose()
    provider_id, day, service_id = busiest.provider_id, busiest.day, busiest.service_id
    endpoints = [
        Endpoint("GET /api/health", "GET", "/api/health"),
        Endpoint("GET /api/providers/{id}", "GET", f"/api/providers/{provider_id}"),
        Endpoint(
            "GET /api/providers/{id}/availability",
            "GET",
            f"/api/providers/{provider_id}/availability?date={day}&serviceId={service_id}",
        ),
        Endpoint("POST /api/bookings", "POST", "/api/bookings", tokens["booker"]),
        Endpoint("GET /api/bookings (provider)", "GET", "/api/bookings", tokens["provider"]),
        Endpoint("GET /api/bookings (customer)", "GET", "/api/bookings", tokens["customer"]),
    ]
    return endpoints, [f"{o.provider} {o.service}" for o in offers]


def minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


async def free_slots(
    base: str, offers: list[str], first_day: int, days: int, buffer_minutes: int = 60
) -> list[str]:
    """Free slots of each provider on `days` days, the booking buffer apart (no travel)."""
    found: list[str] = []
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def one(provider: str, service: str, day: str) -> None:
            async with gate:
                answer = await client.get(
                    f"/api/providers/{provider}/availability",
                    params={"date": day, "serviceId": service},
                )
            if answer.status_code != 200:
                return
            free_after = -1
            for slot in answer.json()["slots"]:
                if slot["isAvailable"] and minutes(slot["startTime"]) >= free_after:
                    found.append(
                        json.dumps(
                            {
                                "providerId": provider,
                                "serviceId": service,
                                "bookingDate": day,
                                "startTime": slot["startTime"],
                            }
                        )
                    )
                    free_after = minutes(slot["endTime"]) + buffer_minutes

        jobs = []
        for offset in range(first_day, first_day + days):
            day = (date.today() + timedelta(days=offset)).isoformat()
            for offer in offers:
                provider, service = offer.split()
                jobs.append(one(provider, service, day))
        await asyncio.gather(*jobs)
    return found


# --- what one request costs the database ---------------------------------------------------


@contextlib.contextmanager
def counting() -> Iterator[dict[str, Any]]:
    """Statements (cursor executes) and asyncpg calls that wait for the server."""
    import asyncpg
    from asyncpg import prepared_stmt, transaction

    seen: dict[str, Any] = {"sql": [], "trips": 0}

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen["sql"].append(_inline(statement, parameters))

    patched: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str) -> None:
        original = getattr(owner, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            seen["trips"] += 1
            return await original(*args, **kwargs)

        patched.append((owner, name, original))
        setattr(owner, name, counted)

    for owner, name in (
        (asyncpg.Connection, "prepare"),
        (asyncpg.Connection, "execute"),
        (asyncpg.Connection, "fetchrow"),
        (asyncpg.Connection, "fetch"),
        (asyncpg.Connection, "fetchval"),
        (prepared_stmt.PreparedStatement, "fetch"),
        (transaction.Transaction, "start"),
        (transaction.Transaction, "commit"),
        (transaction.Transaction, "rollback"),
    ):
        wrap(owner, name)
    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)
        for owner, name, original in patched:
            setattr(owner, name, original)


async def capture(settings: Settings, endpoints: list[Endpoint]) -> None:
    app = create_app(settings.model_copy(update={"provider_cache_ttl_seconds": 0}))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for endpoint in endpoints:
                headers = {"Authorization": f"Bearer {endpoint.token}"} if endpoint.token else {}
                if endpoint.method == "POST":
                    headers["Content-Type"] = "application/json"
                bodies = iter(endpoint.bodies[-4:])  # the run uses the others
                best: dict[str, Any] | None = None
                # A warm-up, then the cheapest of three: a once-per-interval read (maintenance
                # state, the rate limiter's token cache) is not what a request costs.
                for attempt in range(4):
                    content = next(bodies) if endpoint.method == "POST" else None
                    with counting() as seen:
                        answer = await client.request(
                            endpoint.method, endpoint.path, headers=headers, content=content
                        )
                    assert answer.status_code < 300, (endpoint.name, answer.text[:300])
                    if attempt and (best is None or seen["trips"] < best["trips"]):
                        best = seen
                assert best is not None
                endpoint.round_trips = best["trips"]
                endpoint.sql = [
                    s
                    for s in best["sql"]
                    if not s.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))
                ]
                if endpoint.method == "POST":
                    endpoint.bodies = endpoint.bodies[:-4]


# --- wrk -----------------------------------------------------------------------------------

LUA = r"""
local bodies = {}
local token = os.getenv("BENCH_TOKEN")
local method = os.getenv("BENCH_METHOD")
local path = os.getenv("BENCH_PATH")
local file = os.getenv("BENCH_BODIES")
local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
  n = 0
  if file and file ~= "" then
    for line in io.lines(file) do table.insert(bodies, line) end
  end
  wrk.method = method
  if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
  if #bodies > 0 then wrk.headers["Content-Type"] = "application/json" end
end
function request()
  n = n + 1
  if #bodies > 0 then
    local i = index + 1 + (n - 1) * 2  -- two threads take alternate bodies
    if i > #bodies then i = #bodies end
    return wrk.format(nil, path, nil, bodies[i])
  end
  return wrk.format(nil, path)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do table.insert(parts, '"' .. status .. '":' .. count) end
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%f,"p50":%f,"p95":%f,"p99":%f,"errors":%d,' ..
    '"statuses":{%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ",")))
end
"""


def worker_pids(server_pid: int) -> list[int]:
    children = subprocess.run(
        ["pgrep", "-P", str(server_pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    pids = []
    for pid in children:
        with contextlib.suppress(OSError):
            if "multiprocessing-fork" in Path(f"/proc/{pid}/cmdline").read_text():
                pids.append(int(pid))
    return pids or [server_pid]


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_wrk(args: argparse.Namespace, endpoint: Endpoint, folder: Path) -> dict[str, Any]:
    script = folder / "bench.lua"
    script.write_text(LUA)
    bodies = ""
    if endpoint.bodies:
        bodies_file = folder / "bodies.txt"
        bodies_file.write_text("\n".join(endpoint.bodies) + "\n")
        bodies = str(bodies_file)
    env = os.environ | {
        "BENCH_TOKEN": endpoint.token or "",
        "BENCH_METHOD": endpoint.method,
        "BENCH_PATH": endpoint.path,
        "BENCH_BODIES": bodies,
    }
    pids = worker_pids(args.server_pid)
    before = cpu_seconds(pids)
    load_before = os.getloadavg()[0]
    spy = None
    if args.spy:  # py-spy of one worker for the middle of the run (a file per endpoint)
        slug = re.sub(r"[^a-z0-9]+", "-", endpoint.name.lower()).strip("-")
        spy = subprocess.Popen(
            ["py-spy", "record", "-r", "200", "-d", str(max(1, args.seconds - 4)), "-p",
             str(pids[0]), "-f", "raw", "-o", f"{args.spy}-{slug}.raw", "--nonblocking", "--gil"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    done = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            f"-d{args.seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"{args.base}{endpoint.path}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    spent = cpu_seconds(pids) - before
    if spy is not None:
        spy.wait()
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line[len("RESULT ") :])
    if endpoint.bodies:  # the next run books the slots after these
        endpoint.bodies = endpoint.bodies[result["requests"] + 50 :]
    result["cpu_ms"] = spent * 1000 / max(result["requests"], 1)
    result["rss_mb"] = max(rss_mb(pid) for pid in pids)
    result["load"] = (load_before, os.getloadavg()[0])
    return result


# --- pgbench -------------------------------------------------------------------------------


def pgbench_script(endpoint: Endpoint) -> str:
    lines = list(endpoint.sql)
    if endpoint.method == "POST":
        # A new slot per transaction: far-future day and a random quarter hour.
        lines = [
            re.sub(
                r"('\d{4}-\d\d-\d\d 00:00:00'::timestamp)",
                "('2400-01-01'::timestamp + :day * interval '1 day')",
                re.sub(
                    r"'(\d\d:\d\d)'::VARCHAR, '(\d\d:\d\d)'::VARCHAR",
                    "lpad((:q / 4)::text, 2, '0') || ':' || lpad((:q % 4 * 15)::text, 2, '0'), "
                    "lpad((:q / 4 + 1)::text, 2, '0') || ':' || lpad((:q % 4 * 15)::text, 2, '0')",
                    s,
                ),
            )
            if s.upper().startswith('INSERT INTO "BOOKING"')
            else s
            for s in lines
        ]
        # The booking's own id is new each time.
        lines = [
            re.sub(r"VALUES \('[0-9a-f-]{36}'", "VALUES (gen_random_uuid()::text", s) for s in lines
        ]
        # Jobs and notifications carry new ids too.
        lines = [
            re.sub(
                r"^(INSERT INTO \"(?:Notification|Job)\" .*?VALUES \()'[0-9a-f-]{36}'",
                r"\1gen_random_uuid()::text",
                s,
            )
            for s in lines
        ]
        # The diary lock of a random provider: the app's load spreads over every provider.
        lines = [
            re.sub(r"pg_advisory_xact_lock\(-?\d+\)", "pg_advisory_xact_lock(:lock)", s)
            for s in lines
        ]
        head = (
            "\\set day random(1, 200000)\n\\set q random(0, 90)\n\\set lock random(1, 1000000000)\n"
        )
    else:
        head = ""
    body = "\n".join(f"{s};" for s in lines)
    return f"{head}BEGIN;\n{body}\nCOMMIT;\n"


def run_pgbench(args: argparse.Namespace, endpoint: Endpoint, folder: Path) -> dict[str, Any]:
    script = folder / "request.sql"
    script.write_text(pgbench_script(endpoint))
    url = parse_database_url(args.url).url
    done = subprocess.run(
        [
            "pgbench",
            "-n",
            "-M",
            "prepared",
            "-c",
            str(args.connections),
            "-j",
            "2",
            "-T",
            str(args.seconds),
            "-f",
            str(script),
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "-r",
            url.database or "postgres",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"tps = ([\d.]+) \(without initial", done.stdout)
    if done.returncode != 0 or match is None:
        print(done.stdout[-2000:], done.stderr[-2000:], script.read_text(), file=sys.stderr)
        return {"tps": float("nan")}
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    return {"tps": float(match.group(1)), "latency_ms": float(latency.group(1)) if latency else 0}


# --- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/equinet_perfcore")
    parser.add_argument("--base", default="http://127.0.0.1:18101")
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--only", action="append")
    parser.add_argument("--repeat", type=int, default=1, help="wrk runs per endpoint")
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--first-day", type=int, default=200, help="book from this day ahead")
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--json", type=Path, help="append the results here")
    parser.add_argument("--spy", help="py-spy record one worker during each run: file prefix")
    args = parser.parse_args()
    if not is_local_host(parse_database_url(args.url).url.host or ""):
        raise SystemExit("loopback databases only")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=args.url,
        equinet_env="development",
        redis_url=os.environ.get("REDIS_URL") or None,
        rate_limit_multiplier=1_000_000,
    )
    endpoints, offers = asyncio.run(choose(settings))
    if args.only:
        endpoints = [e for e in endpoints if any(w in e.name for w in args.only)]
    for endpoint in endpoints:
        if endpoint.method == "POST":
            endpoint.bodies = asyncio.run(free_slots(args.base, offers, args.first_day, args.days))
            print(f"{len(endpoint.bodies)} free slots", file=sys.stderr)
    asyncio.run(capture(settings, endpoints))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as name:
        folder = Path(name)
        for endpoint in endpoints:
            for _ in range(args.repeat):
                result = run_wrk(args, endpoint, folder)
                database = {} if args.no_pgbench else run_pgbench(args, endpoint, folder)
                ok = sum(v for k, v in result["statuses"].items() if k.startswith("2"))
                row = {
                    "endpoint": endpoint.name,
                    "statements": len(endpoint.sql),
                    "round_trips": endpoint.round_trips,
                    "ok_per_s": ok / result["seconds"],
                    **result,
                    "pgbench_tps": database.get("tps"),
                    "at": time.strftime("%H:%M:%S"),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.json:
        with args.json.open("a") as out:
            for row in rows:
                out.write(json.dumps(row) + "\n")
    print()
    print(
        "| endpoint | statements | round trips | req/s (2xx) | p50 / p95 / p99 ms | non-2xx | "
        "app CPU ms/req | RSS MB/worker | pgbench tps | app / pgbench | load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        bad = {k: v for k, v in r["statuses"].items() if not k.startswith("2")}
        ratio = r["ok_per_s"] / r["pgbench_tps"] if r.get("pgbench_tps") else float("nan")
        print(
            f"| {r['endpoint']} | {r['statements']} | {r['round_trips']} | {r['ok_per_s']:,.0f} | "
            f"{r['p50']:.1f} / {r['p95']:.1f} / {r['p99']:.1f} | {bad or 0} | "
            f"{r['cpu_ms']:.2f} | {r['rss_mb']:.0f} | {r.get('pgbench_tps') or float('nan'):,.0f} | "
            f"{ratio:.2f} | {r['load'][0]:.1f}-{r['load'][1]:.1f} |"
        )
    for endpoint in endpoints:
        print(f"\n-- {endpoint.name}", file=sys.stderr)
        for statement in endpoint.sql:
            print(f"   {statement[:200]}", file=sys.stderr)


if __name__ == "__main__":
    main()
