"""`GET /metrics` and the ASGI middleware that times every request by its route template.

`/metrics` answers a bearer METRICS_TOKEN and a loopback client (a scraper on the same host);
in production nobody else. Outside production it is open unless METRICS_TOKEN is set.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from equinet.jobs.repository import queue_counts
from equinet.kit import metrics
from equinet.kit.client_ip import client_ip
from equinet.kit.errors import error_body
from equinet.settings import Environment, Settings

logger = logging.getLogger("equinet.ops.metrics")

METRICS_PATH = "/metrics"
# Set in the scope by the maintenance middleware: the request was refused on purpose.
MAINTENANCE_SCOPE_KEY = "equinet.maintenance"

router = APIRouter()


METRICS_REFUSED = "Mätvärdena kräver en giltig token."


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def may_read_metrics(scope: Scope, settings: Settings) -> bool:
    token = settings.metrics_token
    if token:
        authorization = dict(scope.get("headers", [])).get(b"authorization", b"")
        scheme, _, credentials = authorization.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), token.encode()
        ):
            return True
    # The client as the rate limits see it: a proxy's X-Forwarded-For only from TRUSTED_PROXIES.
    if _is_loopback(client_ip(scope, settings.trusted_proxies)):
        return True
    return not token and settings.equinet_env is not Environment.production


@router.get(METRICS_PATH, include_in_schema=False)
async def metrics_endpoint(request: Request) -> Response:
    if not may_read_metrics(request.scope, request.app.state.settings):
        return JSONResponse(
            error_body(METRICS_REFUSED, "METRICS_TOKEN_REQUIRED"),
            status_code=401,
            headers={"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"},
        )
    engine = getattr(request.app.state, "engine", None)
    if engine is not None:
        metrics.refresh_pool_gauges(engine.pool)
        await refresh_job_gauges(engine)
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


async def refresh_job_gauges(engine: AsyncEngine) -> None:
    """Jobs by state from the queue's table; a database that does not answer leaves them be."""
    try:
        async with engine.connect() as connection:
            report = await queue_counts(connection)
    except (SQLAlchemyError, OSError):
        logger.warning("job counts for /metrics unavailable: the database did not answer")
        return
    if report is None:
        return
    for state, count in report.counts.items():
        metrics.JOBS.labels(state=state).set(count)
    metrics.JOBS_RETRYING.set(report.retrying)


def route_template(scope: Scope) -> str:
    """ "/api/providers/{id}" rather than the raw path, so labels stay few."""
    if scope.get(MAINTENANCE_SCOPE_KEY):
        return metrics.MAINTENANCE_ROUTE
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) and path else metrics.UNMATCHED_ROUTE


class RequestMetricsMiddleware:
    """Pure ASGI: observes latency and counts the status class of every HTTP request.

    It sits outside the routing, so it reads the matched route from the scope after the app
    has answered. `/metrics` itself is not timed: scrapes would otherwise pull the p95 down.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            metrics.mark_worker_stopped()  # the lifespan returns once the worker shuts down
            return
        if scope["type"] != "http" or scope["path"] == METRICS_PATH:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception that escapes becomes a 500 outside this middleware

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            route = route_template(scope)
            method = scope["method"]
            metrics.REQUEST_DURATION.labels(method=method, route=route).observe(
                time.perf_counter() - started
            )
            metrics.REQUESTS.labels(
                method=method, route=route, status=metrics.status_class(status)
            ).inc()
            if metrics.multiprocess_dir():
                # Other workers answer the scrape: keep this worker's pool file current.
                engine = getattr(scope["app"].state, "engine", None) if "app" in scope else None
                if engine is not None:
                    metrics.refresh_pool_gauges(engine.pool)
