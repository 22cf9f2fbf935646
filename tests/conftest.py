"""Test fixtures: a real PostgreSQL database built by running the migrations, per test run.

`TEST_DATABASE_URL` points at a server (any database on it); without it the embedded
PostgreSQL in `.equinet/pgdata-test` is used. Each run creates its own database, migrates it
to head (stamped `test`) and drops it at the end. Each test runs inside a transaction that is
rolled back, so tests never see each other's rows; HTTP tests share that transaction through
the app's sessionmaker, and the request's commit only releases a savepoint.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
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
from tests.app_memory import forget_classified_callables
from tests.jobs.support import jobs_after_each_response
from tests.payments.support import GatewayServer, running_gateway

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RUN_PREFIX = f"equinet-test-{uuid.uuid4().hex[:12]}"
TEST_OUTBOX = Path(tempfile.mkdtemp(prefix="equinet-test-outbox-"))
atexit.register(shutil.rmtree, TEST_OUTBOX, ignore_errors=True)


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
        # Counts of earlier runs on the same Redis must not limit this one.
        "rate_limit_key_prefix": RUN_PREFIX,
        "db_connect_attempts": 1,
        "embedded_pg_dir": PROJECT_ROOT / ".equinet" / "pgdata-test",
        # Never the development outbox: mail a test sends without SMTP lands in a scratch folder.
        "email_outbox_dir": TEST_OUTBOX,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(autouse=True)
def _apps_are_freed_after_each_test() -> Iterator[None]:
    yield
    forget_classified_callables()


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
async def migrated_template(database_server: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    """A database built by the migrations to head (stamped `test`) that no test touches: the
    template `copy_of_template` clones, so a test needing its own migrated database gets one
    without running the migrations again."""
    async with scratch_database(database_server, "tmpl") as target:
        await database.migrate(target, make_settings(target))
        yield target


@asynccontextmanager
async def copy_of_template(
    template: DatabaseTarget, purpose: str = "t"
) -> AsyncIterator[DatabaseTarget]:
    """A new database cloned from `template` (CREATE DATABASE ... TEMPLATE), dropped on exit."""
    async with scratch_database(template, purpose, template=template.database) as target:
        yield target


@pytest.fixture
async def migrated(migrated_template: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    """A database of its own at head, stamped `test` (a copy of the migrated template)."""
    async with copy_of_template(migrated_template) as target:
        yield target


@pytest.fixture(scope="session")
def demo_gateway() -> Iterator[GatewayServer]:
    """The demo payment gateway over real HTTP on a free port, for every test app that pays."""
    with running_gateway() as server:
        yield server


@pytest.fixture(scope="session")
def settings(test_database: DatabaseTarget, demo_gateway: GatewayServer) -> Settings:
    return make_settings(test_database, payment_gateway_url=demo_gateway.url)


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
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        # The worker's part: what a request queued (e-mails) runs once it has answered.
        event_hooks=jobs_after_each_response(app),
    ) as client:
        yield client


@pytest.fixture
async def scratch(database_server: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    """An empty database of its own, for tests that migrate, adopt or stamp."""
    async with scratch_database(database_server, "t") as target:
        yield target
