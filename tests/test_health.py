"""The application skeleton: health, docs, the one error shape."""

from __future__ import annotations

import httpx


async def test_health_reports_database_and_migrations_at_head(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "connected"
    assert body["checks"]["migrations"]["status"] == "ok"
    assert body["checks"]["migrations"]["pending"] == []


async def test_openapi_docs_are_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    schema = (await client.get("/openapi.json")).json()
    assert "/api/health" in schema["paths"]


async def test_unknown_path_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": "Sidan eller resursen finns inte", "code": "NOT_FOUND"}
