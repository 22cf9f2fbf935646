"""Drill: the connection pool runs out under a burst of bookings.

Starts its own PostgreSQL and its own `equinet serve` with a pool of POOL connections and a
short pool timeout, then fires bursts of CONCURRENCY booking requests at once (distinct free
slots, each with a session: the rate limiter's session lookup needs a connection too). A
request that cannot get a connection in time must be a 503 `DATABASE_BUSY` with Retry-After,
quickly; none may be a 500, none may hang. It reports the statuses, the latency and the
slowest answer against the pool timeout.

    .venv/bin/python bench/drill_pool.py --pool 2 --pool-timeout 0.3 --concurrency 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from typing import Any

import httpx
from drill_support import App, Postgres, Tally, app_env, free_slots, login, scratch_folder, timed


async def drill(app: App, args: argparse.Namespace) -> dict[str, Any]:
    token = await login(app.base)
    slots = await free_slots(app.base, token, args.days)
    tally = Tally()
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=args.concurrency + 10)
    async with httpx.AsyncClient(
        base_url=app.base, timeout=30, headers=headers, limits=limits
    ) as client:
        for _ in range(args.bursts):
            burst = [slots.pop() for _ in range(min(args.concurrency, len(slots)))]
            outcomes = await asyncio.gather(
                *(
                    timed(
                        client,
                        "POST",
                        "/api/bookings",
                        json=slot,
                        headers={"Idempotency-Key": str(uuid.uuid4())},
                    )
                    for slot in burst
                )
            )
            for outcome in outcomes:
                tally.add(outcome)
            await asyncio.sleep(0.5)
    slowest = max(o.seconds for o in tally.outcomes)
    return {
        "drill": "pool_exhaustion",
        "pool": args.pool,
        "pool_timeout_s": args.pool_timeout,
        "concurrency": args.concurrency,
        "bursts": args.bursts,
        "requests": len(tally.outcomes),
        "statuses": tally.statuses(),
        "http_500": tally.http_500s(),
        "database_busy": sum(1 for o in tally.outcomes if o.code == "DATABASE_BUSY"),
        "latency": tally.latency(),
        "slowest_s": round(slowest, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=2, help="connection_limit of the app")
    parser.add_argument("--pool-timeout", type=float, default=0.3, help="seconds")
    parser.add_argument("--concurrency", type=int, default=60, help="requests per burst")
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--app-port", type=int, default=8103)
    parser.add_argument("--pg-port", type=int, default=18103)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()

    with scratch_folder(args.keep) as folder, Postgres(folder, args.pg_port) as postgres:
        url = postgres.create_database(
            f"connection_limit={args.pool}&pool_timeout={args.pool_timeout}"
        )
        env = app_env(url, None, folder, booking_load=True)
        with App(folder, args.app_port, env) as app:
            result = asyncio.run(drill(app, args))
        result["app_log_tracebacks"] = app.log_text().count("Traceback")
    # "No hang": the slowest answer waited for the pool at most a few times its timeout.
    result["passed"] = (
        result["http_500"] == 0
        and result["database_busy"] > 0
        and result["slowest_s"] < args.pool_timeout * 3 + 5
        and result["app_log_tracebacks"] == 0
    )
    print(json.dumps(result, indent=2))
    raise SystemExit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
