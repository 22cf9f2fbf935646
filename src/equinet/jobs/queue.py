"""The job queue: procrastinate on Equinet's own PostgreSQL, and `enqueue` in a transaction.

`enqueue(db, "task", **args)` inserts the job with procrastinate's own SQL function on the
request's session, so the job commits or rolls back with the change that caused it. The
worker side (`equinet.jobs.worker.procrastinate_app`) connects with psycopg, which procrastinate
speaks; jobs are picked up at once through LISTEN/NOTIFY (sent by the insert trigger at commit),
with polling as the fallback. This module imports neither: a web worker that only enqueues does
not carry procrastinate and psycopg (11 MB).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

DEFAULT_QUEUE = "default"
# The queue's own tables; internal to the worker, never read by API roles (RLS on, no policy).
QUEUE_TABLES = (
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
)

_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW("
    "CAST(:queue AS varchar), CAST(:task AS varchar), CAST(:priority AS integer), "
    "NULL::text, NULL::text, CAST(:args AS jsonb), NULL::timestamptz"
    ")::procrastinate_job_to_defer_v1]))"
)


async def enqueue(
    db: AsyncSession, task_name: str, *, queue: str = DEFAULT_QUEUE, priority: int = 0, **args: Any
) -> int:
    """Queue `task_name(**args)` in `db`'s transaction; the job's id. Args must be JSON values."""
    job_id = await db.scalar(
        _DEFER,
        {"queue": queue, "task": task_name, "priority": priority, "args": json.dumps(args)},
    )
    assert job_id is not None
    return int(job_id)
