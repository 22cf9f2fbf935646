"""Scale-out on one machine: several app processes behind PgBouncer, one Redis, a read replica.

Starts PgBouncer twice (session and transaction pooling) in front of a PostgreSQL (the local
service by default, in a database of its own, migrated and seeded with the demo data), then
for each of direct / session / transaction runs WORKERS `equinet serve` processes (one uvicorn
worker each, ports of their own) sharing one Redis, and checks what users would notice if
the processes did not share their state:

- every rate limit holds globally: limit + 10 requests spread round-robin over the workers,
  exactly `limit` accepted (geocode per IP, login per e-mail);
- a session made on worker A works on B and C, a logout on B ends it on C;
- a profile update through A is visible in the (cached) listing on B and C;
- maintenance mode switched on with the CLI: every worker answers 503; off: all serve;
- N concurrent bookings of one slot spread over the workers: one 201, the rest 409, one row;
- pool sizes add up (workers x pool <= PgBouncer pool <= max_connections), with the server
  connections actually seen under load;
- throughput of a database-bound read with wrk, per setup.

Then it starts a primary of its own (initdb) and a streaming replica of it (pg_basebackup -R),
runs one app with DATABASE_REPLICA_URL and shows: a write on the primary reaches the replica
(lag printed), the listing is read from the replica, and with the replica's replay paused a
booking of a slot it still shows free is refused (validated on the primary).

Prints a table and exits 1 when any check fails. Loopback only; ports 18300-18399 by default.

    .venv/bin/python bench/scale_out.py [--workers 3 --pool 3 --bouncer-pool 10 --duration 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import secrets
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from drill_support import BIN, App, Postgres, app_env, scratch_folder, wait_until

DATABASE = "equinet_scaleout"
PGBOUNCER = "/usr/sbin/pgbouncer"
SUDO = [] if os.geteuid() == 0 else ["sudo"]
# The demo data's customer and one demo provider (equinet.ops.seed).
CUSTOMER = ("kund@test.se", "test123")
PROVIDER = ("erik@hovslagare-uppsala.se", "test123")
PROVIDER_NAME = "Hovslagare Eriksson"
GEOCODE_LIMIT = 8
LOGIN_LIMIT = 5


@dataclass
class Check:
    setup: str
    name: str
    passed: bool
    detail: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)

    def check(self, setup: str, name: str, passed: bool, detail: str) -> None:
        self.checks.append(Check(setup, name, passed, detail))
        mark = "ok  " if passed else "FAIL"
        print(f"  [{mark}] {setup:<11} {name:<26} {detail}", flush=True)


# --- services ---------------------------------------------------------------------------


def ensure_pgbouncer() -> None:
    """Install Debian's PgBouncer when it is missing (as `make browser` does for Chromium)."""
    if Path(PGBOUNCER).exists():
        return
    subprocess.run([*SUDO, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*SUDO, "apt-get", "install", "-y", "-qq", "pgbouncer"], check=True)


class PgBouncer:
    """A PgBouncer of our own in `mode` on 127.0.0.1:`port`, in front of `server`'s DATABASE."""

    def __init__(
        self, folder: Path, mode: str, port: int, server: tuple[str, int], pool: int
    ) -> None:
        self.mode = mode
        self.port = port
        self.pool = pool
        home = folder / f"pgbouncer-{mode}"
        home.mkdir(exist_ok=True)
        (home / "userlist.txt").write_text('"postgres" ""\n')
        host, server_port = server
        (home / "pgbouncer.ini").write_text(
            f"""[databases]
{DATABASE} = host={host} port={server_port} dbname={DATABASE} pool_size={pool}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir = {home}
auth_type = trust
auth_file = {home}/userlist.txt
admin_users = postgres
pool_mode = {mode}
default_pool_size = {pool}
max_client_conn = 500
;; asyncpg sends statement_timeout at start-up; PgBouncer does not track it, so the database
;; carries it instead (ALTER DATABASE ... SET statement_timeout).
ignore_startup_parameters = statement_timeout,extra_float_digits
logfile = {home}/pgbouncer.log
pidfile = {home}/pgbouncer.pid
"""
        )
        # PgBouncer refuses to run as root.
        as_user: list[str] = []
        if os.geteuid() == 0:
            folder.chmod(0o755)  # the postgres user must reach its own folder inside
            shutil.chown(home, "postgres", "postgres")
            for item in home.iterdir():
                shutil.chown(item, "postgres", "postgres")
            as_user = ["runuser", "-u", "postgres", "--"]
        self.process = subprocess.Popen(
            [*as_user, PGBOUNCER, str(home / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 15, f"pgbouncer ({mode}) did not start: {home}/pgbouncer.log")

    def _answers(self) -> bool:
        try:
            return bool(self.admin("SHOW VERSION"))
        except subprocess.CalledProcessError:
            return False

    def url(self, pool: int, *, transaction_mode: bool) -> str:
        query = f"connection_limit={pool}" + ("&pgbouncer=true" if transaction_mode else "")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}?{query}"

    def admin(self, command: str) -> list[dict[str, str]]:
        """A SHOW command on the admin console (simple query protocol only: psql, not asyncpg)."""
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d",
             "pgbouncer", "-AX", "-F", "\t", "-c", command],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()  # fmt: skip
        if not out:
            return []
        header = out[0].split("\t")
        return [dict(zip(header, line.split("\t"), strict=False)) for line in out[1:-1]]

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def sql(url: str, statement: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.split("?")[0])
    try:
        return list(await connection.fetch(statement, *args))
    finally:
        await connection.close()


