"""`GET /api/health`: 200 when the app can serve, 503 JSON naming what stops it.

The database (reachable, migrations at head) decides. Redis does not: without it the app keeps
serving (limits counted per process, listings uncached), so a Redis outage answers 200 with
status "degraded" and the warning; a load balancer that routes on this check keeps every server
in rotation instead of taking the whole site down with Redis.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from equinet.db import revisions
from equinet.kit.errors import EquinetError

router = APIRouter(tags=["health"])


class Unhealthy(EquinetError):
    status_code = 503
    code = "UNHEALTHY"
    message = "En eller flera delar av Equinet svarar inte"


def _revision_chain(request: Request) -> revisions.RevisionChain:
    # Set by the app's lifespan; an app without one (a bare test app) reads it once here.
    chain: revisions.RevisionChain | None = getattr(request.app.state, "revision_chain", None)
    if chain is None:
        chain = request.app.state.revision_chain = revisions.revision_chain()
    return chain


@router.get("/api/health", summary="Database, migrations and Redis status")
async def health(request: Request) -> JSONResponse:
    checks: dict[str, Any] = {}
    errors: list[str] = []
    warnings: list[str] = []
    engine = request.app.state.engine
    chain = _revision_chain(request)
    try:
        async with engine.connect() as connection:
            # One read: no BEGIN/ROLLBACK round trips around it.
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            status = chain.status(await revisions.applied_revision(autocommit))
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
            warnings.append(f"redis unreachable: {type(error).__name__}")
    body: dict[str, Any] = {
        "status": "error" if errors else "degraded" if warnings else "ok",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "checks": checks,
    }
    if warnings:
        body["warnings"] = warnings
    if errors:
        body["error"] = "; ".join(errors)
        body["code"] = Unhealthy.code
    return JSONResponse(body, status_code=503 if errors else 200)
