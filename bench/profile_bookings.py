"""App CPU per request of the booking endpoints, in one process (no server, no sockets).

POST /api/bookings (a distinct free slot per request) and GET /api/bookings as the provider
with the most bookings and as the customer with the most, through `create_app` and
`httpx.ASGITransport`, rate limits on (production limits x 1,000,000, so every request still
counts in Redis when REDIS_URL is set). Per path: statements and PostgreSQL round trips of
one request (bench/profile_wrk.py's counting), then REPEATS rounds of N requests timed by this
process's CPU time (what the machine's background load moves least), and with `--profile` a
cProfile table of one more round.

    .venv/bin/python bench/profile_bookings.py --url postgresql://... --requests 200

Loopback only; the database stamped `development`; it adds sessions and bookings of the demo
customer on far-future days (as bench/profile_wrk.py does).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from profile_hot_paths import _settings, _top  # noqa: E402
from profile_wrk import choose, counting  # noqa: E402

from equinet.app import create_app  # noqa: E402
from equinet.db.urls import is_local_host, parse_database_url  # noqa: E402

WANTED = ("POST /api/bookings", "GET /api/bookings (provider)", "GET /api/bookings (customer)")


async def slots(
    client: httpx.AsyncClient, offers: list[str], first_day: int, want: int
) -> list[str]:
    """Free slots from far-future days until `want` are found."""
    found: list[str] = []
    day_offset = first_day
    while len(found) < want:
        day = (date.today() + timedelta(days=day_offset)).isoformat()
        day_offset += 1
        for offer in offers:
            provider, service_id = offer.split()
            answer = await client.get(
                f"/api/providers/{provider}/availability",
                params={"date": day, "serviceId": service_id},
            )
            if answer.status_code != 200:
                continue
            # One slot per provider and day: two would need the travel time between them.
            for slot in answer.json()["slots"]:
                if slot["isAvailable"]:
                    body = {
                        "providerId": provider,
                        "serviceId": service_id,
                        "bookingDate": day,
                        "startTime": slot["startTime"],
                    }
                    found.append(json.dumps(body))
                    break
            if len(found) >= want:
                break
    return found


async def main(args: argparse.Namespace) -> None:
    if not is_local_host(parse_database_url(args.url).host):
        raise SystemExit("loopback databases only")
    settings = _settings(args.url, rate_limits=True)
    endpoints, offers = await choose(settings)
    endpoints = [e for e in endpoints if e.name in WANTED]
    app = create_app(settings)
    rows: list[str] = []
    profiles: list[str] = []
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            per_post = 5 + args.requests * (args.repeats + int(args.profile))
            bodies = iter(await slots(client, offers[: args.offers], args.first_day, per_post))
            for endpoint in endpoints:
                headers = {"Authorization": f"Bearer {endpoint.token}"}
                post = endpoint.method == "POST"
                if post:
                    headers["Content-Type"] = "application/json"

                async def one(
                    post: bool = post, endpoint: Any = endpoint, headers: Any = headers
                ) -> None:
                    content = next(bodies) if post else None
                    answer = await client.request(
                        endpoint.method, endpoint.path, headers=headers, content=content
                    )
                    assert answer.status_code < 300, (endpoint.name, answer.text[:300])

                for _ in range(3):
                    await one()
                with counting() as seen:
                    await one()
                statements = [
                    s for s in seen["sql"] if not s.upper().startswith(("BEGIN", "COMMIT"))
                ]
                cpu: list[float] = []
                for _ in range(args.repeats):
                    started = time.process_time()
                    for _ in range(args.requests):
                        await one()
                    cpu.append((time.process_time() - started) * 1000 / args.requests)
                rows.append(
                    f"| {endpoint.name} | {len(statements)} | {seen['trips']} "
                    f"| {statistics.median(cpu):.2f} | {min(cpu):.2f}-{max(cpu):.2f} |"
                )
                if args.profile:
                    profiler = cProfile.Profile()
                    profiler.enable()
                    for _ in range(args.requests):
                        await one()
                    profiler.disable()
                    profiles.append(f"\n=== {endpoint.name} ===\n{_top(profiler, args.top)}")
                if args.sql:
                    print(endpoint.name, *statements, sep="\n  ")
    print(f"\n{args.requests} requests x {args.repeats} rounds per path, in-process")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| path | statements | round trips | app CPU ms/request median | min-max |")
    print("|---|---:|---:|---:|---:|")
    print(*rows, sep="\n")
    print(*profiles, sep="\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="loopback DATABASE_URL")
    parser.add_argument("--requests", type=int, default=200, help="requests per round")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds per path")
    parser.add_argument("--offers", type=int, default=400, help="providers to book")
    parser.add_argument("--first-day", type=int, default=400, help="days ahead to book from")
    parser.add_argument("--top", type=int, default=30, help="functions per profile table")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sql", action="store_true", help="print each path's statements")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
