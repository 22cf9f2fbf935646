"""Drill: a statement runs past the statement timeout and is cancelled.

Starts its own PostgreSQL and its own `equinet serve` (demo data) with a short
`DB_STATEMENT_TIMEOUT_MS` (1 s by default) and a small pool, then runs hot requests from
CONCURRENCY clients (a provider's availability, anonymous, and bookings as kund@test.se) in
three phases:

    baseline | "Booking" locked | after the lock

The middle phase is a realistic cause of a long statement: a separate connection holds
`LOCK TABLE "Booking" IN ACCESS EXCLUSIVE MODE` (what an `ALTER TABLE` of a migration takes)
for HOLD seconds, so every statement that reads or writes bookings waits on the lock until
PostgreSQL cancels it. It checks:

* while the lock is held every hot request answers 504 `DATABASE_TIMEOUT` within twice the
  timeout plus MARGIN seconds (a booking first takes its provider's advisory lock, where it
  may wait up to one timeout behind another booking stuck on the table, then waits on the
  table itself); no answer is a 500, none goes unanswered;
* PostgreSQL then holds no backend of the app still running (or idle in a transaction after)
  a cancelled statement, although the lock is still held;
* after the lock, every request succeeds (no 5xx, no `DATABASE_BUSY`), the p95 is back near
  the baseline's, and the pool is whole: `equinet_db_pool_checked_out` is 0 at rest, and a
  burst of POOL requests at once is served without a wait for a connection.

    .venv/bin/python bench/drill_statement_timeout.py --timeout-ms 1000 --hold 8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
from drill_support import App, Postgres, Tally, app_env, free_slots, login, scratch_folder, timed

APP_BACKENDS = (
    "SELECT count(*) FILTER (WHERE state = 'active') AS active, "
    "count(*) FILTER (WHERE state LIKE 'idle in transaction%') AS idle_in_transaction, "
    "count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting_on_lock, "
    "count(*) AS connections "
    "FROM pg_stat_activity WHERE application_name = 'equinet-app'"
)


async def hot_load(
    app: App,
    token: str,
    targets: dict[str, Any],
    slots: list[dict[str, Any]],
    stop_at: float,
    concurrency: int,
    tally: Tally,
    bookings: Tally | None = None,
) -> None:
    """Availability reads and bookings, alternately, from `concurrency` clients."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=app.base, timeout=30) as client:

        async def loop(offset: int) -> None:
            turn = offset
            while time.monotonic() < stop_at:
                if turn % 2 == 0 or not slots:
                    outcome = await timed(
                        client, "GET", targets["availability"], params=targets["params"]
                    )
                else:
                    outcome = await timed(
                        client,
                        "POST",
                        "/api/bookings",
                        json=slots.pop(),
                        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                    )
                    if bookings is not None:
                        bookings.add(outcome)
                tally.add(outcome)
                turn += 1

        await asyncio.gather(*(loop(i) for i in range(concurrency)))


async def pool_checked_out(base: str) -> float | None:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        text = (await client.get("/metrics")).text
    found = re.search(r"^equinet_db_pool_checked_out(?:\{[^}]*\})? ([0-9.e+-]+)$", text, re.M)
    return float(found.group(1)) if found else None


async def backends(connection: asyncpg.Connection) -> dict[str, int]:
    row = await connection.fetchrow(APP_BACKENDS)
    return {key: int(value) for key, value in dict(row).items()}


async def waiting_statements(connection: asyncpg.Connection, after: float) -> dict[str, int]:
    """What the app's backends are waiting on, `after` seconds in: statement -> backends."""
    await asyncio.sleep(after)
    rows = await connection.fetch(
        "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS statement, count(*) AS n "
        "FROM pg_stat_activity WHERE application_name = 'equinet-app' AND state = 'active' "
        "GROUP BY 1 ORDER BY 2 DESC"
    )
    return {row["statement"]: int(row["n"]) for row in rows}


