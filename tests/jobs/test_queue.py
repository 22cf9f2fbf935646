"""A job exists exactly when its change committed; the worker runs it, retries it with backoff
under the same Message-ID, and leaves a job that keeps failing visible as failed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Request
from procrastinate.exceptions import ConnectorException
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.accounts import service as accounts
from equinet.accounts.schemas import RegisterIn
from equinet.app import create_app
from equinet.db.session import DbSession
from equinet.db.urls import DatabaseTarget
from equinet.jobs.queue import enqueue
from equinet.jobs.repository import queue_report
from equinet.jobs.worker import (
    Backoff,
    procrastinate_app,
    requeue_stalled,
    run_worker,
    work_through_outages,
)
from equinet.kit.email import SEND_EMAIL_TASK
from equinet.kit.errors import EquinetError
from equinet.models import User
from equinet.ops.monitor import AppReport, database_report, evaluate_rules
from equinet.settings import Settings
from tests.accounts.conftest import free_port
from tests.accounts.helpers import STRONG_PASSWORD
from tests.conftest import make_settings
from tests.jobs.conftest import FlakyMailbox

JOB_OF_EMAIL = text(
    "SELECT id, status::text AS status, attempts, scheduled_at, args FROM procrastinate_jobs "
    "WHERE task_name = 'send_email' AND args -> 'params' ->> 'user_id' = :user_id"
)


def registration(email: str) -> dict[str, Any]:
    return {
        "email": email,
        "password": STRONG_PASSWORD,
        "firstName": "Stina",
        "lastName": "Ryttare",
        "userType": "customer",
    }


def worker_settings(target: DatabaseTarget, smtp_port: int, **overrides: Any) -> Settings:
    return make_settings(
        target,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_starttls=False,
        **overrides,
    )


async def jobs_of(maker: async_sessionmaker[AsyncSession], user_id: str) -> list[Any]:
    async with maker() as db:
        return list((await db.execute(JOB_OF_EMAIL, {"user_id": user_id})).all())


async def user_id_of(maker: async_sessionmaker[AsyncSession], email: str) -> str | None:
    async with maker() as db:
        found: str | None = await db.scalar(select(User.id).where(User.email == email))
        return found


async def until_due(maker: async_sessionmaker[AsyncSession], user_id: str) -> None:
    """Sleep until the user's e-mail job is due again (its backoff is over), not a fixed time."""
    [job] = await jobs_of(maker, user_id)
    await asyncio.sleep(max(0.0, (job.scheduled_at - datetime.now(UTC)).total_seconds()) + 0.2)


async def register_committed(maker: async_sessionmaker[AsyncSession], settings: Settings) -> str:
    """A registration committed the way a request commits it; the new user's id."""
    email = f"kund-{uuid.uuid4().hex[:8]}@example.se"
    async with maker() as db:
        user = await accounts.register(db, settings, RegisterIn.model_validate(registration(email)))
        await db.commit()
        return user.id


@pytest.fixture
async def committing_app(queue_database: DatabaseTarget) -> AsyncIterator[FastAPI]:
    """The real app on the jobs database: each request commits or rolls back for real."""
    application = create_app(make_settings(queue_database))

    async def register_then_fail(request: Request, db: DbSession) -> None:
        await accounts.register(
            db, request.app.state.settings, RegisterIn.model_validate(await request.json())
        )
        raise EquinetError("något annat gick fel efteråt", code="LATER_FAILURE")

    application.add_api_route("/test/register-then-fail", register_then_fail, methods=["POST"])
    async with LifespanManager(application):
        yield application


