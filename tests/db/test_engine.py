"""The engine the design document asks for: bounded pool, statement timeout, slow-query log,
and database failures that reach clients as clear 503/504 JSON."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text

from equinet.app import create_app
from equinet.db.engine import DatabaseUnreachable, create_engine, wait_for_database
from equinet.db.session import DbSession
from equinet.db.urls import DatabaseTarget, parse_database_url
from equinet.settings import Settings
from tests.conftest import make_settings, url_of


def _app_with_probe_routes(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get("/test/ping")
    async def ping(db: DbSession) -> dict[str, int]:
        return {"one": int(await db.scalar(text("SELECT 1")) or 0)}

    @app.get("/test/sleep/{seconds}")
    async def sleep(seconds: float, db: DbSession) -> dict[str, str]:
        await db.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        return {"slept": str(seconds)}

    return app


@pytest.fixture
async def live_client(test_database: DatabaseTarget) -> AsyncIterator[httpx.AsyncClient]:
    """An app on the real pool (no per-test transaction), with two probe routes."""
    settings = make_settings(
        parse_database_url(url_of(test_database, connection_limit="10")),
        db_pool_timeout_seconds=1.0,
    )
    app = _app_with_probe_routes(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


async def test_connection_limit_in_the_url_sets_the_pool_size(
    test_database: DatabaseTarget,
) -> None:
    target = parse_database_url(url_of(test_database, connection_limit="3", pgbouncer="true"))
    engine = create_engine(target, make_settings(test_database))
    try:
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 0  # type: ignore[attr-defined]
        async with engine.connect() as connection:  # pgbouncer mode still runs queries
            assert await connection.scalar(text("SELECT 41 + 1")) == 42
    finally:
        await engine.dispose()


async def test_default_pool_is_ten_connections(test_database: DatabaseTarget) -> None:
    engine = create_engine(test_database, make_settings(test_database))
    try:
        assert engine.pool.size() == 10  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def test_eleventh_concurrent_checkout_waits_then_fails_with_database_busy(
    live_client: httpx.AsyncClient,
) -> None:
    engine = live_client.app.state.engine  # type: ignore[attr-defined]
    held = [await engine.connect() for _ in range(10)]
    try:
        started = time.monotonic()
        response = await live_client.get("/test/ping")
        waited = time.monotonic() - started
    finally:
        for connection in held:
            await connection.close()
    assert response.status_code == 503
    assert response.json()["code"] == "DATABASE_BUSY"
    assert response.headers["retry-after"] == "1"
    assert 0.9 <= waited < 3, waited
    # Once connections are back, the same request succeeds.
    assert (await live_client.get("/test/ping")).json() == {"one": 1}


@pytest.mark.slow
async def test_statement_over_ten_seconds_is_cancelled_and_answers_504(
    live_client: httpx.AsyncClient,
) -> None:
    started = time.monotonic()
    # A statement that would run for 30 s: the answer comes at the 10 s timeout, not at its end.
    response = await live_client.get("/test/sleep/30")
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json() == {
        "error": "Databasfrågan tog för lång tid och avbröts. Försök igen.",
        "code": "DATABASE_TIMEOUT",
    }
    assert 9.5 <= elapsed < 15, elapsed


@pytest.mark.slow
async def test_slow_queries_are_logged_at_info_and_warning(
    test_database: DatabaseTarget, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(test_database, make_settings(test_database))
    caplog.set_level(logging.INFO, logger="equinet.db.slow_query")
    try:
        async with engine.connect() as connection:
            for seconds in (0.4, 0.6, 2.1):
                await connection.execute(text(f"SELECT pg_sleep({seconds})"))
    finally:
        await engine.dispose()
    records = [r for r in caplog.records if r.name == "equinet.db.slow_query"]
    assert [r.levelno for r in records] == [logging.INFO, logging.WARNING]
    info, warning = records
    assert 600 <= info.duration_ms < 1500  # type: ignore[attr-defined]
    assert "pg_sleep(0.6)" in info.getMessage()
    assert 2100 <= warning.duration_ms < 3000  # type: ignore[attr-defined]
    assert "pg_sleep(2.1)" in warning.getMessage()


async def test_unreachable_database_is_retried_then_reported_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    target = parse_database_url("postgresql://postgres@127.0.0.1:1/nowhere")
    settings = make_settings(target, db_connect_attempts=3, db_connect_backoff_seconds=0.05)
    engine = create_engine(target, settings)
    caplog.set_level(logging.WARNING, logger="equinet.db")
    try:
        with pytest.raises(DatabaseUnreachable) as raised:
            await wait_for_database(engine, settings, target)
    finally:
        await engine.dispose()
    message = str(raised.value)
    assert "\n" not in message
    assert "nowhere on 127.0.0.1:1" in message and "after 3 attempts" in message
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2


async def test_concurrent_requests_share_the_bounded_pool(live_client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(*(live_client.get("/test/ping") for _ in range(40)))
    assert {r.status_code for r in responses} == {200}
    assert live_client.app.state.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_pooled_connection_the_server_closed_is_replaced_at_checkout(
    test_database: DatabaseTarget,
) -> None:
    """No pre-ping round trip: the closed connection is known locally and swapped for a new one."""
    target = parse_database_url(url_of(test_database, connection_limit="1"))
    engine = create_engine(target, make_settings(target))
    try:
        async with engine.connect() as connection:
            first_pid = await connection.scalar(text("SELECT pg_backend_pid()"))
        async with engine.connect() as connection:  # the same pooled connection, no ping
            assert await connection.scalar(text("SELECT pg_backend_pid()")) == first_pid
        killer = create_engine(target, make_settings(target), application_name="killer")
        try:
            async with killer.connect() as other:
                await other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first_pid})
        finally:
            await killer.dispose()
        await asyncio.sleep(0.3)  # the event loop reads the server's goodbye and the EOF
        async with engine.connect() as connection:
            new_pid = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert new_pid != first_pid
    finally:
        await engine.dispose()
