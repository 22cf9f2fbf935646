"""`make bench`: the one repeatable benchmark of the HTTP app against the database's own limit.

For each of two data sizes (default 10,000 providers, about 1,000,000 bookings, and 100
providers, about 10,000 bookings) the script

1. makes (or reuses) its own database `equinet_bench_<N>` on BENCH_DATABASE_URL's server
   (default the local PostgreSQL service; the embedded PostgreSQL when there is none):
   `equinet db migrate`, then `equinet db seed --scale N` unless the database already holds
   exactly the N scale providers of an earlier run;
2. picks real values from the data (the commonest city, a customer's point, the busiest
   provider and day), makes session tokens directly (`create_session`) and a file of distinct
   free slots from the slot engine (`availability.service.day_view`, the customer's location);
3. captures, with the app in-process, the exact statements one request of every endpoint
   sends (listing cache off, after a warm-up request);
4. starts `equinet serve` with one worker per core (rate limits x RATE_LIMIT_MULTIPLIER, so
   the limiter still does its Redis round trip but never answers 429; job worker off) and
   drives every endpoint with wrk (Lua scripts in bench/wrk/: auth header or cookie, status
   counts, distinct slots for POST /api/bookings) at each connection count, reading each
   worker's VmRSS from /proc after each endpoint; the cached listing row runs on a second
   server with the listing cache on;
5. runs each endpoint's captured statements with pgbench (one transaction per request,
   clients = workers x pool size, `-M prepared`; the booking transaction ends in ROLLBACK);
6. writes the "make bench" section of docs/benchmarks.md (between its markers) and the raw
   results to .equinet/bench/results.json.

    PYTHONPATH=src .venv/bin/python bench/make_bench.py --providers 10000 --small-providers 100

Bookings made by the run are deleted after every POST run, so the data stays at its size and
the slot file stays valid. Loopback only. Exits non-zero on any error; the servers it starts
are stopped on exit, failure, Ctrl-C and after the time bound printed at the start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))
# The servers and CLI calls it starts run this checkout's code too, whatever is installed.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
)

from http_hot_paths import (  # noqa: E402
    EQUINET,
    PgbenchResult,
    capturing,
    run_pgbench_scripts,
    serve,
)
from sample_values import (  # noqa: E402
    busiest_day,
    customer_with_most_bookings,
    provider_user_with_most_bookings,
    searches,
    session_token,
)

from equinet.app import create_app  # noqa: E402
from equinet.availability.service import day_view  # noqa: E402
from equinet.db.engine import create_engine  # noqa: E402
from equinet.db.targets import asyncpg_connect, drop_database, ensure_database_exists  # noqa: E402
from equinet.db.urls import DatabaseTarget, is_local_host, parse_database_url  # noqa: E402
from equinet.ops.scale_seed import SCALE_DOMAIN  # noqa: E402
from equinet.settings import Settings  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / ".equinet" / "bench" / "results.json"
WRK_DIR = ROOT / "bench" / "wrk"
HEADING = "## make bench"
START_MARKER = "<!-- make bench: start (written by bench/make_bench.py) -->"
END_MARKER = "<!-- make bench: end -->"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_NOTE = "bench:make-bench"  # customerNotes of every booking the run makes
RATE_LIMIT_MULTIPLIER = 1_000_000
JUDGED_CONNECTIONS = 10  # the targets are judged at this connection count (or the nearest)

# Targets (issue 9 item 1), checked in the report.
TARGET_BOOKING_RATIO = 0.5
TARGET_SEARCH_RATIO = 1.0
TARGET_OTHER_RATIO = 0.25
TARGET_PROVIDERS_RPS = 800
TARGET_BOOKINGS_RPS = 175
TARGET_RSS_MB = 150
TARGET_P95_GROWTH = 1.3


# --- what is measured --------------------------------------------------------------------


@dataclass
class Endpoint:
    key: str  # for ONLY=: health, providers-city, ..., page-home
    label: str
    path: str
    method: str = "GET"
    kind: str = "api"  # "api" or "page"
    target: str = "other"  # "booking", "search" or "other" (which ratio target applies)
    cached: bool = False
    bearer: str | None = None
    cookie: str | None = None
    expect: int = 200
    sql: list[str] = field(default_factory=list)  # the statements of one request
    scripts: list[list[str]] = field(default_factory=list)  # pgbench transactions

    @property
    def headers(self) -> dict[str, str]:
        headers = {}
        if self.bearer:
            headers["Authorization"] = f"Bearer {self.bearer}"
        if self.cookie:
            headers["Cookie"] = self.cookie
        return headers


@dataclass
class WrkRun:
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int]  # status -> count
    socket_errors: dict[str, int]
    rss_mb: list[float] = field(default_factory=list)  # VmRSS of each worker after the run
    slots_short: bool = False  # the booking script ran out of distinct slots
    last_line: int = 0  # the booking script's highest slot-file line (the next run starts after)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def non_2xx(self) -> dict[str, int]:
        return {s: n for s, n in self.statuses.items() if not s.startswith("2")}


@dataclass
class EndpointResult:
    key: str
    label: str
    kind: str
    target: str
    cached: bool
    statements: int
    runs: list[WrkRun]
    pgbench_tps: float | None
    pgbench_p95_ms: float | None
    pgbench_failed: int = 0
    scripts: int = 1  # distinct transactions pgbench picked from (one per booking slot)


@dataclass
class ScaleResult:
    providers: int
    bookings: int
    database: str
    seeded_seconds: float | None  # None: reused
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    endpoints: list[EndpointResult]
    slots: int = 0


# --- the database ------------------------------------------------------------------------


def bench_url(server: str, providers: int) -> str:
    target = parse_database_url(server).with_database(f"equinet_bench_{providers}")
    return target.url.render_as_string(hide_password=False)


async def scale_counts(target: DatabaseTarget) -> tuple[int, int] | None:
    """(scale providers, bookings), or None when the database has no Equinet tables."""
    connection = await asyncpg_connect(target)
    try:
        if await connection.fetchval("SELECT to_regclass('public.\"Booking\"')") is None:
            return None
        providers = await connection.fetchval(
            'SELECT count(*) FROM "Provider" p JOIN "User" u ON u.id = p."userId" '
            "WHERE u.email LIKE $1",
            f"%@{SCALE_DOMAIN}",
        )
        bookings = await connection.fetchval('SELECT count(*) FROM "Booking"')
        return int(providers), int(bookings)
    finally:
        await connection.close()


def equinet_cli(url: str, *args: str, timeout: float) -> None:
    env = os.environ | {"DATABASE_URL": url, "EQUINET_ENV": "development"}
    env.pop("DIRECT_DATABASE_URL", None)
    print(f"  $ equinet {' '.join(args)}", flush=True)
    subprocess.run([*EQUINET, *args], env=env, check=True, timeout=timeout)


def prepare_database(server: str, providers: int, seed_timeout: float) -> float | None:
    """Migrate and seed `equinet_bench_<N>` unless it already holds N scale providers;
    returns the seconds the seed took (None when reused)."""
    url = bench_url(server, providers)
    target = parse_database_url(url)
    asyncio.run(ensure_database_exists(target))
    counts = asyncio.run(scale_counts(target))
    if counts is not None and counts[0] not in (0, providers):
        print(f"  {target.database} holds {counts[0]} scale providers, not {providers}: recreated")
        asyncio.run(drop_database(target, target.database))
        asyncio.run(ensure_database_exists(target))
        counts = None
    equinet_cli(url, "db", "migrate", timeout=600)
    if counts is not None and counts[0] == providers:
        print(f"  {target.database}: reused ({counts[0]:,} providers, {counts[1]:,} bookings)")
        return None
    started = time.monotonic()
    equinet_cli(url, "db", "seed", "--scale", str(providers), timeout=seed_timeout)
    return time.monotonic() - started


def bench_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": url,
        "equinet_env": "development",
        "redis_url": os.environ.get("REDIS_URL") or None,
        "rate_limit_multiplier": float(RATE_LIMIT_MULTIPLIER),
        "rate_limit_key_prefix": f"bench-{os.getpid()}",
        "provider_cache_ttl_seconds": 0,
        "log_level": "WARNING",
        "serve_worker": False,
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


# --- choosing values, sessions and free slots --------------------------------------------


@dataclass
class Scene:
    city: str
    latitude: float
    longitude: float
    provider_id: str
    day: date
    service_id: str
    provider_token: str
    customer_token: str
    slots: list[str]  # one line per booking: "token<TAB>json body"


SESSION_AGENT = "bench/make_bench"  # the run's sessions carry it and are deleted at the end


async def _session(db: AsyncSession, user_id: str, settings: Settings) -> str:
    return await session_token(db, user_id, settings, user_agent=SESSION_AGENT)


async def build_scene(settings: Settings, slots_wanted: int) -> Scene:
    engine = create_engine(
        parse_database_url(str(settings.database_url)), settings, application_name="bench-setup"
    )
    try:
        async with AsyncSession(engine, expire_on_commit=False) as db, db.begin():
            search = await searches(db)
            busiest = await busiest_day(db)
            heavy_provider_user = await provider_user_with_most_bookings(db)
            heavy_customer = await customer_with_most_bookings(db)
            provider_token = await _session(db, heavy_provider_user, settings)
            customer_token = await _session(db, heavy_customer, settings)
            # Each bookable provider with its shortest active service and the customer who
            # booked it most (a nearby stable, as the seed places them).
            candidates = (
                await db.execute(
                    text(
                        "SELECT DISTINCT ON (p.id) p.id AS provider_id, s.id AS service_id, "
                        'c.id AS customer_id, c.latitude, c.longitude FROM "Provider" p '
                        'JOIN "Service" s ON s."providerId" = p.id AND s."isActive" '
                        "JOIN LATERAL (SELECT u.id, u.latitude, u.longitude "
                        '  FROM "Booking" b JOIN "User" u ON u.id = b."customerId" '
                        '  WHERE b."providerId" = p.id AND u.latitude IS NOT NULL '
                        "  AND u.\"userType\" = 'customer' "
                        "  GROUP BY 1, 2, 3 ORDER BY count(*) DESC, 1 LIMIT 1) c ON true "
                        'WHERE p."isActive" ORDER BY p.id, s."durationMinutes", s.id LIMIT 2000'
                    )
                )
            ).all()
        slots = await free_slots(engine, settings, candidates, slots_wanted)
    finally:
        await engine.dispose()
    return Scene(
        city=search.city,
        latitude=search.latitude,
        longitude=search.longitude,
        provider_id=busiest.provider_id,
        day=busiest.day,
        service_id=busiest.service_id,
        provider_token=provider_token,
        customer_token=customer_token,
        slots=slots,
    )


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")[:2]
    return int(hours) * 60 + int(minutes)


async def free_slots(
    engine: Any, settings: Settings, candidates: list[Any], wanted: int
) -> list[str]:
    """Distinct free slots from the slot engine: day after day from tomorrow, for each
    provider the first free slot and the last one at least three hours after it (so that
    booking both leaves more than any travel buffer between them), until `wanted`; each
    line carries a session token of the customer whose location the engine was given."""
    found: list[tuple[str, dict[str, str]]] = []
    today = datetime.now(UTC).date()
    deadline = time.monotonic() + 300
    async with AsyncSession(engine, expire_on_commit=False) as db:
        for offset in range(1, 366):
            day = today + timedelta(days=offset)
            for row in candidates:
                view = await day_view(
                    db,
                    settings,
                    row.provider_id,
                    day=day.isoformat(),
                    service_id=row.service_id,
                    service_duration=None,
                    latitude=str(row.latitude),
                    longitude=str(row.longitude),
                )
                free = [slot for slot in view.slots if slot.is_available]
                if not free:
                    continue
                chosen = [free[0]]
                if _minutes(free[-1].start_time) >= _minutes(free[0].end_time) + 180:
                    chosen.append(free[-1])
                for slot in chosen:
                    body = {
                        "providerId": row.provider_id,
                        "serviceId": row.service_id,
                        "bookingDate": day.isoformat(),
                        "startTime": slot.start_time,
                        "customerNotes": BENCH_NOTE,
                    }
                    found.append((row.customer_id, body))
                if len(found) >= wanted:
                    break
            await db.rollback()  # read-only: end the day's transaction
            if len(found) >= wanted or time.monotonic() > deadline:
                break
        tokens: dict[str, str] = {}
        async with db.begin():
            for customer_id, _body in found[:wanted]:
                if customer_id not in tokens:
                    tokens[customer_id] = await _session(db, customer_id, settings)
    return [f"{tokens[c]}\t{json.dumps(body)}" for c, body in found[:wanted]]


def slot_key(line: str) -> tuple[str, str, str]:
    body = json.loads(line.split("\t", 1)[1])
    return body["providerId"], body["bookingDate"], body["startTime"]


async def cleanup(settings: Settings, *, sessions: bool = False) -> int:
    """Delete the run's bookings (with their notifications and queued e-mails) and, with
    `sessions`, its sessions; returns the bookings deleted."""
    connection = await asyncpg_connect(parse_database_url(str(settings.database_url)))
    try:
        async with connection.transaction():
            ids = [
                r["id"]
                for r in await connection.fetch(
                    'SELECT id FROM "Booking" WHERE "customerNotes" = $1', BENCH_NOTE
                )
            ]
            if ids:
                await connection.execute(
                    "DELETE FROM \"Notification\" WHERE metadata::jsonb ->> 'bookingId' = ANY($1)",
                    ids,
                )
                if await connection.fetchval("SELECT to_regclass('procrastinate_jobs')"):
                    await connection.execute(
                        "DELETE FROM procrastinate_jobs WHERE status = 'todo' "
                        "AND args::text LIKE ANY($1)",
                        [f"%{i}%" for i in ids],
                    )
                for table, column in (("Payment", "bookingId"), ("Booking", "id")):
                    await connection.execute(
                        f'DELETE FROM "{table}" WHERE "{column}" = ANY($1)', ids
                    )
            if sessions:
                await connection.execute(
                    'DELETE FROM "Session" WHERE "userAgent" = $1', SESSION_AGENT
                )
        return len(ids)
    finally:
        await connection.close()


async def settle_and_cleanup(settings: Settings, *, at_most: float = 20) -> int:
    """After a booking run: wait until the server has finished the requests wrk left in
    flight (the count of the run's bookings stops growing), then delete them."""
    connection = await asyncpg_connect(parse_database_url(str(settings.database_url)))
    try:
        query = 'SELECT count(*) FROM "Booking" WHERE "customerNotes" = $1'
        before, deadline = -1, time.monotonic() + at_most
        while time.monotonic() < deadline:
            now = await connection.fetchval(query, BENCH_NOTE)
            if now == before:
                break
            before = now
            await asyncio.sleep(1.5)
    finally:
        await connection.close()
    return await cleanup(settings)


# --- the endpoints and their SQL ---------------------------------------------------------


def endpoints(scene: Scene, cookie_name: str) -> list[Endpoint]:
    p, day, service = scene.provider_id, scene.day, scene.service_id
    city = f"/api/providers?city={quote(scene.city)}"
    near = f"/api/providers?latitude={scene.latitude}&longitude={scene.longitude}&radiusKm=25"
    customer_cookie = f"{cookie_name}={scene.customer_token}"
    return [
        Endpoint("health", "GET /api/health", "/api/health"),
        Endpoint("providers-city", "GET /api/providers?city=…", city, target="search"),
        Endpoint(
            "providers-city-cached",
            "GET /api/providers?city=… (cached)",
            city,
            target="search",
            cached=True,
        ),
        Endpoint("providers-near", "GET /api/providers near a point, 25 km", near, target="search"),
        Endpoint("provider", "GET /api/providers/{id}", f"/api/providers/{p}"),
        Endpoint(
            "availability",
            "GET /api/providers/{id}/availability?date&serviceId",
            f"/api/providers/{p}/availability?date={day}&serviceId={service}",
        ),
        Endpoint(
            "bookings-create",
            "POST /api/bookings",
            "/api/bookings",
            method="POST",
            target="booking",
            expect=201,
        ),
        Endpoint(
            "bookings-provider",
            "GET /api/bookings (provider)",
            "/api/bookings",
            bearer=scene.provider_token,
        ),
        Endpoint(
            "bookings-customer",
            "GET /api/bookings (customer)",
            "/api/bookings",
            bearer=scene.customer_token,
        ),
        Endpoint(
            "page-home", "page: home search `/?city=…`", f"/?city={quote(scene.city)}", kind="page"
        ),
        Endpoint(
            "page-provider", "page: provider `/providers/{id}`", f"/providers/{p}", kind="page"
        ),
        Endpoint(
            "page-my-bookings",
            "page: my bookings `/my/bookings`",
            "/my/bookings",
            kind="page",
            cookie=customer_cookie,
        ),
    ]


def _request_sql(captured: list[str]) -> list[str]:
    return [s for s in captured if not s.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]


async def capture(settings: Settings, chosen: list[Endpoint], scene: Scene, bookings: int) -> None:
    """Each endpoint's statements from the app in-process (cache off), after a warm-up; the
    booking transaction of `bookings` distinct slots (each booking deleted afterwards)."""
    app = create_app(settings.model_copy(update={"provider_cache_ttl_seconds": 0}))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for endpoint in chosen:
                if endpoint.method == "POST":
                    for line in _one_per_provider(scene.slots, bookings):
                        token, body = line.split("\t", 1)
                        headers = {"Authorization": f"Bearer {token}"}
                        await client.get("/api/notifications?limit=1", headers=headers)
                        with capturing() as captured:
                            response = await client.post(
                                "/api/bookings", content=body, headers=headers | _JSON
                            )
                        if response.status_code != 201:
                            raise SystemExit(
                                f"booking capture: {response.status_code} {response.text[:300]}"
                            )
                        endpoint.scripts.append(_request_sql(captured))
                    endpoint.sql = endpoint.scripts[0]
                    continue
                warm = await client.get(endpoint.path, headers=endpoint.headers)
                if warm.status_code != endpoint.expect:
                    raise SystemExit(
                        f"{endpoint.path}: {warm.status_code} {warm.text[:300]} "
                        f"(expected {endpoint.expect})"
                    )
                with capturing() as captured:
                    await client.get(endpoint.path, headers=endpoint.headers)
                endpoint.sql = _request_sql(captured)
                endpoint.scripts = [endpoint.sql]
    await cleanup(settings)


_JSON = {"Content-Type": "application/json"}


def write_sql(folder: Path, chosen: list[Endpoint]) -> None:
    """Each endpoint's captured transactions as the .sql files pgbench runs (to rerun or
    EXPLAIN them by hand)."""
    folder.mkdir(parents=True, exist_ok=True)
    for endpoint in chosen:
        end = "ROLLBACK" if endpoint.method == "POST" else "COMMIT"
        for number, statements in enumerate(endpoint.scripts):
            body = "".join(f"{statement};\n" for statement in statements)
            path = folder / f"{endpoint.key}-{number}.sql"
            path.write_text(f"BEGIN;\n{body}{end};\n", encoding="utf-8")


def _one_per_provider(slots: list[str], at_most: int) -> list[str]:
    """Slots of distinct providers: pgbench's clients then contend for a provider's diary
    lock no more often than wrk's requests, which walk the providers one after the other."""
    chosen: dict[str, str] = {}
    for line in slots:
        chosen.setdefault(slot_key(line)[0], line)
        if len(chosen) == at_most:
            break
    return list(chosen.values())


# --- wrk ---------------------------------------------------------------------------------


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("wrk is missing: installing Debian's package", flush=True)
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, timeout=600)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, timeout=600)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