def equinet(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "equinet"), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"equinet {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare_database(server_url: str, folder: Path) -> str:
    """A fresh DATABASE on the server, migrated and seeded; its direct URL."""
    base = server_url.rsplit("/", 1)[0]
    asyncio.run(sql(f"{base}/postgres", f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    asyncio.run(sql(f"{base}/postgres", f'CREATE DATABASE "{DATABASE}"'))
    # PgBouncer drops the startup parameter: the database itself carries the timeout.
    asyncio.run(
        sql(f"{base}/postgres", f"ALTER DATABASE \"{DATABASE}\" SET statement_timeout = '10s'")
    )
    direct = f"{base}/{DATABASE}"
    env = app_env(direct, None, folder)
    equinet(env, "db", "migrate")
    equinet(env, "db", "seed")
    return direct


# Every app process this script started and has not stopped: stopped on the way out, whatever
# interrupted the run.
RUNNING: list[App] = []


def start_apps(
    folder: Path, ports: list[int], database_url: str, direct_url: str, redis_url: str,
    prefix: str, **extra: str,
) -> list[App]:  # fmt: skip
    """WORKERS `equinet serve` processes, started side by side; the first runs the job worker."""
    rate_limits = json.dumps(
        {"geocode": f"{GEOCODE_LIMIT}/minute", "login": f"{LOGIN_LIMIT}/15 minutes",
         "loginIp": "10000/15 minutes"}
    )  # fmt: skip
    apps: list[App] = []
    from concurrent.futures import ThreadPoolExecutor

    def one(index: int, port: int) -> App:
        env = app_env(
            database_url,
            redis_url,
            folder,
            DIRECT_DATABASE_URL=direct_url,
            AUTO_MIGRATE="false",
            SERVE_WORKER="true" if index == 0 else "false",
            RATE_LIMIT_KEY_PREFIX=prefix,
            RATE_LIMIT_MULTIPLIER="1000",
            RATE_LIMITS=rate_limits,
            MAINTENANCE_CACHE_SECONDS="0.5",
            # On a machine shared with other work a starved event loop can miss the 0.25 s
            # default and open the Redis breaker (limits per process); this script tests the
            # sharing, the Redis drill tests the timeout.
            REDIS_TIMEOUT_SECONDS="1.0",
            BOOKING_MIN_BUFFER_MINUTES="0",
            **extra,
        )
        app = App(folder, port, env)
        RUNNING.append(app)
        return app

    with ThreadPoolExecutor(len(ports)) as pool:
        futures = [pool.submit(one, i, port) for i, port in enumerate(ports)]
        for future in futures:
            apps.append(future.result())
    return apps


def breaker_trips(apps: list[App]) -> int:
    """How often an app logged that Redis stopped answering (limits then count per process)."""
    return sum(app.log_text().count("Redis unreachable") for app in apps)


async def warm_up(bases: list[str]) -> None:
    """A few requests per process first: the first ones after start-up are the slowest."""
    async with httpx.AsyncClient(timeout=30) as client:
        for base in bases:
            for _ in range(3):
                await client.get(f"{base}/api/providers")


def stop_apps(apps: list[App]) -> None:
    for app in apps:
        app.close()
        if app in RUNNING:
            RUNNING.remove(app)


# --- the checks ---------------------------------------------------------------------------


async def login(client: httpx.AsyncClient, base: str, who: tuple[str, str]) -> str:
    response = await client.post(
        f"{base}/api/auth/login", json={"email": who[0], "password": who[1]}
    )
    response.raise_for_status()
    # Bearer tokens only: a session cookie kept by the client would make later POSTs
    # cookie-authenticated, which CSRF protection refuses without an Origin.
    client.cookies.clear()
    return str(response.json()["token"])


async def check_rate_limits(bases: list[str], setup: str, report: Report) -> None:
    async with httpx.AsyncClient(timeout=20) as client:
        total = GEOCODE_LIMIT + 10
        answers = await asyncio.gather(
            *(
                client.get(f"{bases[i % len(bases)]}/api/geocode", params={"q": "Uppsala"})
                for i in range(total)
            )
        )
        accepted = sum(1 for a in answers if a.status_code != 429)
        report.check(
            setup, "rate limit geocode/IP", accepted == GEOCODE_LIMIT,
            f"{total} requests over {len(bases)} workers: {accepted} accepted (limit {GEOCODE_LIMIT})",
        )  # fmt: skip
        total = LOGIN_LIMIT + 10
        email = f"nobody-{secrets.token_hex(3)}@example.se"
        answers = []
        for i in range(total):  # one after the other: a failed login spends after it answered
            answers.append(
                await client.post(
                    f"{bases[i % len(bases)]}/api/auth/login",
                    json={"email": email, "password": "wrong-password"},
                )
            )
        accepted = sum(1 for a in answers if a.status_code != 429)
        report.check(
            setup, "rate limit login/e-mail", accepted == LOGIN_LIMIT,
            f"{total} wrong passwords over {len(bases)} workers: {accepted} accepted (limit {LOGIN_LIMIT})",
        )  # fmt: skip


async def check_sessions(bases: list[str], setup: str, report: Report) -> None:
    a, b, c = bases[0], bases[1 % len(bases)], bases[2 % len(bases)]
    async with httpx.AsyncClient(timeout=20) as client:
        token = await login(client, a, CUSTOMER)
        headers = {"Authorization": f"Bearer {token}"}
        on_b = (await client.get(f"{b}/api/auth/session", headers=headers)).status_code
        on_c = (await client.get(f"{c}/api/auth/session", headers=headers)).status_code
        out = (await client.post(f"{b}/api/auth/logout", headers=headers)).status_code
        after_c = (await client.get(f"{c}/api/auth/session", headers=headers)).status_code
        after_a = (await client.get(f"{a}/api/auth/session", headers=headers)).status_code
    report.check(
        setup, "session across workers",
        (on_b, on_c, out, after_c, after_a) == (200, 200, 200, 401, 401),
        f"login A; B {on_b}, C {on_c}; logout on B {out}; then C {after_c}, A {after_a}",
    )  # fmt: skip


async def provider_id(client: httpx.AsyncClient, base: str) -> str:
    listing = (await client.get(f"{base}/api/providers", params={"limit": 50})).json()
    return next(p["id"] for p in listing["data"] if p["businessName"] == PROVIDER_NAME)


async def listed_description(client: httpx.AsyncClient, base: str, pid: str) -> str | None:
    listing = (await client.get(f"{base}/api/providers", params={"limit": 50})).json()
    return next((p["description"] for p in listing["data"] if p["id"] == pid), None)


async def check_cache(bases: list[str], setup: str, report: Report) -> None:
    a, others = bases[0], bases[1:]
    async with httpx.AsyncClient(timeout=20) as client:
        pid = await provider_id(client, a)
        for base in others:  # the listing is cached on every worker's Redis key now
            await listed_description(client, base, pid)
        token = await login(client, a, PROVIDER)
        text = f"Uppdaterad via worker A {uuid.uuid4().hex[:8]}"
        put = await client.put(
            f"{a}/api/providers/{pid}",
            json={"description": text},
            headers={"Authorization": f"Bearer {token}"},
        )
        seen = [await listed_description(client, base, pid) == text for base in others]
    report.check(
        setup, "cache invalidation", put.status_code == 200 and all(seen),
        f"PUT on A {put.status_code}; new text in the listing on B, C: {seen}",
    )  # fmt: skip


async def all_statuses(bases: list[str]) -> list[int]:
    async with httpx.AsyncClient(timeout=10) as client:
        return [(await client.get(f"{b}/api/providers")).status_code for b in bases]


def every_worker_answers(bases: list[str], status: int) -> tuple[list[int], float]:
    """Poll every worker for up to 10 s until all answer `status`: their last answers, and
    how long that took."""
    started = time.monotonic()
    statuses: list[int] = []
    while time.monotonic() - started < 10:
        statuses = asyncio.run(all_statuses(bases))
        if all(s == status for s in statuses):
            break
        time.sleep(0.2)
    return statuses, time.monotonic() - started


def check_maintenance(bases: list[str], env: dict[str, str], setup: str, report: Report) -> None:
    equinet(env, "maintenance", "on", "--message", "Skalningstest")
    on, on_after = every_worker_answers(bases, 503)
    equinet(env, "maintenance", "off")
    off, off_after = every_worker_answers(bases, 200)
    report.check(
        setup, "maintenance mode",
        all(s == 503 for s in on) and all(s == 200 for s in off),
        f"on: {on} after {on_after:.1f} s; off: {off} after {off_after:.1f} s",
    )  # fmt: skip


async def free_slot(client: httpx.AsyncClient, base: str, days_ahead: int) -> dict[str, Any]:
    pid = await provider_id(client, base)
    provider = (await client.get(f"{base}/api/providers/{pid}")).json()
    service = min(provider["services"], key=lambda s: s["durationMinutes"])
    for offset in range(days_ahead, days_ahead + 30):
        day = (date.today() + timedelta(days=offset)).isoformat()
        answer = await client.get(
            f"{base}/api/providers/{pid}/availability",
            params={"date": day, "serviceId": service["id"]},
        )
        if answer.status_code != 200:
            continue
        for slot in answer.json()["slots"]:
            if slot["isAvailable"]:
                return {
                    "providerId": pid,
                    "serviceId": service["id"],
                    "bookingDate": day,
                    "startTime": slot["startTime"],
                }
    raise SystemExit("no free slot found")


async def booking_rows(direct: str, slot: dict[str, Any]) -> int:
    rows = await sql(
        direct,
        'SELECT count(*) AS n FROM "Booking" WHERE "providerId" = $1 AND "bookingDate" = $2 '
        "AND \"startTime\" = $3 AND status <> 'cancelled'",
        slot["providerId"],
        date.fromisoformat(slot["bookingDate"]),
        slot["startTime"],
    )
    return int(rows[0]["n"])


async def check_booking_race(
    bases: list[str], direct: str, setup: str, report: Report, crowd: int, days_ahead: int
) -> None:
    limits = httpx.Limits(max_connections=crowd + 10)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        token = await login(client, bases[0], CUSTOMER)
        slot = await free_slot(client, bases[0], days_ahead)
        answers = await asyncio.gather(
            *(
                client.post(
                    f"{bases[i % len(bases)]}/api/bookings",
                    json=slot,
                    headers={"Authorization": f"Bearer {token}"},
                )
                for i in range(crowd)
            )
        )
    statuses: dict[int, int] = {}
    for answer in answers:
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    rows = await booking_rows(direct, slot)
    report.check(
        setup, "booking race",
        statuses == {201: 1, 409: crowd - 1} and rows == 1,
        f"{crowd} POSTs of {slot['bookingDate']} {slot['startTime']} over {len(bases)} workers: "
        f"{dict(sorted(statuses.items()))}, rows {rows}",
    )  # fmt: skip


async def server_connections(direct: str) -> dict[str, int]:
    rows = await sql(
        direct,
        "SELECT coalesce(application_name, '') AS app, count(*) AS n FROM pg_stat_activity "
        "WHERE datname = $1 AND pid <> pg_backend_pid() GROUP BY 1",
        DATABASE,
    )
    return {str(r["app"]): int(r["n"]) for r in rows}


def wrk(url: str, connections: int, seconds: int) -> dict[str, float]:
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", done)

    def pct(label: str) -> float:
        found = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", done)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rate, "non2xx": float(non2xx.group(1)) if non2xx else 0.0, "p50": pct("50"),
            "p99": pct("99")}  # fmt: skip


def throughput(
    bases: list[str], direct: str, setup: str, seconds: int, connections: int
) -> dict[str, Any]:
    async def target() -> str:
        async with httpx.AsyncClient(timeout=20) as client:
            return await provider_id(client, bases[0])

    pid = asyncio.run(target())
    peak: dict[str, int] = {}
    stop = time.monotonic() + seconds
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(bases)) as pool:
        runs = [
            pool.submit(wrk, f"{base}/api/providers/{pid}", connections, seconds) for base in bases
        ]
        while time.monotonic() < stop:
            seen = asyncio.run(server_connections(direct))
            app_side = sum(n for app, n in seen.items() if not app.startswith("equinet-worker"))
            if app_side > peak.get("app", 0):
                peak = {"app": app_side, "worker": sum(
                    n for app, n in seen.items() if app.startswith("equinet-worker"))}  # fmt: skip
            time.sleep(0.3)
        results = [run.result() for run in runs]
    return {
        "setup": setup,
        "endpoint": "GET /api/providers/{id}",
        "rps": round(sum(r["rps"] for r in results), 1),
        "p50_ms": round(max(r["p50"] for r in results), 1),
        "p99_ms": round(max(r["p99"] for r in results), 1),
        "non2xx": int(sum(r["non2xx"] for r in results)),
        "wrk": f"{len(bases)} x wrk -c{connections} -d{seconds}s",
        "peak_server_connections_app": peak.get("app", 0),
        "server_connections_job_worker": peak.get("worker", 0),
    }


