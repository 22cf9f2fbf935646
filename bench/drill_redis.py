"""Drill: Redis stopped, then hung (SIGSTOP), while the app serves load.

Starts its own PostgreSQL, its own redis-server and its own `equinet serve` (demo data,
listing cache and rate limits in Redis), then runs read load (provider listings, a provider's
page, availability) from CONCURRENCY clients through five phases:

    baseline | Redis stopped (killed) | recovery | Redis hung (SIGSTOP) | recovery

Redis is restarted on the same port after its stop, and resumed (SIGCONT) after its hang.
In every phase a probe makes 8 failed logins for a fresh e-mail address: the login limit
(5 per e-mail) must still answer 429 from the sixth on, Redis or not. It reports per phase:
statuses, latency (p50/p95/max), the probe's answers; and over the whole run the number of 5xx,
the app's WARNING lines about Redis and its tracebacks.

Passes when there is no 5xx, every probe is refused from its sixth attempt, the p95 of
each outage phase stays within the baseline's p95 plus REDIS_TIMEOUT_SECONDS (plus a 50 ms
allowance for a busy machine), and the app saw two outages: the hang must meet a Redis the app
had taken back (probe every 5 s, then 12 s of per-process counting beside it), or the hung
phase would only prolong the first outage; hence a 40 s recovery by default.

    .venv/bin/python bench/drill_redis.py --outage 60        # the full drill
    .venv/bin/python bench/drill_redis.py --outage 20 --baseline 10 --recovery 35
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

import httpx
from drill_support import App, Postgres, Redis, Tally, app_env, scratch_folder, timed

LOGIN_LIMIT = 5
REDIS_TIMEOUT_SECONDS = 0.25


async def read_load(base: str, stop_at: float, concurrency: int, tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        listing = (await client.get("/api/providers")).json()["data"]
        provider = listing[0]["id"]
        detail = (await client.get(f"/api/providers/{provider}")).json()
        service = detail["services"][0]["id"]
        day = time.strftime("%Y-%m-%d", time.localtime(time.time() + 7 * 86400))
        paths = [
            ("/api/providers", {}),
            ("/api/providers", {"city": "Göteborg"}),
            (f"/api/providers/{provider}", {}),
            (f"/api/providers/{provider}/availability", {"date": day, "serviceId": service}),
        ]

        async def loop(offset: int) -> None:
            index = offset
            while time.monotonic() < stop_at:
                path, params = paths[index % len(paths)]
                tally.add(await timed(client, "GET", path, params=params))
                index += 1

        await asyncio.gather(*(loop(i) for i in range(concurrency)))


async def login_probe(base: str) -> list[int]:
    """Eight wrong passwords for a fresh address: 401 x 5, then 429."""
    email = f"probe-{uuid.uuid4().hex[:8]}@example.se"
    statuses = []
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        for _ in range(8):
            answer = await client.post(
                "/api/auth/login", json={"email": email, "password": "fel-fel-fel-1"}
            )
            statuses.append(answer.status_code)
    return statuses


async def phase(
    name: str, seconds: float, app: App, concurrency: int, tally: Tally, start: Any = None
) -> dict[str, Any]:
    if start is not None:
        await asyncio.to_thread(start)
    began = time.monotonic()
    load = asyncio.create_task(read_load(app.base, began + seconds, concurrency, tally))
    await asyncio.sleep(min(2.0, seconds / 4))  # the probe runs inside the phase
    probe = await login_probe(app.base)
    await load
    part = Tally([o for o in tally.outcomes if o.at >= began])
    return {
        "phase": name,
        "seconds": seconds,
        "requests": len(part.outcomes),
        "statuses": part.statuses(),
        "latency": part.latency(),
        "login_probe": probe,
        "login_limit_held": probe == [401] * LOGIN_LIMIT + [429] * (8 - LOGIN_LIMIT),
    }


async def drill(app: App, redis: Redis, args: argparse.Namespace) -> dict[str, Any]:
    tally = Tally()
    phases = [await phase("baseline", args.baseline, app, args.concurrency, tally)]
    phases.append(
        await phase("redis stopped", args.outage, app, args.concurrency, tally, redis.stop)
    )
    phases.append(await phase("recovery", args.recovery, app, args.concurrency, tally, redis.start))
    phases.append(await phase("redis hung", args.outage, app, args.concurrency, tally, redis.hang))
    phases.append(
        await phase(
            "recovery after hang", args.recovery, app, args.concurrency, tally, redis.resume
        )
    )
    baseline_p95 = phases[0]["latency"].get("p95_ms", 0.0)
    allowed = baseline_p95 + REDIS_TIMEOUT_SECONDS * 1000 + 50
    return {
        "drill": "redis",
        "concurrency": args.concurrency,
        "phases": phases,
        "http_5xx": sum(1 for o in tally.outcomes if o.status >= 500 or o.status == 0),
        "p95_allowed_ms": round(allowed, 1),
        "latency_within_timeouts": all(
            p["latency"].get("p95_ms", 0.0) <= allowed for p in phases[1:]
        ),
        "login_limit_held": all(p["login_limit_held"] for p in phases),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=60, help="seconds stopped, then hung")
    parser.add_argument("--baseline", type=float, default=20)
    parser.add_argument("--recovery", type=float, default=40, help="seconds between outages")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--app-port", type=int, default=8103)
    parser.add_argument("--pg-port", type=int, default=18103)
    parser.add_argument("--redis-port", type=int, default=18113)
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()

    with (
        scratch_folder(args.keep) as folder,
        Postgres(folder, args.pg_port) as postgres,
        Redis(folder, args.redis_port) as redis,
    ):
        url = postgres.create_database()
        env = app_env(
            url,
            redis.url,
            folder,
            # The read load must not trip the per-IP API limit; login keeps its real 5.
            RATE_LIMITS=json.dumps({"api": "1000000/minute", "loginIp": "100000/minute"}),
            REDIS_TIMEOUT_SECONDS=str(REDIS_TIMEOUT_SECONDS),
        )
        with App(folder, args.app_port, env) as app:
            result = asyncio.run(drill(app, redis, args))
        log = app.log_text()
    result["app_log_redis_warnings"] = [
        line.strip()[:160] for line in log.splitlines() if "Redis" in line and "WARNING" in line
    ]
    result["app_log_tracebacks"] = log.count("Traceback")
    result["outages_seen"] = log.count("Redis unreachable")
    result["passed"] = (
        result["http_5xx"] == 0
        and result["outages_seen"] == 2
        and result["login_limit_held"]
        and result["latency_within_timeouts"]
        and result["app_log_tracebacks"] == 0
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))
    raise SystemExit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
