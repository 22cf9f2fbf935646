"""Which database this process talks to: the configured URLs, or the embedded server."""

from __future__ import annotations

import asyncpg

from equinet.db.embedded import embedded_server_url
from equinet.db.urls import DatabaseTarget, parse_database_url
from equinet.settings import ConfigurationError, Settings


def app_database(settings: Settings) -> DatabaseTarget:
    """The pooled database of the app (`DATABASE_URL`), or the embedded one in development."""
    if settings.database_url:
        return parse_database_url(settings.database_url)
    if settings.uses_embedded_database:
        server = parse_database_url(embedded_server_url(settings.embedded_pg_dir))
        return server.with_database(settings.embedded_database)
    raise ConfigurationError(
        [f"DATABASE_URL is not set: {settings.equinet_env} needs its own database."]
    )


def direct_database(settings: Settings) -> DatabaseTarget:
    """Migrations and the CLI bypass PgBouncer through `DIRECT_DATABASE_URL` when it is set."""
    if settings.direct_database_url:
        return parse_database_url(settings.direct_database_url)
    return app_database(settings)


async def asyncpg_connect(
    target: DatabaseTarget, database: str | None = None
) -> asyncpg.Connection:
    """A plain asyncpg connection for administrative work (CREATE DATABASE, COPY)."""
    url = target.url
    ssl = target.ssl_mode if target.ssl_mode and target.ssl_mode != "disable" else None
    return await asyncpg.connect(
        host=target.host or None,
        port=url.port,
        user=url.username or "postgres",
        password=url.password,
        database=database or target.database,
        ssl=ssl,
        server_settings={"application_name": "equinet-cli", "timezone": "UTC"},
    )


async def ensure_database_exists(target: DatabaseTarget) -> bool:
    """Create the target's database when missing; True when it was created."""
    connection = await asyncpg_connect(target, database="postgres")
    try:
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", target.database
        )
        if exists:
            return False
        await connection.execute(f'CREATE DATABASE "{target.database}"')
        return True
    finally:
        await connection.close()


async def drop_database(target: DatabaseTarget, name: str) -> None:
    connection = await asyncpg_connect(target, database="postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
