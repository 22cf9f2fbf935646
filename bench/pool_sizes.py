"""Pool tuning (design document P2): throughput, latency and pool waits per pool size.

For each pool size (`connection_limit`), WORKERS asyncio workers hammer the database for a
fixed time through `equinet.db.engine.create_engine` (the app's engine: no overflow, the real
pool timeout, statement timeout, pre-ping) with the app's mix:

* search   - providers near a point (the `providers.search_near` hot query)
* calendar - a provider's bookings over four weeks (`bookings.for_provider`)
* book     - the booking write path: advisory lock on the provider, overlap check, INSERT,
             then ROLLBACK (the database is left as it was)

It reports operations per second, latency p50/p95/p99, the wait for a pooled connection
(`engine.connect()` until the connection is ours) and how many operations failed with
DatabaseBusy (the pool timeout, which the app turns into 503) or another error.

    .venv/bin/python bench/pool_sizes.py --url postgresql://postgres@127.0.0.1:5432/equinet_scale

The database needs Equinet data (`equinet db seed --scale N`). Loopback only: the numbers mean
nothing across a network we do not control, and a load test must never hit a shared server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from equinet.bookings.locks import lock_key
from equinet.db.engine import create_engine
from equinet.db.urls import is_local_host, parse_database_url
from equinet.kit.errors import classify_database_error
from equinet.kit.geo import bounding_box
from equinet.ops.hot_queries_catalog import BOOKINGS_FOR_PROVIDER, PROVIDER_SEARCH_NEAR
from equinet.settings import Settings

MIX = (("search", 0.45), ("calendar", 0.35), ("book", 0.20))
SEARCH_RADIUS_KM = 25.0

OVERLAP = """
SELECT EXISTS (
    SELECT 1 FROM "Booking"
    WHERE "providerId" = :provider_id AND "bookingDate" = :booking_date
      AND status IN ('pending', 'confirmed')
      AND "startTime" < :end_time AND "endTime" > :start_time
)
"""
INSERT = """
INSERT INTO "Booking" (id, "customerId", "providerId", "serviceId", "bookingDate", "startTime",
                       "endTime", status, "createdAt", "updatedAt")
VALUES (:id, :customer_id, :provider_id, :service_id, :booking_date, :start_time, :end_time,
        'pending', now(), now())
