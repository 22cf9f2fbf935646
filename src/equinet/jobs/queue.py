"""The job queue: procrastinate on Equinet's own PostgreSQL, and `enqueue` in a transaction.

`enqueue(db, "task", **args)` inserts the job with procrastinate's own SQL function on the
request's session, so the job commits or rolls back with the change that caused it. The
worker side (`procrastinate_app`) connects with psycopg, which procrastinate speaks; jobs are
picked up at once through LISTEN/NOTIFY (sent by the insert trigger at commit), with polling
as the fallback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.urls import DatabaseTarget
from equinet.settings import Settings

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


@dataclass(frozen=True)
class Backoff(BaseRetryStrategy):
    """Exponential backoff: base, 2 x base, 4 x base ... capped, for at most `max_attempts` runs."""

    base_seconds: float
    max_seconds: float
    max_attempts: int

    def delay(self, attempts: int) -> float:
        """The wait before the run that follows `attempts` failed runs (attempts >= 0)."""
        return float(min(self.base_seconds * 2**attempts, self.max_seconds))

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if job.attempts + 1 >= self.max_attempts:
            return None  # this was the last run: the job ends as failed
        retry_at = datetime.now(UTC) + timedelta(seconds=self.delay(job.attempts))
        return RetryDecision(retry_at=retry_at)


def backoff(settings: Settings) -> Backoff:
    return Backoff(
        base_seconds=settings.job_retry_base_seconds,
        max_seconds=settings.job_retry_max_seconds,
        max_attempts=settings.job_max_attempts,
    )


def conninfo(target: DatabaseTarget, application_name: str = "equinet-worker") -> str:
    """The libpq connection string of `target` for psycopg (LISTEN needs a direct connection)."""
    url = target.url.set(drivername="postgresql").update_query_dict(
        {"application_name": application_name}
    )
    if target.ssl_mode:
        url = url.update_query_dict({"sslmode": target.ssl_mode})
    return url.render_as_string(hide_password=False)


def procrastinate_app(settings: Settings, target: DatabaseTarget) -> procrastinate.App:
    """A procrastinate App with every registered task (see equinet.jobs.registry)."""
    from equinet.jobs.worker import register_tasks

    connector = procrastinate.PsycopgConnector(conninfo=conninfo(target))
    app = procrastinate.App(connector=connector)
    register_tasks(app, settings)
    return app
