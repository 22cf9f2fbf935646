"""The worker: runs queued and periodic tasks with procrastinate until stopped.

Every worker sends a heartbeat each JOB_HEARTBEAT_SECONDS and, at start-up and then at that
pace, queues again the jobs left `doing` by a worker silent for JOB_STALLED_AFTER_SECONDS
(killed, machine lost): a restarted worker picks up what its killed predecessor held, and so
does any other worker still running. Successful jobs are deleted
as they finish (the queue stays small, and the one-time links that account e-mails carry do
not outlive their sending); failed jobs stay, visible in `equinet monitor` and `/metrics`,
until someone retries or removes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
from procrastinate import BaseRetryStrategy, JobContext, RetryDecision
from procrastinate.exceptions import ConnectorException
from procrastinate.jobs import Job

from equinet.db.engine import create_engine, create_sessionmaker, wait_for_database
from equinet.db.targets import direct_database
from equinet.db.urls import DatabaseTarget
from equinet.jobs.queue import DEFAULT_QUEUE
from equinet.jobs.registry import TaskSpec, WorkContext, load_tasks
from equinet.settings import Settings

logger = logging.getLogger("equinet.jobs")
WORK_KEY = "equinet"
PARENT_POLL_SECONDS = 2.0


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
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(target))
    app = procrastinate.App(connector=connector)
    register_tasks(app, settings)
    return app


# procrastinate writes each job's arguments into its log lines; a verification or reset
# e-mail's arguments hold a one-time token, which must never reach a log.
_SECRET_ARGUMENT = re.compile(r"""(['"]token['"]\s*:\s*)['"][^'"]*['"]""")


class RedactJobSecrets(logging.Filter):
    """Replaces the value of every `token` argument in a log line by `…`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token" in message:
            record.msg = _SECRET_ARGUMENT.sub(r"\1'…'", message)
            record.args = ()
        return True


def redact_job_secrets() -> None:
    """Install the filter on every handler of the root logger (where procrastinate's go)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactJobSecrets) for f in handler.filters):
            handler.addFilter(RedactJobSecrets())


def _work_of(context: JobContext) -> WorkContext:
    work: WorkContext = context.additional_context[WORK_KEY]
    return work


def _queued(spec: TaskSpec) -> Any:
    async def run(context: JobContext, **args: Any) -> None:
        await spec.run(_work_of(context), **args)

    return run


def _scheduled(spec: TaskSpec) -> Any:
    async def run(context: JobContext, timestamp: int) -> None:
        await spec.run(_work_of(context))

    return run


# Kept registered (no longer periodic) so that a run queued by an older worker still succeeds.
STALLED_JOBS_TASK = "retry_stalled_jobs"


async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    await requeue_stalled(context.app)


async def requeue_stalled(app: procrastinate.App, seconds_since_heartbeat: float = 20.0) -> int:
    """Put the jobs of vanished workers back in the queue (an e-mail keeps its Message-ID)."""
    manager = app.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat))
    requeued = 0
    for job in stalled:
        try:
            await manager.retry_job(job)
        except Exception as error:  # another worker requeued it first, or it just finished
            logger.info("stalled job %s not retried: %s", job.id, str(error).splitlines()[0])
            continue
        requeued += 1
        logger.warning(
            "job %s (%s) was left running by a vanished worker: retried", job.id, job.task_name
        )
    return requeued


async def recover_stalled(app: procrastinate.App, settings: Settings) -> None:
    """Requeue stalled jobs every JOB_HEARTBEAT_SECONDS, until cancelled."""
    while True:
        await asyncio.sleep(settings.job_heartbeat_seconds)
        await _requeue_quietly(app, settings)


async def _requeue_quietly(app: procrastinate.App, settings: Settings) -> None:
    try:
        await requeue_stalled(app, settings.job_stalled_after_seconds)
    except Exception as error:  # the database is away: the next round tries again
        logger.warning("stalled jobs not checked: %s", str(error).splitlines()[0])


def register_tasks(app: procrastinate.App, settings: Settings) -> None:
    strategy = backoff(settings)
    app.task(name=STALLED_JOBS_TASK, pass_context=True, queue=DEFAULT_QUEUE)(retry_stalled_jobs)
    for spec in load_tasks().values():
        if spec.cron is not None:
            scheduled = app.task(name=spec.name, pass_context=True, queue=DEFAULT_QUEUE)(
                _scheduled(spec)
            )
            app.periodic(cron=spec.cron)(scheduled)
        else:
            app.task(
                name=spec.name,
                pass_context=True,
                queue=DEFAULT_QUEUE,
                retry=strategy if spec.retry else False,
            )(_queued(spec))


