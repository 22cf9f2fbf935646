"""`GET /api/health`: 200 when every dependency answers, 503 JSON naming what does not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from equinet.db import migrations

router = APIRouter(tags=["health"])


@router.get("/api/health", summary="Database, migrations and Redis status")
async def health(request: Request) -> JSONResponse:
    checks: dict[str, Any] = {}
    errors: list[str] = []
    engine = request.app.state.engine
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            status = await migrations.migration_status(connection)
        checks["database"] = "connected"
        checks["migrations"] = {
            "current": status.current,
            "head": status.head,
            "pending": status.pending,
            "status": "ok" if status.at_head else "pending",
        }
        if not status.at_head:
            errors.append(f"migrations pending: {', '.join(status.pending) or status.head}")
    except Exception as error:
        checks["database"] = "disconnected"
        errors.append(f"database unreachable: {type(error).__name__}")
    redis = getattr(request.app.state, "redis", None)
    if redis is not None:
        try:
            await redis.ping()
            checks["redis"] = "connected"
        except Exception as error:
            checks["redis"] = "disconnected"
            errors.append(f"redis unreachable: {type(error).__name__}")
    body: dict[str, Any] = {
        "status": "error" if errors else "ok",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "checks": checks,
    }
    if errors:
        body["error"] = "; ".join(errors)
        body["code"] = "Unhealthy"
    return JSONResponse(body, status_code=503 if errors else 200)
