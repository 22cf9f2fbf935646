"""Running queued jobs inside a test's rolled-back transaction.

Most tests run in one transaction that is rolled back at the end, so no real worker can see
their jobs. `run_queued_jobs` plays the worker's part in that transaction: it runs every queued
job's registered task (the same functions `equinet worker` runs) on the test's sessionmaker and
deletes it, as the worker deletes successful jobs. The worker itself, retries and failures are
tested on committed data in tests/jobs/test_worker.py.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.jobs.registry import WorkContext, run_task
from equinet.settings import Settings

_QUEUED = text(
    "SELECT id, task_name, args FROM procrastinate_jobs WHERE status = 'todo' ORDER BY id"
)
_DONE = text("DELETE FROM procrastinate_jobs WHERE id = :id")


async def queued_jobs(db: AsyncSession) -> list[Any]:
    return list((await db.execute(_QUEUED)).all())


async def run_queued_jobs(maker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Run every queued job in order (jobs they queue included); how many ran."""
    work = WorkContext(settings=settings, sessionmaker=maker)
    ran = 0
    while True:
        async with maker() as db:
            jobs = await queued_jobs(db)
        if not jobs:
            return ran
        for job in jobs:
            await run_task(job.task_name, work, dict(job.args))
            async with maker() as db:
                await db.execute(_DONE, {"id": job.id})
                await db.commit()
            ran += 1


def jobs_after_each_response(app: FastAPI) -> dict[str, list[Any]]:
    """httpx event hooks: after every response, run what the request queued (a worker's part)."""

    async def run_jobs(response: httpx.Response) -> None:
        maker = app.state.sessionmaker
        await run_queued_jobs(maker, app.state.settings)

    return {"response": [run_jobs]}