async def drill(app: App, postgres: Postgres, args: argparse.Namespace) -> dict[str, Any]:
    token = await login(app.base)
    slots = await free_slots(app.base, token, args.days)
    async with httpx.AsyncClient(base_url=app.base, timeout=10) as client:
        provider = (await client.get("/api/providers")).json()["data"][0]["id"]
        detail = (await client.get(f"/api/providers/{provider}")).json()
    targets = {
        "availability": f"/api/providers/{provider}/availability",
        "params": {
            "date": (date.today() + timedelta(days=3)).isoformat(),
            "serviceId": detail["services"][0]["id"],
        },
    }
    timeout_s = args.timeout_ms / 1000
    database_url = postgres.database_url()
    observer = await asyncpg.connect(database_url)
    locker = await asyncpg.connect(database_url)
    try:
        baseline = Tally()
        began = time.monotonic()
        await hot_load(
            app, token, targets, slots, began + args.baseline, args.concurrency, baseline
        )

        locked = Tally()
        locked_bookings = Tally()
        transaction = locker.transaction()
        await transaction.start()
        await locker.execute('LOCK TABLE "Booking" IN ACCESS EXCLUSIVE MODE')
        lock_taken = time.monotonic()
        sample = asyncio.create_task(waiting_statements(observer, args.hold / 2))
        await hot_load(
            app,
            token,
            targets,
            slots,
            lock_taken + args.hold,
            args.concurrency,
            locked,
            locked_bookings,
        )
        load_done = time.monotonic()
        waiting_mid_lock = await sample
        # Still under the lock: the cancelled statements must be gone from PostgreSQL.
        await asyncio.sleep(0.5)
        under_lock = await backends(observer)
        checked_out_under_lock = await pool_checked_out(app.base)
        await transaction.rollback()
        lock_released = time.monotonic()

        after = Tally()
        await hot_load(
            app,
            token,
            targets,
            slots,
            time.monotonic() + args.after,
            args.concurrency,
            after,
        )
        await asyncio.sleep(0.5)
        at_rest = await backends(observer)
        checked_out_at_rest = await pool_checked_out(app.base)
        # A leaked connection would make one of these wait for the pool (DATABASE_BUSY).
        burst = Tally()
        async with httpx.AsyncClient(base_url=app.base, timeout=30) as client:
            for outcome in await asyncio.gather(
                *(
                    timed(client, "GET", targets["availability"], params=targets["params"])
                    for _ in range(args.pool)
                )
            ):
                burst.add(outcome)
    finally:
        await locker.close()
        await observer.close()

    locked_answers = locked.outcomes
    timeouts = [o for o in locked_answers if o.status == 504 and o.code == "DATABASE_TIMEOUT"]
    slowest_locked = max((o.seconds for o in locked_answers), default=0.0)
    baseline_p95 = baseline.latency().get("p95_ms", 0.0)
    after_p95 = after.latency().get("p95_ms", 0.0)
    every = Tally(baseline.outcomes + locked.outcomes + after.outcomes + burst.outcomes)
    return {
        "drill": "statement_timeout",
        "statement_timeout_ms": args.timeout_ms,
        "pool": args.pool,
        "concurrency": args.concurrency,
        "lock_held_s": round(lock_released - lock_taken, 2),
        "phases": {
            "baseline": {"statuses": baseline.statuses(), "latency": baseline.latency()},
            "locked": {
                "statuses": locked.statuses(),
                "latency": locked.latency(),
                "latency_of_bookings": locked_bookings.latency(),
            },
            "after": {"statuses": after.statuses(), "latency": after.latency()},
            "burst_of_pool_size": {"statuses": burst.statuses(), "latency": burst.latency()},
        },
        "locked_requests": len(locked_answers),
        "locked_answered_database_timeout": len(timeouts),
        "slowest_locked_answer_s": round(slowest_locked, 2),
        "allowed_s": 2 * timeout_s + args.margin,
        "error_window_s": locked.error_window(lambda o: o.status >= 500 or o.status == 0),
        "last_answer_after_load_s": round(load_done - lock_taken - args.hold, 2),
        "app_statements_waiting_mid_lock": waiting_mid_lock,
        "app_backends_under_lock_after_load": under_lock,
        "app_backends_at_rest": at_rest,
        "pool_checked_out_under_lock_after_load": checked_out_under_lock,
        "pool_checked_out_at_rest": checked_out_at_rest,
        "http_500": every.http_500s(),
        "unanswered": sum(1 for o in every.outcomes if o.status == 0),
        "database_busy_after": sum(
            1 for o in after.outcomes + burst.outcomes if o.code == "DATABASE_BUSY"
        ),
        "after_all_succeeded": all(200 <= o.status < 300 for o in after.outcomes + burst.outcomes),
        "p95_after_within": after_p95 <= max(baseline_p95 * 2, baseline_p95 + 100),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout-ms", type=int, default=1000, help="DB_STATEMENT_TIMEOUT_MS")
    parser.add_argument("--hold", type=float, default=8, help="seconds the lock is held")
    parser.add_argument("--baseline", type=float, default=6)
    parser.add_argument("--after", type=float, default=6)
    parser.add_argument(
        "--margin", type=float, default=0.5, help="seconds allowed past 2 x the timeout"
    )
    parser.add_argument("--pool", type=int, default=5, help="connection_limit of the app")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--days", type=int, default=30, help="days ahead to book")
    parser.add_argument("--app-port", type=int, default=8104)
    parser.add_argument("--pg-port", type=int, default=18104)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()

    with scratch_folder(args.keep) as folder, Postgres(folder, args.pg_port) as postgres:
        url = postgres.create_database(f"connection_limit={args.pool}&pool_timeout=2")
        env = app_env(
            url,
            None,
            folder,
            booking_load=True,
            DB_STATEMENT_TIMEOUT_MS=str(args.timeout_ms),
            SERVE_WORKER="false",
        )
        with App(folder, args.app_port, env) as app:
            result = asyncio.run(drill(app, postgres, args))
        result["app_log_tracebacks"] = app.log_text().count("Traceback")
    under_lock = result["app_backends_under_lock_after_load"]
    result["passed"] = (
        result["locked_requests"] > 0
        and result["locked_answered_database_timeout"] == result["locked_requests"]
        and result["slowest_locked_answer_s"] <= result["allowed_s"]
        and result["http_500"] == 0
        and result["unanswered"] == 0
        and under_lock["active"] == 0
        and under_lock["idle_in_transaction"] == 0
        and result["app_backends_at_rest"]["idle_in_transaction"] == 0
        and result["pool_checked_out_at_rest"] in (0, None)
        and result["database_busy_after"] == 0
        and result["after_all_succeeded"]
        and result["p95_after_within"]
        and result["app_log_tracebacks"] == 0
    )
    print(json.dumps(result, indent=2))
    raise SystemExit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
