"""Throwaway services and load for the fault drills (bench/drill_*.py), loopback only.

A drill never touches a shared server: it starts its OWN PostgreSQL (initdb into a temporary
folder, PostgreSQL's own binaries from PG_BIN_DIR or /usr/lib/postgresql/<v>/bin), its own
redis-server and its own `equinet serve`, each on a port of its own, and removes them after.
The app runs in development mode on the throwaway database, so it migrates and seeds the demo
data itself (customer kund@test.se, five providers).

    from drill_support import App, Postgres, app_env, scratch_folder
    with scratch_folder() as folder, Postgres(folder, 18103) as postgres:
        url = postgres.create_database("connection_limit=10")
        with App(folder, 8103, app_env(url, None, folder)) as app:
            ...  postgres.restart(); ...
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Self

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DRILL_DATABASE = "equinet_drill"  # the app's database in a drill's own cluster


class ClosedOnExit:
    """`with Service(...) as service:` closes the service however the block ends."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def pg_bin_dir() -> Path:
    configured = os.environ.get("PG_BIN_DIR")
    if configured:
        return Path(configured)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise SystemExit("no PostgreSQL binaries: set PG_BIN_DIR to the folder holding initdb")


class Postgres(ClosedOnExit):
    """A PostgreSQL cluster of the drill's own in `folder`, listening on 127.0.0.1:`port`."""

    def __init__(self, folder: Path, port: int, max_connections: int = 50) -> None:
        home = folder / "postgres"
        home.mkdir()
        self.folder = home / "pgdata"
        self.port = port
        self.bin = pg_bin_dir()
        self.log = home / "postgres.log"
        # PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` user.
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            folder.chmod(0o755)  # the postgres user must reach its own folder inside
            shutil.chown(home, "postgres", "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [
                *self.as_owner,
                self.bin / "initdb",
                "-D",
                self.folder,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        settings = (
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{home}'\nmax_connections = {max_connections}\n"
            "shared_buffers = 64MB\n"
        )
        subprocess.run(
            [*self.as_owner, "sh", "-c", f"cat >> '{self.folder}/postgresql.conf'"],
            input=settings.encode(),
            check=True,
        )
        self.start()

    @property
    def url(self) -> str:
        return self.database_url(database="postgres")

    def database_url(self, query: str = "", database: str = DRILL_DATABASE) -> str:
        url = f"postgresql://postgres@127.0.0.1:{self.port}/{database}"
        return f"{url}?{query}" if query else url

    def create_database(self, query: str = "", database: str = DRILL_DATABASE) -> str:
        """CREATE DATABASE `database`; its URL, with `query` (connection_limit=...) if given."""
        self.sql(f"CREATE DATABASE {database}")
        return self.database_url(query, database)

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_owner, self.bin / "pg_ctl", "-D", self.folder, "-l", self.log, "-w", *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode)

    def sql(self, statement: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [
                self.bin / "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-AtX",
                "-c",
                statement,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")


class Redis(ClosedOnExit):
    """A redis-server of the drill's own: stop()/start() kill and restart it on the same port,
    hang()/resume() SIGSTOP and SIGCONT it (the socket accepts, nothing answers)."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _redis_answers(self.port), 10, "redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def hang(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()


def _redis_answers(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(port=port, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def wait_until(check: Any, seconds: float, failure: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(failure)
        time.sleep(0.1)


class App(ClosedOnExit):
    """`equinet serve` on `port`, against the drill's database (and Redis, when given)."""

    def __init__(self, folder: Path, port: int, env: dict[str, str], workers: int = 1) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = folder / f"app-{port}.log"
        self.process = subprocess.Popen(
            [str(BIN / "equinet"), "serve", "--port", str(port), "--workers", str(workers)],
            cwd=folder,  # no project .env
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

        def healthy() -> bool:
            if self.process.poll() is not None:
                raise SystemExit(f"the app stopped:\n{self.log.read_text()[-3000:]}")
            try:
                return httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, 180, f"the app did not start:\n{self.log}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


# A drill that books hard as one customer: the rate limits far out of its reach, and slots
# bookable right up to their start.
BOOKING_LOAD = {"RATE_LIMIT_MULTIPLIER": "100000", "BOOKING_MIN_BUFFER_MINUTES": "0"}


def app_env(
    database_url: str,
    redis_url: str | None,
    folder: Path,
    *,
    booking_load: bool = False,
    **extra: str,
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "DIRECT_DATABASE", "REDIS_", "SMTP_", "RATE_LIMIT"))
    }
    env.update(
        {
            "EQUINET_ENV": "development",
            "DATABASE_URL": database_url,
            "EMAIL_OUTBOX_DIR": str(folder / "outbox"),
            "PROMETHEUS_MULTIPROC_DIR": "",
            "LOG_LEVEL": "WARNING",
            # DRILL_SRC runs the drill against another checkout (a before/after comparison).
            "PYTHONPATH": os.environ.get("DRILL_SRC") or str(ROOT / "src"),
            **(BOOKING_LOAD if booking_load else {}),
            **extra,
        }
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR")
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def scratch_folder(keep: bool = False) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="equinet-drill-"))
    try:
        yield folder
    finally:
        if keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Outcome:
    """What one request got: when, how long, which status (0: no answer), which code."""

    at: float
    seconds: float
    status: int
    code: str | None = None
    body: Any = None


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    def statuses(self) -> dict[str, int]:
        counts = Counter(
            f"{o.status} {o.code}" if o.code and o.status >= 400 else str(o.status)
            for o in self.outcomes
        )
        return dict(sorted(counts.items()))

    def server_errors(self) -> int:
        return sum(1 for o in self.outcomes if o.status >= 500 and o.status not in (503, 504))

    def http_500s(self) -> int:
        return sum(1 for o in self.outcomes if o.status == 500)

    def latency(self, since: float | None = None, until: float | None = None) -> dict[str, float]:
        times = [
            o.seconds
            for o in self.outcomes
            if (since is None or o.at >= since) and (until is None or o.at < until)
        ]
        if not times:
            return {"n": 0}
        times.sort()

        def pick(q: float) -> float:
            return round(times[min(len(times) - 1, int(q * len(times)))] * 1000, 1)

        return {
            "n": len(times),
            "p50_ms": pick(0.5),
            "p95_ms": pick(0.95),
            "max_ms": round(times[-1] * 1000, 1),
            "mean_ms": round(statistics.fmean(times) * 1000, 1),
        }

    def error_window(self, bad: Any) -> float:
        """Seconds from the first to the last answer `bad` picks out (0 without any)."""
        marked = [o for o in self.outcomes if bad(o)]
        if not marked:
            return 0.0
        return round(max(o.at + o.seconds for o in marked) - min(o.at for o in marked), 2)