def wrk_command(
    base: str,
    endpoint: Endpoint,
    connections: int,
    seconds: float,
    slot_file: Path | None,
    offset: int = 0,
) -> list[str]:
    threads = max(1, min(2, connections))
    command = [
        wrk_binary(),
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    if endpoint.method == "POST":
        assert slot_file is not None
        return [
            *command,
            "-s",
            str(WRK_DIR / "book.lua"),
            base + endpoint.path,
            "--",
            f"slots={slot_file}",
            f"threads={threads}",
            f"offset={offset}",
        ]
    arguments = []
    if endpoint.bearer:
        arguments.append(f"bearer={endpoint.bearer}")
    if endpoint.cookie:
        arguments.append(f"cookie={endpoint.cookie}")
    return [*command, "-s", str(WRK_DIR / "get.lua"), base + endpoint.path, "--", *arguments]


def parse_wrk(output: str, connections: int) -> WrkRun:
    """The JSON line the Lua `done` hook prints (bench/wrk/report.lua)."""
    match = re.search(r"^BENCH_RESULT (\{.*\})$", output, re.M)
    if not match:
        raise SystemExit(f"wrk printed no BENCH_RESULT line:\n{output[-2000:]}")
    data = json.loads(match.group(1))
    latency = data["latency_us"]
    return WrkRun(
        connections=connections,
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        p50_ms=latency["p50"] / 1000,
        p95_ms=latency["p95"] / 1000,
        p99_ms=latency["p99"] / 1000,
        statuses={str(k): int(v) for k, v in data["statuses"].items()},
        socket_errors={k: int(v) for k, v in data["errors"].items() if k != "status" and v},
        slots_short=bool(data.get("slots_short")),
        last_line=int(data.get("last_line", 0)),
    )


def run_wrk(
    base: str,
    endpoint: Endpoint,
    connections: int,
    seconds: float,
    slot_file: Path | None,
    offset: int = 0,
) -> WrkRun:
    command = wrk_command(base, endpoint, connections, seconds, slot_file, offset)
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr}\n{done.stdout}")
    return parse_wrk(done.stdout, connections)