def interleaved_throughput(
    folder: Path, args: argparse.Namespace, direct: str, server: tuple[str, int], prefix: str
) -> list[dict[str, Any]]:
    """Every setup's processes running at once, measured in turns: the machine's load (shared,
    drifting) hits each setup alike instead of favouring whichever ran last."""
    bouncers = {
        mode: PgBouncer(folder, mode, args.port_base + offset, server, args.bouncer_pool)
        for mode, offset in (("session", 0), ("transaction", 1))
    }
    urls = {
        "direct": f"{direct}?connection_limit={args.pool}",
        "session": bouncers["session"].url(args.pool, transaction_mode=False),
        "transaction": bouncers["transaction"].url(args.pool, transaction_mode=True),
    }
    fleets: dict[str, list[App]] = {}
    rounds: dict[str, list[dict[str, Any]]] = {setup: [] for setup in urls}
    try:
        for index, (setup, url) in enumerate(urls.items()):
            ports = [args.port_base + 40 + index * args.workers + i for i in range(args.workers)]
            fleets[setup] = start_apps(folder, ports, url, direct, args.redis, f"{prefix}-{setup}")
        for turn in range(args.rounds):
            for setup, apps in fleets.items():
                load = throughput([a.base for a in apps], direct, setup, args.duration,
                                  args.connections)  # fmt: skip
                load["loadavg"] = round(os.getloadavg()[0], 1)
                rounds[setup].append(load)
                print(f"  round {turn + 1} {setup:<11} {load['rps']:>7} req/s  p50 "
                      f"{load['p50_ms']} ms  p99 {load['p99_ms']} ms  load {load['loadavg']}",
                      flush=True)  # fmt: skip
    finally:
        for apps in fleets.values():
            stop_apps(apps)
        for bouncer in bouncers.values():
            bouncer.close()
    summary = []
    for setup, loads in rounds.items():
        rates = sorted(load["rps"] for load in loads)
        summary.append(
            {
                "setup": setup,
                "rps_median": rates[len(rates) // 2],
                "rps_each": rates,
                "p50_ms_median": sorted(load["p50_ms"] for load in loads)[len(loads) // 2],
                "p99_ms_max": max(load["p99_ms"] for load in loads),
                "non2xx": sum(load["non2xx"] for load in loads),
                "loadavg_1min": [load["loadavg"] for load in loads],
            }
        )
    return summary


async def check_statement_timeout(bouncer: PgBouncer, setup: str, report: Report) -> None:
    """Through PgBouncer the startup parameter is dropped; the database's own setting holds."""
    connection = await asyncpg.connect(
        host="127.0.0.1", port=bouncer.port, user="postgres", database=DATABASE,
        statement_cache_size=0, server_settings={"statement_timeout": "1234"},
    )  # fmt: skip
    try:
        value = await connection.fetchval("SHOW statement_timeout")
    finally:
        await connection.close()
    report.check(
        setup, "statement_timeout", value == "10s",
        f"asked 1234 ms at start-up, server has {value} (ALTER DATABASE ... SET)",
    )  # fmt: skip


def check_jobs(folder: Path, setup: str, before: int, report: Report) -> int:
    """The booking's e-mails were sent by the one job worker (direct connection, LISTEN)."""
    outbox = folder / "outbox"
    deadline = time.monotonic() + 30
    count = before
    while time.monotonic() < deadline:
        count = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
        if count > before:
            break
        time.sleep(0.5)
    report.check(
        setup, "job worker e-mails", count > before,
        f"{count - before} e-mails of the booking written by the worker of process A",
    )  # fmt: skip
    return count


def check_pools(
    setup: str, args: argparse.Namespace, max_connections: int, load: dict[str, Any],
    report: Report, bouncer: PgBouncer | None,
) -> None:  # fmt: skip
    clients = args.workers * args.pool
    peak = load["peak_server_connections_app"]
    if bouncer is None:
        ok = clients <= max_connections and peak <= clients
        detail = f"{args.workers} x {args.pool} = {clients} <= max_connections {max_connections}"
    else:
        ok = clients <= bouncer.pool <= max_connections and peak <= bouncer.pool
        detail = (
            f"{args.workers} x {args.pool} = {clients} <= PgBouncer pool {bouncer.pool} "
            f"<= max_connections {max_connections}"
        )
    detail += f"; peak app connections on the server under load {peak}"
    report.check(setup, "pool arithmetic", ok, detail)


# --- the replica --------------------------------------------------------------------------


class Standby:
    """A streaming replica of `primary` made with pg_basebackup -R, on 127.0.0.1:`port`."""

    def __init__(self, primary: Postgres, folder: Path, port: int) -> None:
        self.bin = primary.bin
        self.as_owner = primary.as_owner
        home = folder / "standby"
        home.mkdir()
        if self.as_owner:
            shutil.chown(home, "postgres", "postgres")
        self.folder = home / "pgdata"
        self.log = home / "postgres.log"
        self.port = port
        subprocess.run(
            [*self.as_owner, self.bin / "pg_basebackup", "-h", "127.0.0.1", "-p",
             str(primary.port), "-U", "postgres", "-D", self.folder, "-R", "-X", "stream", "-c", "fast"],
            check=True,
        )  # fmt: skip
        subprocess.run(
            [*self.as_owner, "sh", "-c", f"cat >> '{self.folder}/postgresql.conf'"],
            input=f"\nport = {port}\nunix_socket_directories = '{home}'\n".encode(),
            check=True,
        )
        subprocess.run(
            [*self.as_owner, self.bin / "pg_ctl", "-D", self.folder, "-l", self.log, "-w", "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def close(self) -> None:
        subprocess.run(
            [*self.as_owner, self.bin / "pg_ctl", "-D", self.folder, "-m", "immediate", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
        )


async def wait_for(check: Any, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.01)
    return float("nan")


async def replica_demo(
    app: App, primary_db: str, replica_db: str, report: Report
) -> dict[str, Any]:
    setup = "replica"
    base = app.base
    figures: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=20) as client:
        pid = await provider_id(client, base)
        # 1. A write on the primary (through the app) reaches the replica: time it.
        token = await login(client, base, PROVIDER)
        text = f"Replikerad {uuid.uuid4().hex[:8]}"
        put = await client.put(
            f"{base}/api/providers/{pid}",
            json={"description": text},
            headers={"Authorization": f"Bearer {token}"},
        )

        async def on_replica() -> bool:
            rows = await sql(replica_db, 'SELECT description FROM "Provider" WHERE id = $1', pid)
            return bool(rows) and rows[0]["description"] == text

        seconds = await wait_for(on_replica, 10)
        listed = await listed_description(client, base, pid)
        report.check(
            setup, "write reaches replica", put.status_code == 200 and not math.isnan(seconds),
            f"profile PUT on the primary visible on the replica after {seconds * 1000:.0f} ms; "
            f"listing shows it: {listed == text}",
        )  # fmt: skip
        figures["visible_on_replica_ms"] = round(seconds * 1000, 1)
        lag = await sql(
            primary_db,
            "SELECT application_name, state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) "
            "AS behind_bytes, write_lag, flush_lag, replay_lag FROM pg_stat_replication",
        )
        figures["pg_stat_replication"] = [{k: str(v) for k, v in dict(row).items()} for row in lag]

        # 2. The listing is read from the replica (its own pool's connections are there).
        async def replica_pool() -> int:
            rows = await sql(
                replica_db,
                "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1",
                "equinet-app-replica",
            )
            return int(rows[0]["n"])

        listing = await client.get(f"{base}/api/providers")
        on_replica_connections = await replica_pool()
        report.check(
            setup, "listing from replica",
            listing.status_code == 200 and on_replica_connections > 0,
            f"GET /api/providers {listing.status_code}; app connections on the replica: "
            f"{on_replica_connections}",
        )  # fmt: skip
        # 3. Replay paused: the replica shows a slot free that the primary has taken.
        customer = await login(client, base, CUSTOMER)
        slot = await free_slot(client, base, 20)
        await sql(replica_db, "SELECT pg_wal_replay_pause()")
        try:
            first = await client.post(
                f"{base}/api/bookings", json=slot, headers={"Authorization": f"Bearer {customer}"}
            )
            replica_rows = await booking_rows(replica_db, slot)
            primary_rows = await booking_rows(primary_db, slot)
            second = await client.post(
                f"{base}/api/bookings", json=slot, headers={"Authorization": f"Bearer {customer}"}
            )
            paused_lag = await sql(
                primary_db,
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS b "
                "FROM pg_stat_replication",
            )
        finally:
            await sql(replica_db, "SELECT pg_wal_replay_resume()")

        async def caught_up() -> bool:
            return await booking_rows(replica_db, slot) == 1

        catch_up = await wait_for(caught_up, 10)
        report.check(
            setup, "booking never on replica",
            first.status_code == 201 and second.status_code == 409 and replica_rows == 0
            and primary_rows == 1 and not math.isnan(catch_up),
            f"replay paused: 1st POST {first.status_code}, replica rows {replica_rows}, primary "
            f"rows {primary_rows}, 2nd POST {second.status_code} (replica "
            f"{int(paused_lag[0]['b']) if paused_lag else '?'} bytes behind); resumed, caught up "
            f"in {catch_up * 1000:.0f} ms",
        )  # fmt: skip
        # A short steady figure: lag in bytes and seconds with the app idle.
        await asyncio.sleep(0.5)
        replay = await sql(
            replica_db,
            "SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp()) AS s",
        )
        figures["seconds_since_last_replayed_commit"] = str(replay[0]["s"])
    return figures


# --- main ---------------------------------------------------------------------------------


def print_table(
    report: Report,
    loads: list[dict[str, Any]],
    replica: dict[str, Any],
    interleaved: list[dict[str, Any]],
) -> None:
    print("\n## Checks\n")
    print("| setup | check | result | detail |")
    print("|---|---|---|---|")
    for c in report.checks:
        print(f"| {c.setup} | {c.name} | {'ok' if c.passed else 'FAIL'} | {c.detail} |")
    print("\n## Load during each setup's pool check (GET /api/providers/{id}, uncached)\n")
    print("| setup | req/s | p50 ms | p99 ms | non-2xx | load | peak app conns on server |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for load in loads:
        print(
            f"| {load['setup']} | {load['rps']} | {load['p50_ms']} | {load['p99_ms']} | "
            f"{load['non2xx']} | {load['wrk']} | {load['peak_server_connections_app']} |"
        )
    if interleaved:
        print("\n## Throughput, all setups running, measured in turns (GET /api/providers/{id})\n")
        print("| setup | req/s (median) | req/s each round | p50 ms (median) | p99 ms (max) "
              "| non-2xx | 1-min load per round |")  # fmt: skip
        print("|---|---:|---|---:|---:|---:|---|")
        for row in interleaved:
            print(
                f"| {row['setup']} | {row['rps_median']} | {row['rps_each']} | "
                f"{row['p50_ms_median']} | {row['p99_ms_max']} | {row['non2xx']} | "
                f"{row['loadavg_1min']} |"
            )
    if replica:
        print("\n## Replica\n")
        print(json.dumps(replica, indent=2, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server", default=os.environ.get("SCALE_DATABASE_URL",
                                           "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL the PgBouncers front (a database of its own is made there)",
    )  # fmt: skip
    parser.add_argument("--redis", default=os.environ.get("SCALE_REDIS_URL",
                                                          "redis://127.0.0.1:6379/4"))  # fmt: skip
    parser.add_argument("--workers", type=int, default=3, help="app processes")
    parser.add_argument("--pool", type=int, default=3, help="connection_limit of each process")
    parser.add_argument("--bouncer-pool", type=int, default=10, help="PgBouncer pool size")
    parser.add_argument("--race", type=int, default=12, help="concurrent bookings of one slot")
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per setup")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections per worker")
    parser.add_argument(
        "--rounds", type=int, default=3, help="turns of the side-by-side throughput (0: none)"
    )
    parser.add_argument("--port-base", type=int, default=18300)
    parser.add_argument("--setups", default="direct,session,transaction,replica")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    setups = args.setups.split(",")
    ensure_pgbouncer()
    base_port = args.port_base
    app_ports = [base_port + 10 + i for i in range(args.workers)]
    report = Report()
    loads: list[dict[str, Any]] = []
    replica_figures: dict[str, Any] = {}
    interleaved: list[dict[str, Any]] = []
    print(f"load average before: {os.getloadavg()}", flush=True)
    run_id = secrets.token_hex(4)
    server_host = re.match(r".*@([^:/]+):(\d+)", args.server)
    assert server_host, "--server needs host:port"
    with scratch_folder(args.keep) as folder:
        direct = prepare_database(args.server, folder)
        max_connections = int(asyncio.run(sql(direct, "SHOW max_connections"))[0][0])
        print(f"database {DATABASE} migrated and seeded; max_connections {max_connections}")
        try:
            mails = 0
            for index, setup in enumerate(s for s in setups if s != "replica"):
                bouncer = None
                if setup == "direct":
                    url = f"{direct}?connection_limit={args.pool}"
                else:
                    bouncer = PgBouncer(
                        folder, setup, base_port + (0 if setup == "session" else 1),
                        (server_host.group(1), int(server_host.group(2))), args.bouncer_pool,
                    )  # fmt: skip
                    url = bouncer.url(args.pool, transaction_mode=setup == "transaction")
                print(
                    f"\n{setup}: {args.workers} app processes on {app_ports} via {url}", flush=True
                )
                apps = start_apps(
                    folder, app_ports, url, direct, args.redis, f"scaleout-{run_id}-{setup}"
                )
                try:
                    bases = [app.base for app in apps]
                    asyncio.run(warm_up(bases))
                    asyncio.run(check_rate_limits(bases, setup, report))
                    trips = breaker_trips(apps)
                    report.check(
                        setup, "Redis shared throughout", trips == 0,
                        f"Redis breaker opened {trips} times during the rate-limit checks",
                    )  # fmt: skip
                    asyncio.run(check_sessions(bases, setup, report))
                    asyncio.run(check_cache(bases, setup, report))
                    check_maintenance(bases, app_env(direct, None, folder), setup, report)
                    asyncio.run(
                        check_booking_race(bases, direct, setup, report, args.race, 2 + index * 3)
                    )
                    mails = check_jobs(folder, setup, mails, report)
                    if bouncer is not None:
                        asyncio.run(check_statement_timeout(bouncer, setup, report))
                    load = throughput(bases, direct, setup, args.duration, args.connections)
                    load["loadavg"] = os.getloadavg()
                    if bouncer is not None:
                        pools = bouncer.admin("SHOW POOLS")
                        load["pgbouncer_pools"] = [
                            {k: p.get(k) for k in ("database", "cl_active", "cl_waiting", "sv_active",
                                                   "sv_idle", "sv_used", "maxwait", "pool_mode")}
                            for p in pools if p.get("database") == DATABASE
                        ]  # fmt: skip
                    loads.append(load)
                    print(f"  throughput {json.dumps(load, default=str)}", flush=True)
                    check_pools(setup, args, max_connections, load, report, bouncer)
                    tracebacks = sum(app.log_text().count("Traceback") for app in apps)
                    report.check(
                        setup, "no tracebacks", tracebacks == 0, f"{tracebacks} in app logs"
                    )
                finally:
                    stop_apps(apps)
                    if bouncer is not None:
                        bouncer.close()
            if args.rounds:
                print(
                    f"\nthroughput: every setup at once, {args.rounds} rounds in turns", flush=True
                )
                interleaved = interleaved_throughput(
                    folder, args, direct, (server_host.group(1), int(server_host.group(2))),
                    f"scaleout-{run_id}-load",
                )  # fmt: skip
            if "replica" in setups:
                print("\nreplica: own primary + pg_basebackup -R standby", flush=True)
                primary = Postgres(folder, base_port + 20)
                standby = None
                try:
                    primary.sql(f"CREATE DATABASE {DATABASE}")
                    primary_db = primary.url.rsplit("/", 1)[0] + f"/{DATABASE}"
                    env = app_env(primary_db, None, folder)
                    equinet(env, "db", "migrate")
                    equinet(env, "db", "seed")
                    standby = Standby(primary, folder, base_port + 21)
                    replica_db = standby.url.rsplit("/", 1)[0] + f"/{DATABASE}"
                    apps = start_apps(
                        folder, [base_port + 30], primary_db + "?connection_limit=3", primary_db,
                        args.redis, f"scaleout-{run_id}-replica",
                        DATABASE_REPLICA_URL=replica_db + "?connection_limit=3",
                        PROVIDER_CACHE_TTL_SECONDS="0",
                    )  # fmt: skip
                    try:
                        replica_figures = asyncio.run(
                            replica_demo(apps[0], primary_db, replica_db, report)
                        )
                    finally:
                        stop_apps(apps)
                finally:
                    if standby is not None:
                        standby.close()
                    primary.close()
        finally:
            stop_apps(list(RUNNING))
            # The database is ours alone: it goes whatever failed.
            asyncio.run(sql(args.server, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    print_table(report, loads, replica_figures, interleaved)
    print(f"\nload average after: {os.getloadavg()}")
    failed = [c for c in report.checks if not c.passed]
    print(f"\n{len(report.checks) - len(failed)} of {len(report.checks)} checks passed")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