async def test_a_job_exists_exactly_when_its_change_committed(
    committing_app: FastAPI, committing: async_sessionmaker[AsyncSession]
) -> None:
    count = text("SELECT count(*) FROM procrastinate_jobs")
    async with committing() as db:
        before = await db.scalar(count)
    transport = httpx.ASGITransport(app=committing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        failed = await client.post(
            "/test/register-then-fail", json=registration("rullas-tillbaka@example.se")
        )
        async with committing() as db:
            after_failure = await db.scalar(count)
        committed = await client.post(
            "/api/auth/register", json=registration("blir-kvar@example.se")
        )

    assert failed.status_code == 400
    assert await user_id_of(committing, "rullas-tillbaka@example.se") is None
    assert after_failure == before  # the rolled-back request left no job behind

    assert committed.status_code == 201
    user_id = await user_id_of(committing, "blir-kvar@example.se")
    assert user_id is not None
    [job] = await jobs_of(committing, user_id)
    assert job.status == "todo"
    assert job.args["kind"] == "verification"
    assert job.args["message_id"].endswith("@equinet.se>")


async def test_the_worker_picks_up_a_committed_job_and_delivers_the_mail(
    queue_database: DatabaseTarget, committing: async_sessionmaker[AsyncSession]
) -> None:
    mailbox = FlakyMailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = worker_settings(queue_database, port)
        user_id = await register_committed(committing, settings)
        [job] = await jobs_of(committing, user_id)

        await run_worker(settings, once=True)
    finally:
        controller.stop()

    # Every queued job ran (earlier tests' too), each once; ours carries the queued Message-ID.
    ids = [m["Message-ID"] for m in mailbox.accepted]
    assert len(ids) == len(set(ids))
    [message] = [m for m in mailbox.accepted if m["Message-ID"] == job.args["message_id"]]
    assert message["Subject"] == "Verifiera din e-post - Equinet"
    assert await jobs_of(committing, user_id) == []  # done jobs are deleted


async def test_a_failing_smtp_send_is_retried_with_backoff_then_delivered_once(
    queue_database: DatabaseTarget, committing: async_sessionmaker[AsyncSession]
) -> None:
    port = free_port()  # nothing listens here yet: the mail server is down
    settings = worker_settings(queue_database, port, job_retry_base_seconds=1.0)
    user_id = await register_committed(committing, settings)
    [queued] = await jobs_of(committing, user_id)

    await run_worker(settings, once=True)
    [first] = await jobs_of(committing, user_id)
    assert (first.status, first.attempts) == ("todo", 1)
    wait = (first.scheduled_at - datetime.now(UTC)).total_seconds()
    assert 0 < wait <= 1.0

    await run_worker(settings, once=True)  # not due yet: the backoff is respected
    assert (await jobs_of(committing, user_id))[0].attempts == 1

    await asyncio.sleep(wait + 0.2)
    await run_worker(settings, once=True)  # due, and the server is still down
    [second] = await jobs_of(committing, user_id)
    assert (second.status, second.attempts) == ("todo", 2)
    assert 1.0 < (second.scheduled_at - datetime.now(UTC)).total_seconds() <= 2.0  # doubled

    # The server comes back but refuses the next delivery once (451), then accepts.
    mailbox = FlakyMailbox(refusals=1)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for _ in range(3):
            await until_due(committing, user_id)
            await run_worker(settings, once=True)
            if mailbox.accepted:
                break
    finally:
        controller.stop()

    message_id = queued.args["message_id"]
    assert mailbox.attempts == [message_id, message_id]  # the same Message-ID on every try
    assert [m["Message-ID"] for m in mailbox.accepted] == [message_id]
    assert await jobs_of(committing, user_id) == []


async def test_a_poisoned_job_ends_failed_and_shows_in_monitor_and_metrics(
    queue_database: DatabaseTarget,
    committing: async_sessionmaker[AsyncSession],
    committing_app: FastAPI,
) -> None:
    settings = worker_settings(
        queue_database, free_port(), job_max_attempts=2, job_retry_base_seconds=0.1
    )
    async with committing() as db:
        job_id = await enqueue(
            db,
            SEND_EMAIL_TASK,
            kind="no_such_kind",
            params={},
            message_id="<poison@equinet.se>",
            language="sv",
        )
        await db.commit()

    await run_worker(settings, once=True)
    await asyncio.sleep(0.3)
    await run_worker(settings, once=True)

    async with committing() as db:
        connection = await db.connection()
        report = await queue_report(connection)
        health = await database_report(connection)
    failed = [job for job in report.failed if job.id == job_id]
    assert failed and failed[0].attempts == 2 and failed[0].kind == "no_such_kind"
    assert report.counts["failed"] >= 1
    rules = {rule.name: rule for rule in evaluate_rules(settings, health, AppReport(url="-"))}
    assert rules["failed_jobs"].breached

    transport = httpx.ASGITransport(app=committing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        body = (await client.get("/metrics")).text
    line = next(x for x in body.splitlines() if x.startswith('equinet_jobs{state="failed"}'))
    assert float(line.split()[-1]) == report.counts["failed"]

    async with committing() as db:  # leave the shared jobs database without failures
        await db.execute(text("DELETE FROM procrastinate_jobs WHERE id = :id"), {"id": job_id})
        await db.commit()


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    backoff = Backoff(base_seconds=2, max_seconds=60, max_attempts=15)
    assert [backoff.delay(n) for n in range(7)] == [2, 4, 8, 16, 32, 60, 60]


async def test_no_job_count_changes_without_a_commit(
    committing: async_sessionmaker[AsyncSession],
) -> None:
    async with committing() as db:
        before = await db.scalar(text("SELECT count(*) FROM procrastinate_jobs"))
        await enqueue(db, SEND_EMAIL_TASK, kind="verification", params={}, message_id="<x@y>")
        assert await db.scalar(text("SELECT count(*) FROM procrastinate_jobs")) == before + 1
        await db.rollback()
    async with committing() as db:
        assert (
            await db.scalar(select(func.count()).select_from(text("procrastinate_jobs"))) == before
        )


async def test_a_job_left_running_by_a_vanished_worker_is_run_again(
    queue_database: DatabaseTarget, committing: async_sessionmaker[AsyncSession]
) -> None:
    mailbox = FlakyMailbox()
    port = free_port()
    settings = worker_settings(queue_database, port)
    user_id = await register_committed(committing, settings)
    [job] = await jobs_of(committing, user_id)
    async with committing() as db:  # a worker took the job, then died: no heartbeat since
        dead_worker = await db.scalar(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat) "
                "VALUES (now() - interval '10 minutes') RETURNING id"
            )
        )
        await db.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w WHERE id = :id"),
            {"w": dead_worker, "id": job.id},
        )
        await db.commit()

    app = procrastinate_app(settings, queue_database)
    async with app.open_async():
        assert await requeue_stalled(app) == 1
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        await run_worker(settings, once=True)
    finally:
        controller.stop()

    assert job.args["message_id"] in [m["Message-ID"] for m in mailbox.accepted]
    assert await jobs_of(committing, user_id) == []