# --- memory of the workers ---------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _status_kb(pid: int, field_name: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def worker_pids(serve_pid: int) -> list[int]:
    """uvicorn's worker processes: the spawned children of the serve process (the serve
    process itself when it runs one worker in-process)."""
    workers = []
    for child in _children(serve_pid):
        with contextlib.suppress(OSError):
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline:
                workers.append(child)
    return workers or [serve_pid]


def worker_rss_mb(serve_pid: int) -> list[float]:
    return [round(_status_kb(pid, "VmRSS") / 1024, 1) for pid in worker_pids(serve_pid)]


# --- one data size -----------------------------------------------------------------------


def bench_scale(
    server: str, providers: int, args: argparse.Namespace, chosen_keys: set[str] | None
) -> ScaleResult:
    print(f"\n== {providers:,} providers ==", flush=True)
    seeded = prepare_database(server, providers, seed_timeout=args.seed_timeout)
    url = bench_url(server, providers)
    settings = bench_settings(url)
    load_before = os.getloadavg()
    slots_wanted = max(500, int(args.slot_rate * args.duration) + 200)
    print(f"  choosing values and {slots_wanted:,} free slots from the slot engine", flush=True)
    scene = asyncio.run(build_scene(settings, slots_wanted))
    keys = {slot_key(line) for line in scene.slots}
    if len(keys) != len(scene.slots):
        raise SystemExit("the slot file holds the same slot twice")
    chosen = [
        e
        for e in endpoints(scene, settings.session_cookie_name)
        if chosen_keys is None or e.key in chosen_keys
    ]
    results: list[EndpointResult] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        slot_file = Path(folder) / "slots.tsv"
        clients = args.workers * args.pool_size  # pgbench: as many as the app's connections
        outbox = Path(folder) / "outbox"
        try:
            print("  capturing each endpoint's SQL in-process", flush=True)
            asyncio.run(capture(settings, chosen, scene, bookings=clients))
            if args.sql_dir:
                write_sql(args.sql_dir / str(providers), chosen)
            # The captured bookings are deleted again: wrk may book every slot.
            slot_file.write_text("\n".join(scene.slots) + "\n")
            env = {
                "EQUINET_ENV": "development",
                "RATE_LIMIT_MULTIPLIER": str(RATE_LIMIT_MULTIPLIER),
                "RATE_LIMIT_KEY_PREFIX": f"bench-{os.getpid()}",
                "SERVE_WORKER": "false",
                "EMAIL_OUTBOX_DIR": str(outbox),
            }
            if os.environ.get("REDIS_URL"):
                env["REDIS_URL"] = os.environ["REDIS_URL"]
            runs: dict[str, list[WrkRun]] = {}
            for cached in (False, True):
                group = [e for e in chosen if e.cached is cached]
                if not group:
                    continue
                cache_env = {"PROVIDER_CACHE_TTL_SECONDS": "300" if cached else "0"}
                with serve(
                    url,
                    port=args.port,
                    workers=args.workers,
                    pool_size=args.pool_size,
                    env=env | cache_env,
                ) as (base, process):
                    for endpoint in group:
                        runs[endpoint.key] = drive_endpoint(
                            base, process, endpoint, args, slot_file, settings
                        )
            print("  pgbench on the captured statements", flush=True)
            limits: dict[str, PgbenchResult] = {}
            for endpoint in chosen:
                same = endpoint.key.removesuffix("-cached")
                if endpoint.sql and same not in limits:
                    limits[same] = run_pgbench_scripts(
                        url,
                        endpoint.scripts,
                        clients,
                        args.duration,
                        end="ROLLBACK" if endpoint.method == "POST" else "COMMIT",
                        name=endpoint.label,
                        per_client=endpoint.method == "POST",
                    )
                    print(f"    {endpoint.label}: {limits[same].tps:,.0f} tx/s", flush=True)
            for endpoint in chosen:
                limit = limits.get(endpoint.key.removesuffix("-cached"))
                counts = [len(s) for s in endpoint.scripts] or [0]
                results.append(
                    EndpointResult(
                        key=endpoint.key,
                        label=endpoint.label,
                        kind=endpoint.kind,
                        target=endpoint.target,
                        cached=endpoint.cached,
                        statements=int(statistics.median(counts)),
                        runs=runs[endpoint.key],
                        pgbench_tps=limit.tps if limit else None,
                        pgbench_p95_ms=limit.percentile(95) if limit else None,
                        pgbench_failed=limit.failed if limit else 0,
                        scripts=len(endpoint.scripts),
                    )
                )
        finally:
            asyncio.run(cleanup(settings, sessions=True))
    counts = asyncio.run(scale_counts(parse_database_url(url)))
    return ScaleResult(
        providers=providers,
        bookings=counts[1] if counts else 0,
        database=parse_database_url(url).database or "",
        seeded_seconds=seeded,
        load_before=load_before,
        load_after=os.getloadavg(),
        endpoints=results,
        slots=len(scene.slots),
    )


