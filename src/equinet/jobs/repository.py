"""All SQL that reads the queue's state: jobs by status, the failed ones, for monitor and /metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Every status procrastinate knows, so a state with no jobs still shows as 0.
JOB_STATES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")

_EXISTS = text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
_COUNTS = text(
    "SELECT status::text AS status, count(*) AS jobs, "
    "count(*) FILTER (WHERE status = 'todo' AND attempts > 0) AS retrying "
    "FROM procrastinate_jobs GROUP BY status"
)
_FAILED = text(
    """
    SELECT j.id, j.task_name, j.attempts, j.args ->> 'kind' AS kind,
           (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id) AS failed_at
    FROM procrastinate_jobs j
    WHERE j.status = 'failed'
    ORDER BY j.id DESC
    LIMIT :limit
    """
)


@dataclass(frozen=True)
class FailedJob:
    id: int
    task_name: str
    attempts: int
    kind: str | None
    failed_at: datetime | None


@dataclass
class QueueReport:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(JOB_STATES, 0))
    # Waiting for another run after a failure (status todo, attempts > 0).
    retrying: int = 0
    failed: list[FailedJob] = field(default_factory=list)
    installed: bool = True


async def queue_counts(connection: AsyncConnection) -> QueueReport | None:
    """Jobs by status; None when the queue's tables do not exist (database not at head)."""
    if not await connection.scalar(_EXISTS):
        return None
    report = QueueReport()
    for row in await connection.execute(_COUNTS):
        report.counts[row.status] = int(row.jobs)
        report.retrying += int(row.retrying)
    return report


async def queue_report(connection: AsyncConnection, *, failed_limit: int = 10) -> QueueReport:
    report = await queue_counts(connection)
    if report is None:
        return QueueReport(installed=False)
    report.failed = [
        FailedJob(
            id=int(row.id),
            task_name=row.task_name,
            attempts=int(row.attempts),
            kind=row.kind,
            failed_at=row.failed_at,
        )
        for row in await connection.execute(_FAILED, {"limit": failed_limit})
    ]
    return report
