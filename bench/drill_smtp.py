"""Drill: the mail server is down for a while during bookings; afterwards every e-mail arrives
once.

What it runs, all on loopback: a scratch database on BENCH_DATABASE_URL's server (migrated,
demo data seeded), a real SMTP server (aiosmtpd) of its own, and `equinet serve` (which starts
its job worker) pointed at both. The demo customer books over HTTP at a steady pace: some
bookings with the mail server up, then it is stopped for --down seconds (default 120) while
bookings go on, then it is started again on the same port. The drill waits until the queue is
empty and counts what the SMTP server received by Message-ID: every booking's confirmation
must be there, and none twice. It also times the bookings while the mail server was down.

    python bench/drill_smtp.py [--down 120] [--rate 1.0] [--port 8102]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from drill_support import free_port

from equinet.db.targets import asyncpg_connect
from equinet.db.urls import DatabaseTarget, parse_database_url
from equinet.kit.dates import today_local
from equinet.ops import database
from equinet.ops.scratch import scratch_database
from equinet.settings import Environment, Settings

ROOT = Path(__file__).resolve().parents[1]
CUSTOMER = ("kund@test.se", "test123")


class Inbox:
    """Every message the SMTP server accepted, by Message-ID, with its arrival time."""

    def __init__(self) -> None:
        self.received: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.received.append((str(message["Message-ID"]), time.monotonic()))
        return "250 Message accepted for delivery"


def drill_settings(target: DatabaseTarget) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        equinet_env=Environment.test,
        database_url=target.url.render_as_string(hide_password=False),
    )


async def booking_slots(client: httpx.AsyncClient, providers: list[dict[str, Any]]) -> Any:
    """Free slots of the demo providers, day after day: (providerId, serviceId, date, start)."""
    day = today_local() + timedelta(days=2)
    while True:
        for provider in providers:
            for service in provider["services"][:1]:
                response = await client.get(
                    f"/api/providers/{provider['id']}/availability",
                    params={"date": day.isoformat(), "serviceId": service["id"]},
                )
                if response.status_code != 200:
                    continue
                for slot in response.json()["slots"]:
                    if slot["isAvailable"]:
                        yield provider["id"], service["id"], day.isoformat(), slot["startTime"]
                        break
        day += timedelta(days=1)


async def queue_state(target: DatabaseTarget) -> dict[str, int]:
    connection = await asyncpg_connect(target)
    try:
        rows = await connection.fetch(
            "SELECT status::text AS status, count(*) AS n, "
            "count(*) FILTER (WHERE attempts > 0) AS retried FROM procrastinate_jobs GROUP BY 1"
        )
    finally:
        await connection.close()
    state = {row["status"]: int(row["n"]) for row in rows}
    state["retrying"] = sum(int(row["retried"]) for row in rows if row["status"] == "todo")
    return state


async def drill(args: argparse.Namespace) -> int:
    server = parse_database_url(
        os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    async with scratch_database(server, "drill_smtp") as target:
        settings = drill_settings(target)
        await database.migrate(target, settings)
        await database.seed(target, settings)
        log = Path(tempfile.mkstemp(prefix="drill-smtp-serve-", suffix=".log")[1])
        env = {
            **os.environ,
            "EQUINET_ENV": "test",
            "DATABASE_URL": settings.database_url or "",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_STARTTLS": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT / "src"),
        }
        env.pop("REDIS_URL", None)
        app = subprocess.Popen(  # noqa: ASYNC220 (a drill: blocking start is fine)
            [sys.executable, "-m", "equinet", "serve", "--port", str(args.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),  # noqa: ASYNC230
        )
        base = f"http://127.0.0.1:{args.port}"
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                for _ in range(300):
                    try:
                        if (await client.get("/api/health")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.2)
                login = await client.post(
                    "/api/auth/login", json={"email": CUSTOMER[0], "password": CUSTOMER[1]}
                )
                login.raise_for_status()
                headers = {"Authorization": f"Bearer {login.json()['token']}"}
                client.cookies.clear()
                listing = (await client.get("/api/providers")).json()
                providers = (
                    listing
                    if isinstance(listing, list)
                    else next(v for v in listing.values() if isinstance(v, list))
                )
                details = [
                    (await client.get(f"/api/providers/{p['id']}")).json() for p in providers
                ]
                slots = booking_slots(client, [d for d in details if d.get("services")])

                booked: dict[str, list[float]] = {"up": [], "down": [], "back": []}
                refused = Counter[int]()
                phases = [("up", args.before), ("down", args.down), ("back", args.after)]
                peak_retrying = 0
                smtp_back_at = 0.0
                for phase, seconds in phases:
                    if phase == "down":
                        smtp.stop()
                        print(f"SMTP down for {seconds:.0f} s")
                    if phase == "back":
                        smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
                        smtp.start()
                        smtp_back_at = time.monotonic()
                        print("SMTP back")
                    until = time.monotonic() + seconds
                    while time.monotonic() < until:
                        provider_id, service_id, day, start = await anext(slots)
                        started = time.perf_counter()
                        response = await client.post(
                            "/api/bookings",
                            json={
                                "providerId": provider_id,
                                "serviceId": service_id,
                                "bookingDate": day,
                                "startTime": start,
                            },
                            headers=headers,
                        )
                        elapsed = time.perf_counter() - started
                        if response.status_code == 201:
                            booked[phase].append(elapsed)
                        else:
                            refused[response.status_code] += 1
                        if phase == "down":
                            peak_retrying = max(
                                peak_retrying, (await queue_state(target)).get("retrying", 0)
                            )
                        await asyncio.sleep(max(0.0, 1.0 / args.rate - elapsed))
                bookings = sum(len(v) for v in booked.values())
                deadline = time.monotonic() + args.settle
                while time.monotonic() < deadline:
                    state = await queue_state(target)
                    if (
                        not state.get("todo")
                        and not state.get("doing")
                        and len(inbox.received) >= bookings
                    ):
                        break
                    await asyncio.sleep(1)
                await asyncio.sleep(2)  # a late duplicate would show up here
                state = await queue_state(target)
        finally:
            app.terminate()
            app.wait(timeout=30)
            smtp.stop()
    counts = Counter(message_id for message_id, _ in inbox.received)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    after_back = [at - smtp_back_at for _, at in inbox.received if at >= smtp_back_at]

    def ms(values: list[float], q: float) -> str:
        if not values:
            return "-"
        ordered = sorted(values)
        return f"{1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]:.0f}"

    print(
        f"bookings (201): {bookings}  (mail up {len(booked['up'])}, down {len(booked['down'])}, back {len(booked['back'])}); refused: {dict(refused) or 0}"
    )
    print(
        f"booking latency p50/p95 ms: mail up {ms(booked['up'], 0.5)}/{ms(booked['up'], 0.95)}, mail down {ms(booked['down'], 0.5)}/{ms(booked['down'], 0.95)}"
    )
    print(f"jobs waiting for a retry at the peak of the outage: {peak_retrying}")
    print(
        f"e-mails received: {len(inbox.received)}, distinct Message-IDs: {len(counts)}, received twice: {duplicates}"
    )
    if after_back:
        print(f"last e-mail arrived {max(after_back):.1f} s after SMTP came back")
    print(f"queue at the end: {state}")
    ok = len(counts) == bookings and duplicates == 0 and not state.get("failed")
    print("DRILL PASSED" if ok else f"DRILL FAILED (serve log: {log})")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description="SMTP outage drill")
    parser.add_argument("--down", type=float, default=120.0, help="seconds the SMTP server is down")
    parser.add_argument("--before", type=float, default=15.0, help="seconds of bookings before")
    parser.add_argument("--after", type=float, default=15.0, help="seconds of bookings after")
    parser.add_argument("--rate", type=float, default=1.0, help="bookings per second")
    parser.add_argument(
        "--settle", type=float, default=300.0, help="max wait for the queue to drain"
    )
    parser.add_argument("--port", type=int, default=8102, help="port of the app under test")
    sys.exit(asyncio.run(drill(parser.parse_args())))


if __name__ == "__main__":
    main()