def drive_endpoint(
    base: str,
    process: subprocess.Popen[bytes],
    endpoint: Endpoint,
    args: argparse.Namespace,
    slot_file: Path,
    settings: Settings,
) -> list[WrkRun]:
    post = endpoint.method == "POST"
    warm = min(2.0, args.duration)
    # warm-up, not recorded
    offset = run_wrk(base, endpoint, max(args.connections), warm, slot_file).last_line
    if post:
        asyncio.run(settle_and_cleanup(settings))
    measured = []
    for connections in args.connections:
        run = run_wrk(base, endpoint, connections, args.duration, slot_file, offset)
        offset = run.last_line  # the next run starts on slots no request has touched yet
        run.rss_mb = worker_rss_mb(process.pid)
        if post:
            asyncio.run(settle_and_cleanup(settings))  # the slots are free again
        measured.append(run)
        bad = run.non_2xx or "-"
        print(
            f"    {endpoint.label} c={connections}: {run.per_second:,.0f} req/s, p95 "
            f"{run.p95_ms:.1f} ms, non-2xx {bad}, RSS {run.rss_mb} MB",
            flush=True,
        )
    return measured


# --- the report --------------------------------------------------------------------------


def _judged(runs: list[WrkRun]) -> WrkRun | None:
    if not runs:
        return None
    return min(runs, key=lambda r: (abs(r.connections - JUDGED_CONNECTIONS), -r.connections))


