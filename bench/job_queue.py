"""Job queues on PostgreSQL, measured side by side: procrastinate and pgqueuer.

For each queue, on a scratch database of BENCH_DATABASE_URL (default: the local server):
  * enqueue latency inside a transaction that also writes a row, on one asyncpg connection
    (what a request does: the job commits with its change), p50/p95 over --latency-jobs;
  * throughput: --jobs committed no-op jobs, then one worker (concurrency 4) drains them.

pgqueuer is not a dependency of Equinet; to include it, install it somewhere apart, e.g.
`pip install --target /tmp/pgq --no-deps pgqueuer` and run with PYTHONPATH=/tmp/pgq.

    python bench/job_queue.py [--jobs 2000] [--latency-jobs 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg

from equinet.db.targets import asyncpg_connect
from equinet.db.urls import DatabaseTarget, parse_database_url
from equinet.jobs.worker import conninfo
from equinet.ops.scratch import scratch_database

DEFER = (
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW($1::varchar, $2::varchar, 0, "
    "NULL::text, NULL::text, $3::jsonb, NULL::timestamptz)::procrastinate_job_to_defer_v1]))"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def latency(
    connection: asyncpg.Connection, enqueue: Callable[[int], Awaitable[Any]], count: int
) -> tuple[float, float]:
    await connection.execute(
        "CREATE TABLE IF NOT EXISTS change (id int PRIMARY KEY, at timestamptz)"
    )
    timings = []
    for i in range(count):
        async with connection.transaction():
            await connection.execute("INSERT INTO change VALUES ($1, now())", i)
            started = time.perf_counter()
            await enqueue(i)
            timings.append((time.perf_counter() - started) * 1000)
    await connection.execute("DROP TABLE change")
    return percentile(timings, 0.5), percentile(timings, 0.95)


async def bench_procrastinate(
    target: DatabaseTarget, jobs: int, latency_jobs: int
) -> dict[str, Any]:
    import procrastinate
    from procrastinate.schema import SchemaManager

    connection = await asyncpg_connect(target)
    await connection.execute(SchemaManager.get_schema())
    p50, p95 = await latency(
        connection,
        lambda i: connection.fetchval(DEFER, "default", "noop", json.dumps({"i": i})),
        latency_jobs,
    )
    await connection.execute("DELETE FROM procrastinate_jobs")
    for i in range(jobs):
        await connection.fetchval(DEFER, "default", "noop", json.dumps({"i": i}))
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(target)))
    done = 0

    @app.task(name="noop")
    async def noop(i: int) -> None:
        nonlocal done
        done += 1

    async with app.open_async():
        started = time.perf_counter()
        await app.run_worker_async(
            wait=False, concurrency=4, delete_jobs="successful", install_signal_handlers=False
        )
        elapsed = time.perf_counter() - started
    await connection.close()
    assert done == jobs, (done, jobs)
    return {"queue": "procrastinate", "p50_ms": p50, "p95_ms": p95, "jobs_per_s": jobs / elapsed}


async def bench_pgqueuer(target: DatabaseTarget, jobs: int, latency_jobs: int) -> dict[str, Any]:
    from pgqueuer import AsyncpgDriver, Queries, QueueManager
    from pgqueuer.types import QueueExecutionMode

    connection = await asyncpg_connect(target)
    queries = Queries(AsyncpgDriver(connection))
    await queries.install()
    p50, p95 = await latency(
        connection,
        lambda i: queries.enqueue("noop", json.dumps({"i": i}).encode()),
        latency_jobs,
    )
    await connection.execute("DELETE FROM pgqueuer")
    for i in range(jobs):
        await queries.enqueue("noop", json.dumps({"i": i}).encode())
    worker_connection = await asyncpg_connect(target)
    manager = QueueManager(Queries(AsyncpgDriver(worker_connection)))
    done = 0

    @manager.entrypoint("noop")
    async def noop(job: Any) -> None:
        nonlocal done
        done += 1

    started = time.perf_counter()
    await manager.run(
        mode=QueueExecutionMode.drain,
        batch_size=10,
        dequeue_timeout=timedelta(seconds=1),
        max_concurrent_tasks=20,
    )
    elapsed = time.perf_counter() - started
    await worker_connection.close()
    await connection.close()
    assert done == jobs, (done, jobs)
    return {"queue": "pgqueuer", "p50_ms": p50, "p95_ms": p95, "jobs_per_s": jobs / elapsed}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--latency-jobs", type=int, default=500)
    args = parser.parse_args()
    server = parse_database_url(
        os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    results = []
    async with scratch_database(server, "bench_procrastinate") as target:
        results.append(await bench_procrastinate(target, args.jobs, args.latency_jobs))
    try:
        import pgqueuer  # noqa: F401
    except ImportError:
        print("pgqueuer not importable: measured procrastinate only")
    else:
        async with scratch_database(server, "bench_pgqueuer") as target:
            results.append(await bench_pgqueuer(target, args.jobs, args.latency_jobs))
    print(f"{'queue':<14} {'enqueue p50 ms':>15} {'enqueue p95 ms':>15} {'drain jobs/s':>13}")
    for row in results:
        print(
            f"{row['queue']:<14} {row['p50_ms']:>15.3f} {row['p95_ms']:>15.3f} "
            f"{row['jobs_per_s']:>13.0f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
