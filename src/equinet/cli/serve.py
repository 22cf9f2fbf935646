"""`equinet serve`: pre-flight the database (wait, stamp, migrate and seed in development),
start a job worker beside the server (`SERVE_WORKER`, on by default), then start uvicorn.

The worker is a child process (`equinet worker --parent-pid`), not a task inside the server:
one worker however many uvicorn workers run, a slow SMTP server never shares the server's
event loop, and the child stops by itself when the server is gone.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Annotated, Any

import typer

from equinet.cli.common import configure_logging, console, load_settings, run
from equinet.db.embedded import server_version
from equinet.db.engine import create_engine, wait_for_database
from equinet.db.targets import app_database, direct_database, ensure_database_exists
from equinet.db.urls import DatabaseTarget
from equinet.ops import database
from equinet.ops.listening import record
from equinet.settings import Environment, Settings, get_settings


async def _preflight(settings: Settings, target: DatabaseTarget) -> None:
    if settings.uses_embedded_database:
        await ensure_database_exists(target)
    engine = create_engine(target, settings, application_name="equinet-serve", pool_size=1)
    try:
        await wait_for_database(engine, settings, target)
    finally:
        await engine.dispose()
    direct = direct_database(settings)
    await database.guard(direct, settings)
    if settings.migrates_on_start:
        run_ = await database.migrate(direct, settings)
        if run_.applied:
            console.print(f"migrated: {', '.join(run_.applied)}")
        if settings.allows_destructive_commands:
            seeded = await database.seed(direct, settings)
            if seeded.created:
                console.print(
                    f"seeded demo data: {seeded.providers} providers, {seeded.services} services, "
                    f"{seeded.users - seeded.providers} customer (password test123)"
                )


def serve(
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
) -> None:
    """Start Equinet (migrating and seeding the embedded database in development)."""
    if host is not None:
        os.environ["HOST"] = host
    if port is not None:
        # The app (and its workers) read the same settings: e-mail links follow the port.
        os.environ["PORT"] = str(port)
    get_settings.cache_clear()
    settings = load_settings()
    configure_logging(settings.log_level)
    host = settings.host
    port = settings.port
    target = run(_with_target(settings))
    where = target.describe()
    if settings.uses_embedded_database:
        where += f" (embedded PostgreSQL {server_version()}, data in {settings.embedded_pg_dir})"
        # Workers are separate processes: hand them the running server instead of a new one.
        os.environ["DATABASE_URL"] = target.url.render_as_string(hide_password=False)
    if settings.equinet_env is Environment.development and not settings.payment_gateway_url:
        # The demo gateway is mounted on this very port (equinet.payments.demo_gateway).
        local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        os.environ["PAYMENT_GATEWAY_URL"] = f"http://{local}:{port}/_demo/gateway"
        get_settings.cache_clear()  # a single worker runs in this process: read it again
    console.print(f"[bold green]Equinet[/] ({settings.equinet_env}) on http://{host}:{port}")
    console.print(f"database: {where}")
    console.print(f"API docs: http://{host}:{port}/docs")
    # `equinet monitor` in another shell finds the app here.
    record(host, port)
    import uvicorn

    worker = _start_worker(settings) if settings.serve_worker else None
    try:
        _serve(uvicorn, host, port, workers, settings)
    finally:
        if worker is not None:
            _stop_worker(worker)


def _start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "equinet", "worker", "--parent-pid", str(os.getpid())]
    console.print("job worker: started (`equinet worker`; SERVE_WORKER=false to run your own)")
    return subprocess.Popen(command)


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def _serve(uvicorn: Any, host: str, port: int, workers: int, settings: Settings) -> None:
    uvicorn.run(
        "equinet.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1; TRUSTED_PROXIES
        # (equinet.kit.client_ip) is the one place that decides which proxies we trust.
        proxy_headers=False,
        # Importing the app takes seconds of CPU: on a busy machine a starting worker misses
        # uvicorn's default 5 s health check and is killed and restarted in a loop.
        timeout_worker_healthcheck=60,
    )


async def _with_target(settings: Settings) -> DatabaseTarget:
    target = await asyncio.to_thread(app_database, settings)
    await _preflight(settings, target)
    return target