async def timed(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> Outcome:
    started = time.monotonic()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        return Outcome(started, time.monotonic() - started, 0, type(error).__name__)
    code = None
    body: Any = None
    with contextlib.suppress(ValueError):
        body = response.json()
        if isinstance(body, dict):
            code = body.get("code")
    return Outcome(started, time.monotonic() - started, response.status_code, code, body)


async def login(base: str, email: str = "kund@test.se", password: str = "test123") -> str:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.post("/api/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        return str(response.json()["token"])


async def free_slots(base: str, token: str, days: int) -> list[dict[str, Any]]:
    """Non-overlapping free slots of every demo provider over the next `days` days."""
    found: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        listing = (await client.get("/api/providers", params={"limit": 50})).json()
        for listed in listing["data"]:
            provider = (await client.get(f"/api/providers/{listed['id']}")).json()
            service = min(provider["services"], key=lambda s: s["durationMinutes"])
            for offset in range(1, days + 1):
                day = (date.today() + timedelta(days=offset)).isoformat()
                answer = await client.get(
                    f"/api/providers/{provider['id']}/availability",
                    params={"date": day, "serviceId": service["id"]},
                )
                if answer.status_code != 200:
                    continue
                free_after = ""
                for slot in answer.json()["slots"]:
                    if slot["isAvailable"] and slot["startTime"] >= free_after:
                        found.append(
                            {
                                "providerId": provider["id"],
                                "serviceId": service["id"],
                                "bookingDate": day,
                                "startTime": slot["startTime"],
                            }
                        )
                        free_after = slot["endTime"]
    return found


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
