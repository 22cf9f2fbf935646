"""The application skeleton: health, docs, the one error shape."""

from __future__ import annotations

import logging

import httpx
import pytest
from asgi_lifespan import LifespanManager

from equinet.app import create_app
from equinet.db import migrations, revisions
from equinet.settings import Settings
from tests.web.live import free_port


async def test_health_reports_database_and_migrations_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "connected"
    assert body["checks"]["migrations"]["status"] == "ok"
    assert body["checks"]["migrations"]["pending"] == []


async def test_without_redis_the_app_is_degraded_but_stays_in_rotation(settings: Settings) -> None:
    # Redis only shares limits and caches: a load balancer must not drop every server for it.
    without_redis = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    app = create_app(without_redis)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.get("/api/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "connected"
    assert body["checks"]["redis"] == "disconnected"
    assert body["warnings"] == ["redis unreachable: ConnectionError"]
    assert "code" not in body


async def test_openapi_docs_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    schema = (await client.get("/openapi.json")).json()
    assert "/api/health" in schema["paths"]


async def test_unknown_path_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": "Sidan eller resursen finns inte", "code": "NOT_FOUND"}


async def test_health_reads_the_migration_scripts_once_and_logs_nothing_per_call(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await client.get("/api/health")).status_code == 200

    def scripts_read_again() -> None:
        raise AssertionError("the migration scripts were read again")

    # After start-up the head is known: a call must not read the scripts again.
    monkeypatch.setattr(revisions, "revision_chain", scripts_read_again)
    monkeypatch.setattr(migrations, "script_directory", scripts_read_again)
    caplog.set_level(logging.INFO)
    for _ in range(3):
        response = await client.get("/api/health")
        assert response.status_code == 200, response.text
        assert response.json()["checks"]["migrations"]["status"] == "ok"
    assert not [r for r in caplog.records if r.name.startswith("alembic")]


def test_revision_chain_names_what_an_old_database_still_needs() -> None:
    chain = revisions.RevisionChain(("0001", "0002", "0003"))
    assert chain.status("0001").pending == ["0002", "0003"]
    assert chain.status("0003").at_head and chain.status("0003").pending == []
    assert chain.status(None).pending == ["0001", "0002", "0003"]