def ratio(run: WrkRun, endpoint: EndpointResult) -> float | None:
    if not endpoint.pgbench_tps:
        return None
    ok = sum(n for s, n in run.statuses.items() if s.startswith("2"))
    return ok / run.seconds / endpoint.pgbench_tps if run.seconds else None


def target_misses(
    endpoint: EndpointResult, big: ScaleResult, small: ScaleResult | None
) -> list[str]:
    """The targets this endpoint misses at the judged connection count (large data)."""
    run = _judged(endpoint.runs)
    if run is None:
        return ["not run"]
    misses = []
    for each in endpoint.runs:  # 0 × 5xx holds at every connection count
        fives = sum(n for s, n in each.non_2xx.items() if s.startswith("5"))
        if fives:
            misses.append(f"{fives} × 5xx at {each.connections} conns")
    peak = max((mb for r in endpoint.runs for mb in r.rss_mb), default=0.0)
    if peak > TARGET_RSS_MB:
        misses.append(f"RSS {peak:.0f} MB > {TARGET_RSS_MB}")
    value = ratio(run, endpoint)
    if endpoint.kind == "api" and value is not None:
        if endpoint.target == "search":
            # The cached row may carry the uncached listing's targets.
            partner_key = (
                endpoint.key.removesuffix("-cached")
                if endpoint.cached
                else endpoint.key + "-cached"
            )
            partner = next((e for e in big.endpoints if e.key == partner_key), None)
            best_ratio, best_rps = value, run.per_second
            partner_run = _judged(partner.runs) if partner else None
            if partner and partner_run:
                best_ratio = max(best_ratio, ratio(partner_run, partner) or 0.0)
                best_rps = max(best_rps, partner_run.per_second)
            if best_ratio < TARGET_SEARCH_RATIO:
                misses.append(f"{best_ratio:.2f}× < {TARGET_SEARCH_RATIO}×")
            if best_rps < TARGET_PROVIDERS_RPS:
                misses.append(f"{best_rps:,.0f} < {TARGET_PROVIDERS_RPS} req/s")
        elif endpoint.target == "booking":
            if value < TARGET_BOOKING_RATIO:
                misses.append(f"{value:.2f}× < {TARGET_BOOKING_RATIO}×")
            if run.per_second < TARGET_BOOKINGS_RPS:
                misses.append(f"{run.per_second:,.0f} < {TARGET_BOOKINGS_RPS} req/s")
        elif value < TARGET_OTHER_RATIO:
            misses.append(f"{value:.2f}× < {TARGET_OTHER_RATIO}×")
    growth = p95_growth(endpoint, run.connections, small)
    if growth is not None and growth > TARGET_P95_GROWTH:
        misses.append(f"p95 {growth:.2f}× > {TARGET_P95_GROWTH}×")
    return misses


