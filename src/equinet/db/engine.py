"""The one async engine per process: bounded pool, statement timeout, slow-query log."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import uuid4

from sqlalchemy import event, exc, pool, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from equinet.db.slow_queries import SlowQueryLog
from equinet.db.urls import DatabaseTarget
from equinet.settings import Environment, Settings

logger = logging.getLogger("equinet.db")


class DatabaseUnreachable(RuntimeError):
    """The database did not answer at start-up, after every retry."""


def create_engine(
    target: DatabaseTarget,
    settings: Settings,
    *,
    application_name: str = "equinet-app",
    pool_size: int | None = None,
) -> AsyncEngine:
    """Build the engine the design document describes (A2, A3, C1).

    The pool never grows past `connection_limit` (no overflow) and a checkout waits at most
    `pool_timeout` seconds; every statement runs under a server-side `statement_timeout`.
    """
    server_settings = {
        "application_name": application_name,
        "timezone": "UTC",
        "statement_timeout": str(settings.db_statement_timeout_ms),
    }
    connect_args: dict[str, Any] = {"server_settings": server_settings}
    if target.pgbouncer:
        # Transaction pooling hands our next statement to another server connection, where a
        # prepared statement of ours does not exist: no statement cache, unique names.
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = lambda: f"__equinet_{uuid4().hex}__"
    if target.ssl_mode and target.ssl_mode != "disable":
        connect_args["ssl"] = target.ssl_mode
    if target.connect_timeout:
        connect_args["timeout"] = target.connect_timeout
    url = target.url
    if target.pgbouncer:
        url = url.update_query_dict({"prepared_statement_cache_size": "0"})
    engine = create_async_engine(
        url,
        pool_size=pool_size or target.pool_size or settings.db_pool_size,
        max_overflow=0,
        pool_timeout=target.pool_timeout or settings.db_pool_timeout_seconds,
        # No pre-ping (BEGIN, ";", ROLLBACK: three round trips per checkout): a connection the
        # server closed is known locally and replaced at checkout (_replace_closed below); one
        # that breaks mid-request is invalidated by SQLAlchemy and the request answers 503.
        pool_pre_ping=False,
        echo=settings.echoes_sql,
        # Bound values (e-mail addresses, token hashes) stay out of error messages, logs and
        # Sentry everywhere but on a developer's own machine.
        hide_parameters=settings.equinet_env is not Environment.development,
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine.pool, "checkout", _replace_closed)
    SlowQueryLog(settings.db_slow_query_info_ms, settings.db_slow_query_warning_ms).install(
        engine.sync_engine
    )
    return engine


def _replace_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection whose socket the server closed (a restart, an idle timeout, a
    terminated backend) is discarded at checkout and the pool hands out a fresh one; asyncpg
    knows this from its own state, so the check costs no round trip."""
    driver = getattr(dbapi_connection, "_connection", None)
    if driver is not None and driver.is_closed():
        raise exc.DisconnectionError("connection closed by the server")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def engine_for(target: DatabaseTarget, application_name: str = "equinet-migrate") -> AsyncEngine:
    """An engine without a pool for one job (a migration, a CLI command): one connection each."""
    return create_async_engine(
        target.url,
        poolclass=pool.NullPool,
        connect_args={"server_settings": {"application_name": application_name, "timezone": "UTC"}},
    )


async def wait_for_database(
    engine: AsyncEngine, settings: Settings, target: DatabaseTarget
) -> None:
    """Retry the first connection with exponential backoff (G4: paused or starting databases)."""
    delay = settings.db_connect_backoff_seconds
    last_error: BaseException | None = None
    for attempt in range(1, settings.db_connect_attempts + 1):
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return
        except Exception as error:  # any driver or OS error means "not yet"
            last_error = error
            if attempt < settings.db_connect_attempts:
                logger.warning(
                    "database %s not reachable (attempt %d of %d): %s; retrying in %.1f s",
                    target.describe(),
                    attempt,
                    settings.db_connect_attempts,
                    _one_line(error),
                    delay,
                )
                await asyncio.sleep(delay)
                delay *= 2
    raise DatabaseUnreachable(
        f"Database unreachable: {target.describe()} did not answer after "
        f"{settings.db_connect_attempts} attempts ({_one_line(last_error)}). "
        "Check DATABASE_URL and that PostgreSQL is running."
    )


def _one_line(error: BaseException | None) -> str:
    if error is None:
        return "no error"
    message = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {message[0] if message else ''}"
