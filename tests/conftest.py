"""Test fixtures: a real PostgreSQL database built by running the migrations, per test run.

`TEST_DATABASE_URL` points at a server (any database on it); without it the embedded
PostgreSQL in `.equinet/pgdata-test` is used. Each run creates its own database, migrates it
to head (stamped `test`) and drops it at the end. Each test runs inside a transaction that is
rolled back, so tests never see each other's rows; HTTP tests share that transaction through
the app's sessionmaker, and the request's commit only releases a savepoint.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.db.embedded import embedded_server_url
from equinet.db.engine import create_engine
from equinet.db.urls import DatabaseTarget, parse_database_url
from equinet.ops import database
from equinet.ops.scratch import scratch_database
from equinet.settings import Environment, Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def server_target() -> DatabaseTarget:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return parse_database_url(url)
    return parse_database_url(embedded_server_url(PROJECT_ROOT / ".equinet" / "pgdata-test"))


def url_of(target: DatabaseTarget, **query: str) -> str:
    """The target as a URL string, with extra query parameters (`connection_limit="10"`)."""
    url = target.url.update_query_dict(query) if query else target.url
    return url.render_as_string(hide_password=False)


def make_settings(target: DatabaseTarget | None = None, **overrides: Any) -> Settings:
    """Settings for a test: environment `test`, no `.env` file, Redis only when CI gives one."""
    values: dict[str, Any] = {
        "equinet_env": Environment.test,
        "database_url": url_of(target) if target else None,
        "redis_url": os.environ.get("REDIS_URL") or None,
        "db_connect_attempts": 1,
        "embedded_pg_dir": PROJECT_ROOT / ".equinet" / "pgdata-test",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def database_server() -> DatabaseTarget:
    """The PostgreSQL server the tests run on (service or embedded)."""
    return server_target()


@pytest.fixture(scope="session")
async def test_database(database_server: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    async with scratch_database(database_server, "test") as target:
        await database.migrate(target, make_settings(target))
        yield target


@pytest.fixture(scope="session")
def settings(test_database: DatabaseTarget) -> Settings:
    return make_settings(test_database)


@pytest.fixture(scope="session")
async def engine(test_database: DatabaseTarget, settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(test_database, settings, application_name="equinet-tests")
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
async def db_session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture
async def app(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with LifespanManager(application):
        # The app's sessionmaker, replaced by one bound to the test's transaction.
        application.state.sessionmaker = sessionmaker
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def scratch(database_server: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    """An empty database of its own, for tests that migrate, adopt or stamp."""
    async with scratch_database(database_server, "t") as target:
        yield target