def p95_growth(
    endpoint: EndpointResult, connections: int, small: ScaleResult | None
) -> float | None:
    if small is None:
        return None
    other = next((e for e in small.endpoints if e.key == endpoint.key), None)
    big_run = next((r for r in endpoint.runs if r.connections == connections), None)
    small_run = (
        next((r for r in other.runs if r.connections == connections), None) if other else None
    )
    if not big_run or not small_run or not small_run.p95_ms:
        return None
    return big_run.p95_ms / small_run.p95_ms


def _statuses(run: WrkRun | None) -> str:
    if run is None:
        return "–"
    parts = [f"{n:,}×{s}" for s, n in sorted(run.non_2xx.items())]
    parts += [f"{n:,}×{k}" for k, n in sorted(run.socket_errors.items())]
    if run.slots_short:
        parts.append("slots ran out")
    return ", ".join(parts) or "0"


def _latency(run: WrkRun | None) -> str:
    if run is None:
        return "–"
    return f"{run.p50_ms:.1f} / {run.p95_ms:.1f} / {run.p99_ms:.1f}"


def _rps(run: WrkRun | None) -> str:
    return "–" if run is None else f"{run.per_second:,.0f}"


def _ratio_text(run: WrkRun | None, endpoint: EndpointResult | None) -> str:
    if run is None or endpoint is None:
        return "–"
    value = ratio(run, endpoint)
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def render_section(report: dict[str, Any]) -> str:
    """The Markdown of the "make bench" section (markers included) from the results."""
    scales = [_scale_from_dict(s) for s in report["scales"]]
    big = max(scales, key=lambda s: s.providers)
    small = min(scales, key=lambda s: s.providers) if len(scales) > 1 else None
    machine = report["machine"]
    judged = _judged(big.endpoints[0].runs) if big.endpoints and big.endpoints[0].runs else None
    judged_c = judged.connections if judged else JUDGED_CONNECTIONS
    bookings_scripts = next((e.scripts for e in big.endpoints if e.target == "booking"), 50)
    lines = [
        START_MARKER,
        HEADING,
        "",
        f"`{report['command']}` (bench/make_bench.py), {report['finished']}, commit "
        f"`{machine['commit']}`. Machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gb']:.0f} GB, {machine['os']}, Python {machine['python']}, "
        f"PostgreSQL {machine['postgres']}, {machine['wrk']}. Load average (1/5/15 min) "
        + "; ".join(
            f"at {s.providers:,} providers {_load(s.load_before)} before, "
            f"{_load(s.load_after)} after"
            for s in scales
        )
        + ". The machine is shared with other work: figures move ±40 % between runs.",
        "",
        f"Setup: `equinet serve --workers {report['workers']}` (one per core) on 127.0.0.1, "
        f"pool {report['pool_size']} connections per worker, rate limits on with "
        f"`RATE_LIMIT_MULTIPLIER={RATE_LIMIT_MULTIPLIER}` (every request still passes the "
        "limiter, which counts it, but none is refused), listing cache off "
        '(`PROVIDER_CACHE_TTL_SECONDS=0`) except for the "(cached)" row (300 s), job worker '
        "off (`SERVE_WORKER=false`: queued e-mails are not sent during the run), access log off, "
        + {
            True: "Redis (`REDIS_URL`) for the limiter and the cache. ",
            False: "no Redis (`REDIS_URL` unset: limiter and cache in process memory). ",
            None: "",
        }[machine.get("redis")]
        + f"wrk {report['duration']} s per run after a {min(2, report['duration'])} s warm-up, "
        f"`--latency`, 1 thread at 1 connection and 2 otherwise; Lua scripts in `bench/wrk/` "
        "(Bearer token or session cookie made with `create_session`; POST /api/bookings from "
        "a file of distinct free slots from the slot engine, one slice per wrk thread, the "
        "run's bookings deleted after every run). pgbench: the statements each request sends, "
        "captured from the app in-process, as one transaction (the booking transaction of "
        f"{bookings_scripts} free slots of distinct providers, one per client: a pgbench -c 1 "
        "process each, repeating its booking and ROLLBACK, all at once), "
        f"`pgbench -n -M prepared -c {report['workers'] * report['pool_size']}` "
        f'(= workers × pool), {report["duration"]} s. "app ÷ pgbench" = the app\'s 2xx/s over '
        "pgbench's transactions/s of the same SQL (the cached row against the uncached SQL).",
        "",
        "Data: "
        + "; ".join(
            f"`{s.database}` {s.providers:,} providers, {s.bookings:,} bookings "
            + (f"(seeded in {s.seeded_seconds:.0f} s)" if s.seeded_seconds else "(reused)")
            for s in scales
        )
        + ".",
        "",
    ]
    small_label = f"{small.bookings / 1000:,.0f}k" if small else "–"
    big_label = f"{big.bookings / 1e6:,.1f}M" if big.bookings >= 1e6 else f"{big.bookings:,}"
    lines += [
        f"Columns: small = {small.providers if small else '–'} providers ({small_label} bookings), "
        f"large = {big.providers:,} providers ({big_label} bookings). Targets are judged at "
        f"{judged_c} connections on the large data.",
        "",
        "| endpoint | conns | SQL / request | req/s small / large | p50 / p95 / p99 ms small "
        "| p50 / p95 / p99 ms large | p95 large ÷ small | non-2xx small; large | RSS MB per "
        "worker (large) | pgbench tx/s small / large | app ÷ pgbench small / large | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for endpoint in big.endpoints:
        other = next((e for e in small.endpoints if e.key == endpoint.key), None) if small else None
        judged_run = _judged(endpoint.runs)
        for run in endpoint.runs:
            small_run = (
                next((r for r in other.runs if r.connections == run.connections), None)
                if other
                else None
            )
            growth = p95_growth(endpoint, run.connections, small)
            if run is judged_run:
                misses = target_misses(endpoint, big, small)
                verdict = "pass" if not misses else "**miss**: " + "; ".join(misses)
            else:
                verdict = ""
            pg_small = f"{other.pgbench_tps:,.0f}" if other and other.pgbench_tps else "–"
            pg_big = f"{endpoint.pgbench_tps:,.0f}" if endpoint.pgbench_tps else "–"
            if endpoint.cached:
                pg_small = pg_big = "(uncached SQL)"
            lines.append(
                f"| {endpoint.label} | {run.connections} | {endpoint.statements} | "
                f"{_rps(small_run)} / {_rps(run)} | {_latency(small_run)} | {_latency(run)} | "
                f"{'–' if growth is None else f'{growth:.2f}'} | "
                f"{_statuses(small_run)}; {_statuses(run)} | "
                f"{' / '.join(f'{mb:.0f}' for mb in run.rss_mb) or '–'} | "
                f"{pg_small} / {pg_big} | "
                f"{_ratio_text(small_run, other)} / {_ratio_text(run, endpoint)} | {verdict} |"
            )
    lines += [
        "",
        "Targets (issue 9 item 1): booking create ≥ "
        f"{TARGET_BOOKING_RATIO}× pgbench of its transaction and ≥ {TARGET_BOOKINGS_RPS} req/s; "
        f"provider search ≥ {TARGET_SEARCH_RATIO}× pgbench of its uncached SQL and ≥ "
        f"{TARGET_PROVIDERS_RPS} req/s (the cached row may carry both); every other API "
        f"endpoint ≥ {TARGET_OTHER_RATIO}×; everywhere 0 × 5xx, ≤ {TARGET_RSS_MB} MB RSS per "
        f"worker and p95 at the large data ≤ {TARGET_P95_GROWTH}× p95 at the small. Pages carry "
        "no ratio target. Where a target is missed, the profile that explains it belongs below "
        "this section.",
        "",
        f"Rerun: `{report['command']}`; quick check: `make bench DURATION=3 CONNECTIONS=10 "
        "PROVIDERS=200 SMALL_PROVIDERS=20`. Raw results: `.equinet/bench/results.json`.",
        END_MARKER,
    ]
    return "\n".join(lines) + "\n"


def _load(values: Any) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def _scale_from_dict(data: dict[str, Any]) -> ScaleResult:
    endpoints_ = []
    for e in data["endpoints"]:
        runs = [WrkRun(**r) for r in e["runs"]]
        endpoints_.append(EndpointResult(**{**e, "runs": runs}))
    return ScaleResult(**{**data, "endpoints": endpoints_})


def write_section(document: Path, section: str) -> None:
    """Replace the text between the markers (or the old heading's section), keep the rest."""
    text_ = document.read_text(encoding="utf-8") if document.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(START_MARKER) + r".*?" + re.escape(END_MARKER) + r"\n?", re.S)
    if pattern.search(text_):
        text_ = pattern.sub(lambda _m: section, text_, count=1)
    else:
        text_ = text_.rstrip("\n") + "\n\n" + section
    document.write_text(text_.rstrip("\n") + "\n", encoding="utf-8")


