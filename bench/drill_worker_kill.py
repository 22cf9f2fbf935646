"""Drill: the job worker is killed (SIGKILL) in the middle of a batch of e-mails.

Starts its own PostgreSQL and its own `equinet serve` without a job worker (demo data), books
BOOKINGS distinct free slots as kund@test.se (each booking queues its confirmation e-mail),
then stops the server: the batch is the queue's `send_email` jobs, each with the Message-ID
chosen when it was queued. A real SMTP server of the drill's own (aiosmtpd) accepts each
message after SMTP_DELAY seconds of "processing", as a busy mail server does; a message whose
sender vanishes before the server accepted it is not delivered.

`equinet worker` is started; half a message after the KILL_AFTERth e-mail arrived it gets
SIGKILL, with jobs in flight (`doing`), and a new `equinet worker` is started at once. The drill waits until the
queue is empty and checks what the SMTP server accepted, by Message-ID:

* every queued job's e-mail arrived (distinct Message-IDs = jobs, the same set);
* none arrived twice, except (reported apart) a message the server had accepted in the very
  moment of the kill, before the killed worker could mark its job done: the at-least-once
  window, closed by the stable Message-ID that the receiver de-duplicates;
* the jobs left `doing` by the killed worker were queued again by the new one (its log says
  so) and none ended `failed`.

    .venv/bin/python bench/drill_worker_kill.py --bookings 60 --kill-after 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiosmtpd.controller import Controller
from drill_support import (
    BIN,
    App,
    Postgres,
    app_env,
    free_port,
    free_slots,
    login,
    scratch_folder,
    wait_until,
)

SEND_EMAIL = "send_email"


class SlowInbox:
    """Accepts each message after `delay` seconds; records it only when it is accepted."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.received: list[tuple[str, float]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # aiosmtpd cancels this handler when the client goes away during the wait.
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.received.append((str(message["Message-ID"]), time.monotonic()))
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self._lock:
            return len(self.received)


async def book(base: str, token: str, slots: list[dict[str, Any]], concurrency: int) -> int:
    booked = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:

        async def loop() -> None:
            nonlocal booked
            while slots:
                answer = await client.post(
                    "/api/bookings",
                    json=slots.pop(),
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
                booked += answer.status_code == 201

        await asyncio.gather(*(loop() for _ in range(concurrency)))
    return booked


async def email_jobs(url: str) -> list[dict[str, Any]]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT id, status::text AS status, attempts, worker_id, "
            "args ->> 'message_id' AS message_id FROM procrastinate_jobs WHERE task_name = $1",
            SEND_EMAIL,
        )
    finally:
        await connection.close()
    return [dict(row) for row in rows]


