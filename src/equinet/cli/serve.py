"""`equinet serve`: pre-flight the database (wait, stamp, migrate and seed in development),
then start uvicorn."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer

from equinet.cli.common import configure_logging, console, load_settings, run
from equinet.db.embedded import server_version
from equinet.db.engine import create_engine, wait_for_database
from equinet.db.targets import app_database, direct_database, ensure_database_exists
from equinet.db.urls import DatabaseTarget
from equinet.ops import database
from equinet.ops.listening import record
from equinet.settings import Settings, get_settings


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
    console.print(f"[bold green]Equinet[/] ({settings.equinet_env}) on http://{host}:{port}")
    console.print(f"database: {where}")
    console.print(f"API docs: http://{host}:{port}/docs")
    # `equinet monitor` in another shell finds the app here.
    record(host, port)
    import uvicorn

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
    )


async def _with_target(settings: Settings) -> DatabaseTarget:
    target = await asyncio.to_thread(app_database, settings)
    await _preflight(settings, target)
    return target
