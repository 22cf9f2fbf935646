"""Drill: PostgreSQL restarts in the middle of booking load.

Starts its own PostgreSQL, its own `equinet serve` (demo data) and books distinct free slots
as kund@test.se from CONCURRENCY clients, each request with an Idempotency-Key that the client
keeps when it retries (after a 503/504 or no answer), as a well-behaved client does. At
RESTART_AT seconds PostgreSQL is restarted (`pg_ctl restart -m fast`). Afterwards it checks,
in the database itself:

* every booking acknowledged with 2xx exists;
* no slot is booked twice and no idempotency key produced two bookings;
* no answer was a 500 (503/504 while the database is away are the documented answers);
* the job worker `equinet serve` started lived through the restart: the queue drains and
  every stored booking's confirmation is in the outbox;

and reports the error window (first to last 503/504/unanswered request) and the latency.

    .venv/bin/python bench/drill_postgres_restart.py --duration 40 --restart-at 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from email import message_from_bytes
from typing import Any

import httpx
from drill_support import (
    DRILL_DATABASE,
    App,
    Outcome,
    Postgres,
    Tally,
    app_env,
    free_slots,
    login,
    scratch_folder,
    timed,
)


async def book_until(
    base: str,
    token: str,
    slots: list[dict[str, Any]],
    stop_at: float,
    concurrency: int,
    tally: Tally,
    acknowledged: dict[str, str],
) -> None:
    queue = list(reversed(slots))
    headers = {"Authorization": f"Bearer {token}"}

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=15, headers=headers) as client:
            while queue and time.monotonic() < stop_at:
                slot = queue.pop()
                key = str(uuid.uuid4())
                retry_until = stop_at + 20
                while True:
                    outcome: Outcome = await timed(
                        client, "POST", "/api/bookings", json=slot, headers={"Idempotency-Key": key}
                    )
                    tally.add(outcome)
                    if outcome.status in (0, 503, 504) and time.monotonic() < retry_until:
                        await asyncio.sleep(0.25)
                        continue
                    break
                if 200 <= outcome.status < 300 and isinstance(outcome.body, dict):
                    acknowledged[key] = outcome.body["id"]

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))


def drain_queue(postgres: Postgres, seconds: float) -> dict[str, int]:
    """Waits until the job worker has sent every queued e-mail; the jobs left, by state."""
    deadline = time.monotonic() + seconds
    while True:
        rows = postgres.sql(
            "SELECT status, count(*) FROM procrastinate_jobs WHERE task_name = 'send_email' "
            "GROUP BY status",
            DRILL_DATABASE,
        )
        left = {line.split("|")[0]: int(line.split("|")[1]) for line in rows.splitlines()}
        if (not left.get("todo") and not left.get("doing")) or time.monotonic() > deadline:
            return left
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=40, help="seconds of booking load")
    parser.add_argument("--restart-at", type=float, default=15, help="restart after N seconds")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--days", type=int, default=45, help="days ahead to book")
    parser.add_argument("--mode", default="fast", help="pg_ctl restart mode (fast, immediate)")
    parser.add_argument("--app-port", type=int, default=8103)
    parser.add_argument("--pg-port", type=int, default=18103)
    parser.add_argument(
        "--settle", type=float, default=90, help="max wait for the worker to send every e-mail"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()

    with scratch_folder(args.keep) as folder, Postgres(folder, args.pg_port) as postgres:
        url = postgres.create_database("connection_limit=10")
        env = app_env(url, None, folder, booking_load=True, DB_POOL_TIMEOUT_SECONDS="2")
        with App(folder, args.app_port, env) as app:
            result = asyncio.run(drill(app, postgres, args))
            result["queue_after"] = drain_queue(postgres, args.settle)
        result["emails_sent"] = len(
            {
                message_from_bytes(path.read_bytes())["Message-ID"]
                for path in (folder / "outbox").glob("*.eml")
            }
        )
        log = app.log_text()
        result["app_log_tracebacks"] = log.count("Traceback")
        customer = postgres.sql(
            "SELECT id FROM \"User\" WHERE email = 'kund@test.se'", DRILL_DATABASE
        )
        stored = postgres.sql(
            f'SELECT id FROM "Booking" WHERE "customerId" = \'{customer}\'', DRILL_DATABASE
        ).split()
        twice = postgres.sql(
            'SELECT count(*) FROM (SELECT 1 FROM "Booking" WHERE status IN '
            "('pending','confirmed') GROUP BY \"providerId\", \"bookingDate\", "
            '"startTime" HAVING count(*) > 1) AS doubled',
            DRILL_DATABASE,
        )
    acknowledged = result.pop("acknowledged")
    ids = list(acknowledged.values())
    result.update(
        {
            "bookings_acknowledged": len(ids),
            "acknowledged_missing": len(set(ids) - set(stored)),
            "acknowledged_ids_repeated": len(ids) - len(set(ids)),
            "slots_booked_twice": int(twice),
            "bookings_stored": len(stored),
            "stored_not_acknowledged": len(set(stored) - set(ids)),
        }
    )
    result["passed"] = (
        result["acknowledged_missing"] == 0
        and result["slots_booked_twice"] == 0
        and result["acknowledged_ids_repeated"] == 0
        and result["http_500"] == 0
        # The job worker lived through the restart: every booking's e-mail went out.
        and not result["queue_after"]
        and result["emails_sent"] >= result["bookings_stored"]
    )
    print(json.dumps(result, indent=2))
    raise SystemExit(0 if result["passed"] else 1)


async def drill(app: App, postgres: Postgres, args: argparse.Namespace) -> dict[str, Any]:
    token = await login(app.base)
    slots = await free_slots(app.base, token, args.days)
    tally = Tally()
    acknowledged: dict[str, str] = {}
    started = time.monotonic()
    load = asyncio.create_task(
        book_until(
            app.base,
            token,
            slots,
            started + args.duration,
            args.concurrency,
            tally,
            acknowledged,
        )
    )
    await asyncio.sleep(args.restart_at)
    restart_began = time.monotonic()
    await asyncio.to_thread(postgres.restart, args.mode)
    restart_done = time.monotonic()
    await load

    def unavailable(o: Outcome) -> bool:
        return o.status == 0 or o.status >= 500

    return {
        "drill": "postgres_restart",
        "duration_s": args.duration,
        "concurrency": args.concurrency,
        "restart_mode": args.mode,
        "slots_offered": len(slots),
        "requests": len(tally.outcomes),
        "statuses": tally.statuses(),
        "http_500": tally.http_500s(),
        "restart_took_s": round(restart_done - restart_began, 2),
        "error_window_s": tally.error_window(unavailable),
        "latency_before_restart": tally.latency(until=restart_began),
        "latency_after_restart": tally.latency(since=restart_done + 5),
        "acknowledged": acknowledged,
    }


if __name__ == "__main__":
    main()