class Worker:
    def __init__(self, folder: Path, env: dict[str, str], name: str) -> None:
        self.log = folder / f"worker-{name}.log"
        self.process = subprocess.Popen(
            [str(BIN / "equinet"), "worker"],
            cwd=folder,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=60, help="bookings, one e-mail each")
    parser.add_argument("--kill-after", type=int, default=20, help="e-mails before the kill")
    parser.add_argument("--smtp-delay", type=float, default=0.3, help="seconds per message")
    parser.add_argument(
        "--kill-offset", type=float, default=-1, help="seconds after the trigger (-1: half a delay)"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="WORKER_CONCURRENCY")
    parser.add_argument("--settle", type=float, default=120, help="max wait for the queue")
    parser.add_argument("--days", type=int, default=30, help="days ahead to book")
    parser.add_argument("--app-port", type=int, default=8105)
    parser.add_argument("--pg-port", type=int, default=18105)
    parser.add_argument("--smtp-port", type=int, default=0, help="0: a free port")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()

    inbox = SlowInbox(args.smtp_delay)
    smtp = Controller(inbox, hostname="127.0.0.1", port=args.smtp_port or free_port())
    with scratch_folder(args.keep) as folder, Postgres(folder, args.pg_port) as postgres:
        workers: list[Worker] = []
        try:
            url = postgres.create_database()
            env = app_env(
                url,
                None,
                folder,
                booking_load=True,
                SERVE_WORKER="false",
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(smtp.port),
                SMTP_STARTTLS="false",
                WORKER_CONCURRENCY=str(args.concurrency),
            )
            with App(folder, args.app_port, env) as app:
                token = asyncio.run(login(app.base))
                slots = asyncio.run(free_slots(app.base, token, args.days))[: args.bookings]
                booked = asyncio.run(book(app.base, token, slots, 4))
            queued = asyncio.run(email_jobs(url))
            expected = {job["message_id"] for job in queued}

            smtp.start()
            started = time.monotonic()
            workers.append(Worker(folder, env, "killed"))
            wait_until(
                lambda: inbox.count() >= args.kill_after,
                120,
                f"the first worker sent fewer than {args.kill_after} e-mails in 120 s",
            )
            # Half a message later, so the kill lands in the middle of the sends in flight.
            time.sleep(args.kill_offset if args.kill_offset >= 0 else args.smtp_delay / 2)
            workers[0].kill()
            killed_at = time.monotonic()
            at_kill = asyncio.run(email_jobs(url))
            received_before_kill = inbox.count()
            doing_at_kill = {job["message_id"] for job in at_kill if job["status"] == "doing"}
            workers.append(Worker(folder, env, "restarted"))
            restarted_at = time.monotonic()

            def drained() -> bool:
                jobs = asyncio.run(email_jobs(url))
                done = not any(job["status"] in ("todo", "doing") for job in jobs)
                return done and expected <= {m for m, _ in inbox.received}

            with contextlib.suppress(SystemExit):
                wait_until(drained, args.settle, "")
            time.sleep(3)  # a late duplicate would show up here
            finished = time.monotonic()
            left = asyncio.run(email_jobs(url))
        finally:
            for worker in workers:
                worker.stop()
            smtp.stop()
        logs = {
            "killed": workers[0].log_text() if workers else "",
            "restarted": workers[1].log_text() if len(workers) > 1 else "",
        }

    arrivals = Counter(message_id for message_id, _ in inbox.received)
    first_arrival: dict[str, float] = {}
    for message_id, at in inbox.received:
        first_arrival.setdefault(message_id, at)
    twice = {m: n for m, n in arrivals.items() if n > 1}
    # The one duplicate at-least-once allows: accepted by the server as the worker died.
    in_kill_window = {
        m for m in twice if m in doing_at_kill and first_arrival[m] <= killed_at + 0.05
    }
    killed_jobs_delivered = [
        at - killed_at
        for message_id, at in inbox.received
        if message_id in doing_at_kill and at > killed_at
    ]
    result: dict[str, Any] = {
        "drill": "worker_kill",
        "bookings": booked,
        "email_jobs_queued": len(queued),
        "worker_concurrency": args.concurrency,
        "smtp_delay_s": args.smtp_delay,
        "received_before_kill": received_before_kill,
        "doing_at_kill": len(doing_at_kill),
        "todo_at_kill": sum(1 for job in at_kill if job["status"] == "todo"),
        "killed_after_s": round(killed_at - started, 2),
        "restart_to_last_killed_job_delivered_s": (
            round(max(killed_jobs_delivered) - (restarted_at - killed_at), 1)
            if killed_jobs_delivered
            else None
        ),
        "kill_to_all_delivered_s": round(
            max((at for _, at in inbox.received), default=killed_at) - killed_at, 1
        ),
        "received": len(inbox.received),
        "distinct_message_ids": len(arrivals),
        "missing": len(expected - set(arrivals)),
        "unexpected": len(set(arrivals) - expected),
        "received_twice": len(twice),
        "received_twice_in_the_kill_window": len(in_kill_window),
        # How long before the kill the server had accepted the first copy of each of them.
        "first_copy_before_kill_ms": sorted(
            round((killed_at - first_arrival[m]) * 1000) for m in in_kill_window
        ),
        "jobs_left": Counter(job["status"] for job in left),
        "requeued_by_restarted_worker": logs["restarted"].count("vanished worker: retried"),
        "tracebacks": {name: text.count("Traceback") for name, text in logs.items()},
        "run_s": round(finished - started, 1),
    }
    result["passed"] = (
        len(queued) >= booked > 0
        and result["doing_at_kill"] > 0
        and result["missing"] == 0
        and result["unexpected"] == 0
        and len(twice) == len(in_kill_window)
        and not left
        and result["requeued_by_restarted_worker"] >= result["doing_at_kill"]
        and result["tracebacks"]["restarted"] == 0
    )
    print(json.dumps(result, indent=2))
    if not result["passed"] and not args.keep:
        print(logs["restarted"][-3000:])
    raise SystemExit(0 if result["passed"] else 1)


if __name__ == "__main__":
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    main()