"""


@dataclass
class Fixtures:
    """Ids and places drawn from the data once, so that each operation is one round of SQL."""

    providers: list[tuple[str, str]]  # provider id, one of its service ids
    customers: list[str]
    places: list[tuple[float, float]]
    today: datetime


@dataclass
class SizeResult:
    pool_size: int
    workers: int
    seconds: float
    operations: int = 0
    ops_per_second: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)  # p50, p95, p99
    pool_wait_ms: dict[str, float] = field(default_factory=dict)  # mean, p50, p95, p99
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)  # count, p95
    busy: int = 0  # DatabaseBusy: no pooled connection within pool_timeout
    errors: dict[str, int] = field(default_factory=dict)


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


async def load_fixtures(engine: AsyncEngine) -> Fixtures:
    async with engine.connect() as connection:
        providers = [
            (str(r[0]), str(r[1]))
            for r in await connection.execute(
                text(
                    'SELECT DISTINCT ON (p.id) p.id, s.id FROM "Provider" p '
                    'JOIN "Service" s ON s."providerId" = p.id AND s."isActive" '
                    'WHERE p."isActive" ORDER BY p.id, s.id LIMIT 2000'
                )
            )
        ]
        customers = [
            str(r[0])
            for r in await connection.execute(
                text('SELECT id FROM "User" WHERE "userType" = \'customer\' LIMIT 2000')
            )
        ]
        places = [
            (float(r[0]), float(r[1]))
            for r in await connection.execute(
                text(
                    'SELECT latitude, longitude FROM "User" WHERE "userType" = \'customer\' '
                    "AND latitude IS NOT NULL LIMIT 2000"
                )
            )
        ]
    if not providers or not customers or not places:
        sys.exit("the database has no Equinet data: run `equinet db seed --scale N` first")
    now = datetime.now(UTC)
    return Fixtures(providers, customers, places, datetime(now.year, now.month, now.day))


async def search(engine: AsyncEngine, rng: random.Random, fx: Fixtures) -> float:
    latitude, longitude = rng.choice(fx.places)
    box = bounding_box(latitude, longitude, SEARCH_RADIUS_KM)
    started = time.perf_counter()
    async with engine.connect() as connection:
        waited = time.perf_counter() - started
        await connection.execute(
            text(PROVIDER_SEARCH_NEAR),
            {
                "latitude": latitude,
                "longitude": longitude,
                "radius_km": SEARCH_RADIUS_KM,
                "min_latitude": box.min_latitude,
                "max_latitude": box.max_latitude,
                "min_longitude": box.min_longitude,
                "max_longitude": box.max_longitude,
            },
        )
        await connection.rollback()
    return waited


async def calendar(engine: AsyncEngine, rng: random.Random, fx: Fixtures) -> float:
    provider_id, _ = rng.choice(fx.providers)
    start = fx.today + timedelta(days=rng.randint(-90, 90))
    started = time.perf_counter()
    async with engine.connect() as connection:
        waited = time.perf_counter() - started
        await connection.execute(
            text(BOOKINGS_FOR_PROVIDER),
            {
                "provider_id": provider_id,
                "date_from": start,
                "date_to": start + timedelta(days=28),
                "statuses": ["pending", "confirmed", "completed"],
            },
        )
        await connection.rollback()
    return waited


async def book(engine: AsyncEngine, rng: random.Random, fx: Fixtures) -> float:
    # A few hundred providers take the writes, so some writers queue on the same lock, as
    # popular providers make them do in production.
    provider_id, service_id = rng.choice(fx.providers[:300])
    day = fx.today + timedelta(days=rng.randint(1, 60))
    hour = rng.randint(8, 16)
    values = {
        "id": str(uuid4()),
        "customer_id": rng.choice(fx.customers),
        "provider_id": provider_id,
        "service_id": service_id,
        "booking_date": day,
        "start_time": f"{hour:02d}:00",
        "end_time": f"{hour + 1:02d}:00",
    }
    started = time.perf_counter()
    async with engine.connect() as connection:
        waited = time.perf_counter() - started
        transaction = await connection.begin()
        try:
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"),
                {"key": lock_key("provider", provider_id)},
            )
            taken = (await connection.execute(text(OVERLAP), values)).scalar()
            if not taken:
                await connection.execute(text(INSERT), values)
        finally:
            await transaction.rollback()  # measure the path, leave the data as it was
    return waited


OPERATIONS = {"search": search, "calendar": calendar, "book": book}


async def run_size(
    url: str, settings: Settings, fx: Fixtures, pool_size: int, workers: int, seconds: float
) -> SizeResult:
    target = parse_database_url(url)
    target = parse_database_url(
        target.url.update_query_dict(
            {
                "connection_limit": str(pool_size),
                "pool_timeout": str(settings.db_pool_timeout_seconds),
            }
        ).render_as_string(hide_password=False)
    )
    engine = create_engine(target, settings, application_name=f"equinet-bench-pool-{pool_size}")
    latencies: dict[str, list[float]] = {kind: [] for kind in OPERATIONS}
    waits: list[float] = []
    errors: Counter[str] = Counter()
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]

    async def warm_up() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.05)  # hold it, so that the pool opens every connection

    await asyncio.gather(*(warm_up() for _ in range(pool_size)))
    deadline = time.perf_counter() + seconds

    async def worker(number: int) -> None:
        rng = random.Random(f"pool-{pool_size}-{number}")
        while time.perf_counter() < deadline:
            kind = rng.choices(kinds, weights)[0]
            started = time.perf_counter()
            try:
                waited = await OPERATIONS[kind](engine, rng, fx)
            except (sa_exc.SQLAlchemyError, OSError) as error:
                errors[classify_database_error(error).code] += 1
                continue
            latencies[kind].append((time.perf_counter() - started) * 1000)
            waits.append(waited * 1000)

    began = time.perf_counter()
    try:
        await asyncio.gather(*(worker(n) for n in range(workers)))
    finally:
        await engine.dispose()
    elapsed = time.perf_counter() - began
    every = [value for values in latencies.values() for value in values]
    result = SizeResult(pool_size, workers, round(elapsed, 1))
    result.operations = len(every)
    result.ops_per_second = round(len(every) / elapsed, 1)
    result.latency_ms = {k: round(v, 1) for k, v in percentiles(every).items()}
    result.pool_wait_ms = {
        "mean": round(statistics.fmean(waits), 1) if waits else 0.0,
        **{k: round(v, 1) for k, v in percentiles(waits).items()},
    }
    result.by_kind = {
        kind: {"count": len(values), "p95": round(percentiles(values)["p95"], 1)}
        for kind, values in latencies.items()
    }
    result.busy = errors.pop("DatabaseBusy", 0)
    result.errors = dict(errors)
    return result


def markdown(results: list[SizeResult]) -> str:
    lines = [
        "| pool size | ops/s | p50 ms | p95 ms | p99 ms | pool wait mean / p95 ms "
        "| book p95 ms | DatabaseBusy | other errors |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.pool_size} | {r.ops_per_second:,.0f} | {r.latency_ms['p50']} "
            f"| {r.latency_ms['p95']} | {r.latency_ms['p99']} "
            f"| {r.pool_wait_ms['mean']} / {r.pool_wait_ms['p95']} "
            f"| {r.by_kind['book']['p95']} | {r.busy} "
            f"| {', '.join(f'{k} {v}' for k, v in r.errors.items()) or '0'} |"
        )
    return "\n".join(lines)


async def main(arguments: argparse.Namespace) -> list[SizeResult]:
    target = parse_database_url(arguments.url)
    if not is_local_host(target.host):
        sys.exit(f"refusing to load {target.host}: this benchmark runs on loopback only")
    settings = Settings(_env_file=None, database_url=arguments.url)  # type: ignore[call-arg]
    if arguments.pool_timeout is not None:
        settings = settings.model_copy(update={"db_pool_timeout_seconds": arguments.pool_timeout})
    loader = create_engine(target, settings, application_name="equinet-bench-pool")
    try:
        fixtures = await load_fixtures(loader)
    finally:
        await loader.dispose()
    print(
        f"{target.describe()}: {arguments.workers} workers, {arguments.seconds:.0f} s per size, "
        f"pool timeout {settings.db_pool_timeout_seconds} s, mix "
        + ", ".join(f"{kind} {weight:.0%}" for kind, weight in MIX),
        flush=True,
    )
    results = []
    for size in arguments.sizes:
        result = await run_size(
            arguments.url, settings, fixtures, size, arguments.workers, arguments.seconds
        )
        results.append(result)
        print(
            f"pool {size:>3}: {result.ops_per_second:>7,.0f} ops/s  p50 {result.latency_ms['p50']}"
            f"  p95 {result.latency_ms['p95']}  p99 {result.latency_ms['p99']} ms  "
            f"pool wait mean {result.pool_wait_ms['mean']} ms  busy {result.busy}  "
            f"errors {result.errors or 0}",
            flush=True,
        )
    print()
    print(markdown(results))
    return results


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL"),
        help="database with Equinet data (default: $BENCH_DATABASE_URL, then $DATABASE_URL)",
    )
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[2, 5, 10, 20],
        help="pool sizes to try, comma-separated (default 2,5,10,20)",
    )
    parser.add_argument("--workers", type=int, default=50, help="concurrent workers (50)")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per size (15)")
    parser.add_argument(
        "--pool-timeout",
        type=float,
        default=None,
        help="seconds (default: DB_POOL_TIMEOUT_SECONDS)",
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    arguments = parser.parse_args(argv)
    if not arguments.url:
        parser.error("give --url or set BENCH_DATABASE_URL")
    return arguments


if __name__ == "__main__":
    options = parse_arguments()
    measured = asyncio.run(main(options))
    if options.json:
        Path(options.json).write_text(json.dumps([asdict(r) for r in measured], indent=2))