async def _parent_gone(parent_pid: int) -> None:
    """Returns once `parent_pid` has exited (the worker `equinet serve` started)."""
    while True:
        await asyncio.sleep(PARENT_POLL_SECONDS)
        if os.getppid() != parent_pid:
            return


async def run_worker(
    settings: Settings,
    *,
    once: bool = False,
    concurrency: int | None = None,
    parent_pid: int | None = None,
) -> None:
    """Work through the queue: forever (until SIGINT/SIGTERM), or until it is empty (`once`)."""
    redact_job_secrets()
    target = direct_database(settings)
    concurrency = concurrency or settings.worker_concurrency
    engine = create_engine(
        target, settings, application_name="equinet-worker", pool_size=concurrency + 1
    )
    try:
        await wait_for_database(engine, settings, target)
        work = WorkContext(settings=settings, sessionmaker=create_sessionmaker(engine))
        app = procrastinate_app(settings, target)
        async with app.open_async():
            # Before the first fetch, so a restarted worker starts with what its killed
            # predecessor left running (once that one has been silent long enough).
            await _requeue_quietly(app, settings)
            recovery = asyncio.ensure_future(recover_stalled(app, settings))
            options: dict[str, Any] = {
                "concurrency": concurrency,
                "wait": not once,
                "delete_jobs": "successful",
                "additional_context": {WORK_KEY: work},
                "fetch_job_polling_interval": settings.worker_poll_seconds,
                # Ours, not procrastinate's: a stop by signal must be told from a worker that
                # ended by itself because a side task (heartbeat, listener) lost the database.
                "install_signal_handlers": False,
                "name": f"equinet-worker-{os.getpid()}",
                "update_heartbeat_interval": settings.job_heartbeat_seconds,
                "stalled_worker_timeout": settings.job_stalled_after_seconds,
            }
            worker = asyncio.ensure_future(work_through_outages(app, settings, options))
            stop_signals = () if once else (signal.SIGINT, signal.SIGTERM)
            loop = asyncio.get_running_loop()
            for stop_signal in stop_signals:  # procrastinate stops gracefully when cancelled
                loop.add_signal_handler(stop_signal, worker.cancel)
            try:
                await _work_until_done(worker, parent_pid)
            finally:
                for stop_signal in stop_signals:
                    loop.remove_signal_handler(stop_signal)
                recovery.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recovery
    finally:
        await engine.dispose()


# Backoff between restarts of a worker that lost the database, at most this long.
RESTART_MAX_SECONDS = 30.0


async def work_through_outages(
    app: procrastinate.App, settings: Settings, options: dict[str, Any]
) -> None:
    """Run procrastinate's worker, starting it again whenever it stops on a database error.

    procrastinate's worker ends on the first failed fetch, or stops when its heartbeat or
    listener fails (PostgreSQL restarting, failed over); without this the jobs of every later
    change would wait for the next deploy. A stop by signal cancels this coroutine instead.
    """
    delay = settings.db_connect_backoff_seconds
    while True:
        started = time.monotonic()
        try:
            await app.run_worker_async(**options)
            if not options["wait"]:
                return
            reason = "it stopped by itself"
        except ConnectorException as error:
            if not options["wait"]:  # `--once` reports the outage instead
                raise
            reason = str(error.__cause__ or error).strip().splitlines()[0]
        if time.monotonic() - started > RESTART_MAX_SECONDS:
            delay = settings.db_connect_backoff_seconds  # it had been working again
        logger.warning(
            "job worker lost the database (%s); starting it again in %.1f s", reason, delay
        )
        await asyncio.sleep(delay)
        delay = min(max(delay, 0.1) * 2, RESTART_MAX_SECONDS)


async def _work_until_done(worker: asyncio.Future[None], parent_pid: int | None) -> None:
    if parent_pid is None:
        with contextlib.suppress(asyncio.CancelledError):  # stopped by a signal
            await worker
        return
    watchdog = asyncio.ensure_future(_parent_gone(parent_pid))
    done, _ = await asyncio.wait({worker, watchdog}, return_when=asyncio.FIRST_COMPLETED)
    if watchdog in done:
        logger.info("the server that started this worker is gone: stopping")
        worker.cancel()
    else:
        watchdog.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker
