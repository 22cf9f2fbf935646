"""Maintenance mode: `equinet maintenance on/off` closes and reopens the API on every worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager
from click.testing import Result
from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from equinet.app import create_app
from equinet.cli import app as cli
from equinet.db.urls import DatabaseTarget
from equinet.ops.maintenance import DEFAULT_MESSAGE, write_state
from equinet.settings import get_settings
from tests.conftest import make_settings, url_of

CACHE_SECONDS = 1.0


async def equinet(target: DatabaseTarget, *args: str) -> Result:
    """Run the real `equinet` command (in a thread: it starts its own event loop)."""
    env = {"DATABASE_URL": url_of(target), "EQUINET_ENV": "test"}

    def invoke() -> Result:
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(cli, list(args), env=env)
        finally:
            get_settings.cache_clear()

    return await asyncio.to_thread(invoke)


@asynccontextmanager
async def running_app(target: DatabaseTarget) -> AsyncIterator[httpx.AsyncClient]:
    """One app instance (one "worker") with an ordinary API route."""
    app: FastAPI = create_app(make_settings(target, maintenance_cache_seconds=CACHE_SECONDS))

    @app.get("/api/ping")
    async def ping() -> dict[str, bool]:
        return {"pong": True}

    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
async def maintenance_switched_off(engine: AsyncEngine) -> AsyncIterator[None]:
    """The state is committed for real (workers read it); always reopen afterwards."""
    yield
    async with engine.begin() as connection:
        await write_state(connection, enabled=False, message=None, changed_by="tests")


async def wait_for_status(client: httpx.AsyncClient, status: int, within: float) -> float:
    started = time.monotonic()
    while True:
        response = await client.get("/api/ping")
        elapsed = time.monotonic() - started
        if response.status_code == status:
            return elapsed
        assert elapsed < within, f"still {response.status_code} after {elapsed:.1f} s"
        await asyncio.sleep(0.05)


@pytest.mark.usefixtures("maintenance_switched_off")
async def test_maintenance_on_answers_503_json_with_message_and_retry_after(
    test_database: DatabaseTarget,
) -> None:
    async with running_app(test_database) as client:
        assert (await client.get("/api/ping")).status_code == 200

        result = await equinet(test_database, "maintenance", "on", "-m", "Vi byter server.")
        assert result.exit_code == 0, result.output
        await wait_for_status(client, 503, within=CACHE_SECONDS + 1)

        response = await client.get("/api/ping", headers={"Accept": "application/json"})
        assert response.status_code == 503
        assert response.json() == {"error": "Vi byter server.", "code": "MAINTENANCE"}
        assert response.headers["Retry-After"] == "120"
        # Unknown paths are closed too: nothing but the open paths answers.
        assert (await client.post("/api/bookings", json={})).status_code == 503


@pytest.mark.usefixtures("maintenance_switched_off")
async def test_health_and_metrics_stay_open_during_maintenance(
    test_database: DatabaseTarget,
) -> None:
    async with running_app(test_database) as client:
        assert (await equinet(test_database, "maintenance", "on")).exit_code == 0
        await wait_for_status(client, 503, within=CACHE_SECONDS + 1)

        health = await client.get("/api/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200
        assert "equinet_http_requests_total" in metrics.text


@pytest.mark.usefixtures("maintenance_switched_off")
async def test_browsers_get_an_html_maintenance_page(test_database: DatabaseTarget) -> None:
    async with running_app(test_database) as client:
        assert (await equinet(test_database, "maintenance", "on")).exit_code == 0
        await wait_for_status(client, 503, within=CACHE_SECONDS + 1)

        browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        page = await client.get("/api/ping", headers={"Accept": browser_accept})
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")
        assert DEFAULT_MESSAGE in page.text
        assert page.headers["Retry-After"] == "120"
        # curl and API clients send */*: they keep the JSON shape.
        api = await client.get("/api/ping", headers={"Accept": "*/*"})
        assert api.json() == {"error": DEFAULT_MESSAGE, "code": "MAINTENANCE"}


@pytest.mark.usefixtures("maintenance_switched_off")
async def test_maintenance_off_reopens_the_api(test_database: DatabaseTarget) -> None:
    async with running_app(test_database) as client:
        assert (await equinet(test_database, "maintenance", "on")).exit_code == 0
        await wait_for_status(client, 503, within=CACHE_SECONDS + 1)

        result = await equinet(test_database, "maintenance", "off")
        assert result.exit_code == 0, result.output
        await wait_for_status(client, 200, within=CACHE_SECONDS + 1)
        assert (await client.get("/api/ping")).json() == {"pong": True}


@pytest.mark.usefixtures("maintenance_switched_off")
async def test_every_app_instance_sees_the_switch_within_the_cache_time(
    test_database: DatabaseTarget,
) -> None:
    async with running_app(test_database) as first, running_app(test_database) as second:
        # Both workers have read and cached "off".
        assert (await first.get("/api/ping")).status_code == 200
        assert (await second.get("/api/ping")).status_code == 200

        assert (await equinet(test_database, "maintenance", "on")).exit_code == 0
        # Each worker re-reads the row at most CACHE_SECONDS after its last read (plus the
        # time the read itself takes on a busy machine).
        within = CACHE_SECONDS + 1.0
        await wait_for_status(second, 503, within=within)
        await wait_for_status(first, 503, within=within)

        assert (await equinet(test_database, "maintenance", "off")).exit_code == 0
        await wait_for_status(second, 200, within=within)
        await wait_for_status(first, 200, within=within)


@pytest.mark.usefixtures("maintenance_switched_off")
async def test_admins_pass_through_the_admin_check_hook(test_database: DatabaseTarget) -> None:
    app = create_app(make_settings(test_database, maintenance_cache_seconds=0))

    @app.get("/api/ping")
    async def ping() -> dict[str, bool]:
        return {"pong": True}

    async def admin_header(request: Request) -> bool:
        return request.headers.get("x-test-admin") == "yes"

    app.state.admin_check = admin_header
    assert (await equinet(test_database, "maintenance", "on")).exit_code == 0
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/api/ping")).status_code == 503
            admin = await client.get("/api/ping", headers={"x-test-admin": "yes"})
            assert admin.status_code == 200
            assert admin.json() == {"pong": True}


@pytest.mark.usefixtures("maintenance_switched_off")
async def test_status_shows_who_switched_maintenance_on(test_database: DatabaseTarget) -> None:
    assert "off" in (await equinet(test_database, "maintenance", "status")).output

    assert (await equinet(test_database, "maintenance", "on", "-m", "Flytt")).exit_code == 0
    status = await equinet(test_database, "maintenance", "status")

    assert status.exit_code == 0, status.output
    assert "ON since" in status.output
    assert "@" in status.output  # user@host that ran the command
    assert "message: Flytt" in status.output