async def leave_running(
    maker: async_sessionmaker[AsyncSession], job_id: int, heartbeat_seconds_ago: int
) -> int:
    """Mark `job_id` as taken by a worker whose last heartbeat is that old; the worker's id."""
    async with maker() as db:
        worker_id = await db.scalar(
            text(
                "INSERT INTO procrastinate_workers (last_heartbeat) "
                "VALUES (now() - make_interval(secs => :ago)) RETURNING id"
            ),
            {"ago": heartbeat_seconds_ago},
        )
        await db.execute(
            text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :w WHERE id = :id"),
            {"w": worker_id, "id": job_id},
        )
        await db.commit()
        return int(worker_id)


async def test_a_restarted_worker_first_sends_what_a_killed_one_left_running(
    queue_database: DatabaseTarget, committing: async_sessionmaker[AsyncSession]
) -> None:
    mailbox = FlakyMailbox()
    port = free_port()
    settings = worker_settings(queue_database, port)
    user_id = await register_committed(committing, settings)
    [job] = await jobs_of(committing, user_id)
    # Killed mid-send: silent for longer than JOB_STALLED_AFTER_SECONDS, the job still `doing`.
    await leave_running(committing, job.id, int(settings.job_stalled_after_seconds) + 5)

    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        await run_worker(settings, once=True)  # nothing else requeues it
    finally:
        controller.stop()

    assert [m["Message-ID"] for m in mailbox.accepted] == [job.args["message_id"]]
    assert await jobs_of(committing, user_id) == []


async def test_the_running_jobs_of_a_worker_still_beating_are_left_alone(
    queue_database: DatabaseTarget, committing: async_sessionmaker[AsyncSession]
) -> None:
    settings = worker_settings(queue_database, free_port())
    user_id = await register_committed(committing, settings)
    [job] = await jobs_of(committing, user_id)
    worker_id = await leave_running(committing, job.id, int(settings.job_heartbeat_seconds))

    app = procrastinate_app(settings, queue_database)
    async with app.open_async():
        requeued = await requeue_stalled(app, settings.job_stalled_after_seconds)
    [still] = await jobs_of(committing, user_id)
    async with committing() as db:  # the other tests of this module need an empty queue
        await db.execute(text("DELETE FROM procrastinate_jobs WHERE id = :id"), {"id": job.id})
        await db.execute(text("DELETE FROM procrastinate_workers WHERE id = :w"), {"w": worker_id})
        await db.commit()

    assert requeued == 0
    assert (still.status, still.attempts) == ("doing", 0)


def test_a_heartbeat_too_close_to_the_stall_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="JOB_STALLED_AFTER_SECONDS"):
        Settings(_env_file=None, job_heartbeat_seconds=10, job_stalled_after_seconds=15)  # type: ignore[call-arg]


class LosesTheDatabaseOnce:
    """Stands in for procrastinate's App: its worker ends on a database error the first time,
    stops by itself (a failed heartbeat) the second time, and is then stopped by a signal."""

    def __init__(self) -> None:
        self.runs = 0

    async def run_worker_async(self, **options: Any) -> None:
        self.runs += 1
        if self.runs == 1:
            raise ConnectorException("the database system is shutting down")
        if self.runs == 3 or not options["wait"]:
            raise asyncio.CancelledError  # what a SIGTERM does to the worker


async def test_a_worker_that_lost_the_database_is_started_again() -> None:
    app = LosesTheDatabaseOnce()
    settings = Settings(_env_file=None, db_connect_backoff_seconds=0)  # type: ignore[call-arg]
    with pytest.raises(asyncio.CancelledError):
        await work_through_outages(app, settings, {"wait": True})  # type: ignore[arg-type]
    assert app.runs == 3


async def test_a_worker_run_once_reports_the_lost_database() -> None:
    app = LosesTheDatabaseOnce()
    settings = Settings(_env_file=None, db_connect_backoff_seconds=0)  # type: ignore[call-arg]
    with pytest.raises(ConnectorException):
        await work_through_outages(app, settings, {"wait": False})  # type: ignore[arg-type]
    assert app.runs == 1
