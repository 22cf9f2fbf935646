"""The one task registry: every background task and periodic task of every domain.

A domain declares its tasks in `<domain>/tasks.py` with `@task("name")` or
`@periodic("name", cron="*/10 * * * *")`, and its module is listed once in `TASK_MODULES`.
A task is `async def run(work: WorkContext, **args)`; `work` gives it the settings and a
sessionmaker of its own (each task opens, commits and closes its own transactions).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.settings import Settings

# Importing these modules registers their tasks (add a domain's `tasks` module here).
TASK_MODULES = (
    "equinet.jobs.mail",
    "equinet.bookings.tasks",
    "equinet.payments.tasks",
    "equinet.accounting.tasks",
)


@dataclass(frozen=True)
class WorkContext:
    """What a running task may use: settings and a sessionmaker on the worker's engine."""

    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]


TaskFunction = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    run: TaskFunction
    # Cron line for periodic tasks (minute hour day month weekday [second]); None otherwise.
    cron: str | None = None
    # Retried with exponential backoff on any exception (see equinet.jobs.worker.Backoff).
    retry: bool = True


TASKS: dict[str, TaskSpec] = {}


def task(name: str, *, retry: bool = True) -> Callable[[TaskFunction], TaskFunction]:
    """Register `async def run(work, **args)` as the task `name` (enqueue it with that name)."""

    def register(run: TaskFunction) -> TaskFunction:
        _add(TaskSpec(name=name, run=run, retry=retry))
        return run

    return register


def periodic(name: str, *, cron: str) -> Callable[[TaskFunction], TaskFunction]:
    """Register `async def run(work)` to run on the `cron` schedule by whichever worker is up."""

    def register(run: TaskFunction) -> TaskFunction:
        _add(TaskSpec(name=name, run=run, cron=cron, retry=False))
        return run

    return register


def _add(spec: TaskSpec) -> None:
    existing = TASKS.get(spec.name)
    if existing is not None and existing.run is not spec.run:
        raise ValueError(f"two tasks are named {spec.name!r}")
    TASKS[spec.name] = spec


def load_tasks() -> dict[str, TaskSpec]:
    """Every registered task, after importing each domain's task module."""
    for module in TASK_MODULES:
        importlib.import_module(module)
    return TASKS


def lookup(name: str) -> TaskSpec:
    tasks = load_tasks()
    if name not in tasks:
        raise KeyError(f"no task named {name!r}")
    return tasks[name]


async def run_task(name: str, work: WorkContext, args: dict[str, Any]) -> None:
    await lookup(name).run(work, **args)