# --- main --------------------------------------------------------------------------------


def machine_facts(server: str) -> dict[str, Any]:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = 0.0
    with contextlib.suppress(OSError, ValueError):
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()

    async def version() -> str:
        connection = await asyncpg_connect(parse_database_url(server))
        try:
            return str(await connection.fetchval("SHOW server_version")).split(" ")[0]
        finally:
            await connection.close()

    wrk = subprocess.run([wrk_binary(), "--version"], capture_output=True, text=True, check=False)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory,
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "postgres": asyncio.run(version()),
        "wrk": (wrk.stdout or wrk.stderr).split(" [")[0].strip() or "wrk",
        "commit": commit + ("+changes" if dirty else ""),
        "redis": bool(os.environ.get("REDIS_URL")),
    }


def resolve_server(explicit: str | None) -> tuple[str, Any]:
    """The PostgreSQL server to make the databases on: BENCH_DATABASE_URL, else the local
    service, else the embedded server (kept running while this process lives)."""
    if explicit:
        return explicit, None

    async def reachable(url: str) -> bool:
        try:
            connection = await asyncpg_connect(parse_database_url(url))
        except Exception:  # any failure means "not there"
            return False
        await connection.close()
        return True

    if asyncio.run(reachable(DEFAULT_SERVER)):
        return DEFAULT_SERVER, None
    from equinet.db.embedded import embedded_server_url

    print("no PostgreSQL service on 127.0.0.1:5432: using the embedded server", flush=True)
    return embedded_server_url(ROOT / ".equinet" / "pgdata"), True


def estimate_seconds(args: argparse.Namespace, endpoint_count: int, scales: int) -> float:
    per_run = args.duration + 2
    per_endpoint = min(2, args.duration) + 2 + per_run * len(args.connections)
    pgbench = (endpoint_count - 1) * (args.duration + 3)
    setup = 90  # capture, slots, two server starts
    return scales * (endpoint_count * per_endpoint + pgbench + setup)


class Timeout(Exception):
    pass


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_DATABASE_URL") or None)
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--small-providers", type=int, default=100, help="0: no small data")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk/pgbench run")
    parser.add_argument(
        "--connections", default="1 10 50", help="space-separated wrk connection counts"
    )
    parser.add_argument(
        "--only",
        default="",
        help="endpoint keys, comma or space separated: health providers-city "
        "providers-city-cached providers-near provider availability bookings-create "
        "bookings-provider bookings-customer page-home page-provider page-my-bookings",
    )
    parser.add_argument("--port", type=int, default=18000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument(
        "--slot-rate", type=int, default=600, help="booking req/s the slot file must cover"
    )
    parser.add_argument("--seed-timeout", type=int, default=1800)
    parser.add_argument("--write", type=Path, default=DOC, help="Markdown file to update")
    parser.add_argument("--sql-dir", type=Path, help="write each endpoint's pgbench SQL here")
    parser.add_argument(
        "--from-results", type=Path, help="no run: write the report from this results.json"
    )
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    args.connections = [int(c) for c in str(args.connections).replace(",", " ").split()]
    if not args.connections or min(args.connections) < 1:
        parser.error("CONNECTIONS needs positive numbers")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_results:
        # Only the report: rewrite the section from an earlier run's raw results.
        section = render_section(json.loads(args.from_results.read_text(encoding="utf-8")))
        print(section)
        if not args.no_write:
            write_section(args.write, section)
        return 0
    server, _embedded = resolve_server(args.server)
    host = parse_database_url(server).url.host
    if host and not is_local_host(host):
        raise SystemExit(f"refusing to load {host}: loopback databases only")
    keys = {k for k in re.split(r"[,\s]+", args.only) if k} or None
    sizes = [args.providers] + ([args.small_providers] if args.small_providers else [])
    endpoint_count = len(keys) if keys else 12
    bound = estimate_seconds(args, endpoint_count, len(sizes))
    seeding = ""
    for size in sizes:
        counts = None
        with contextlib.suppress(Exception):
            counts = asyncio.run(scale_counts(parse_database_url(bench_url(server, size))))
        if not counts or counts[0] != size:
            bound += 60 + size * 0.03  # about 3 minutes for 10,000 providers here
            seeding += f" seeding {size:,} providers,"
    limit = int(bound * 2) + 300
    print(
        f"make bench: {len(sizes)} data size(s) {sizes},{seeding} {endpoint_count} endpoints x "
        f"{len(args.connections)} connection counts x {args.duration} s: about "
        f"{bound / 60:.0f} min; stopped after {limit / 60:.0f} min at the latest",
        flush=True,
    )

    def on_signal(signum: int, _frame: Any) -> None:
        raise Timeout(f"signal {signum}") if signum == signal.SIGALRM else SystemExit(128 + signum)

    signal.signal(signal.SIGALRM, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.alarm(limit)
    started = time.monotonic()
    machine = machine_facts(server)
    scales = []
    # Small data first: a broken endpoint fails in seconds, not after the large seed.
    for size in sorted(sizes):
        scales.append(bench_scale(server, size, args, keys))
    signal.alarm(0)
    command = "make bench" + "".join(
        f" {name}={value}"
        for name, value, default in (
            ("PROVIDERS", args.providers, 10_000),
            ("SMALL_PROVIDERS", args.small_providers, 100),
            ("DURATION", args.duration, 10),
            ("CONNECTIONS", '"' + " ".join(map(str, args.connections)) + '"', '"1 10 50"'),
            ("ONLY", f'"{args.only}"' if " " in args.only else args.only, ""),
        )
        if value != default
    )
    report = {
        "command": command,
        "finished": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "workers": args.workers,
        "pool_size": args.pool_size,
        "duration": args.duration,
        "scales": [asdict(s) for s in scales],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1), encoding="utf-8")
    section = render_section(report)
    print()
    print(section)
    if not args.no_write:
        write_section(args.write, section)
        print(f"written to {args.write}")
    print(f"make bench: done in {(time.monotonic() - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Timeout as error:
        print(f"make bench: time bound reached ({error}); servers stopped", file=sys.stderr)
        sys.exit(3)
