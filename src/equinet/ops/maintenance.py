"""Maintenance mode (design document B3): the state in the database, its cache, and the gate.

The state is one row of "MaintenanceMode", so `equinet maintenance on` reaches every worker
process of every host: each reads the row at most every MAINTENANCE_CACHE_SECONDS. While it is
on, every request gets a 503 with a message for people and `Retry-After`, except the health
check, `/metrics` (operators must keep watching) and admins.

Admins: the gate calls `app.state.admin_check(request)` when the app sets one, otherwise
`is_admin_request` below, which lets nobody through. The accounts package plugs in at
`create_app` with `app.state.admin_check = <async (Request) -> bool>` that resolves the session
cookie/bearer token (equinet.accounts.dependencies.session_token + sessions.resolve_session)
and returns `user.is_admin`. It runs only while maintenance is on and must not read the body.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from equinet.kit.log_privacy import redact
from equinet.models.operations import MaintenanceMode
from equinet.ops.metrics import MAINTENANCE_SCOPE_KEY, METRICS_PATH

logger = logging.getLogger("equinet.maintenance")

DEFAULT_MESSAGE = "Equinet har underhåll just nu. Försök igen om en stund."
MAINTENANCE_CODE = "MAINTENANCE"
# Paths that answer during maintenance: load balancers and Prometheus keep working.
OPEN_PATHS = frozenset({"/api/health", METRICS_PATH})

AdminCheck = Callable[[Request], Awaitable[bool]]


async def is_admin_request(request: Request) -> bool:
    """Whether the request comes from an admin; nobody until accounts sets app.state.admin_check."""
    return False


@dataclass(frozen=True)
class MaintenanceState:
    enabled: bool
    message: str | None = None
    changed_by: str | None = None
    changed_at: datetime | None = None

    @property
    def public_message(self) -> str:
        return self.message or DEFAULT_MESSAGE


OFF = MaintenanceState(enabled=False)


async def read_state(connection: AsyncConnection) -> MaintenanceState:
    row = (
        await connection.execute(
            select(
                MaintenanceMode.enabled,
                MaintenanceMode.message,
                MaintenanceMode.changed_by,
                MaintenanceMode.changed_at,
            ).where(MaintenanceMode.id == 1)
        )
    ).one_or_none()
    if row is None:
        return OFF
    enabled, message, changed_by, changed_at = row
    return MaintenanceState(enabled, message, changed_by, changed_at)


async def write_state(
    connection: AsyncConnection, *, enabled: bool, message: str | None, changed_by: str | None
) -> MaintenanceState:
    """Upsert the single row; the caller's transaction commits it."""
    table = MaintenanceMode.__table__
    assert isinstance(table, Table)
    columns = table.c
    values = {
        columns.enabled: enabled,
        columns.message: message,
        columns.changedBy: changed_by,
        columns.changedAt: func.timezone("UTC", func.now()),
    }
    statement = insert(table).values({columns.id: 1, **values})
    statement = statement.on_conflict_do_update(index_elements=[columns.id], set_=values)
    await connection.execute(statement)
    return await read_state(connection)


class MaintenanceCache:
    """The state as one process sees it: read from the database at most every `ttl` seconds.

    While one request refreshes the state, the others use the previous value instead of
    queueing behind it; only the very first read is waited for.
    """

    def __init__(self, ttl: float, read_timeout: float) -> None:
        self.ttl = ttl
        # Only the request that refreshes waits, at most this long (others use the old state).
        self.read_timeout = read_timeout
        self._state: MaintenanceState | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> MaintenanceState | None:
        if self._state is not None and time.monotonic() - self._read_at < self.ttl:
            return self._state
        return None

    async def current(self, engine: AsyncEngine) -> MaintenanceState:
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        if self._lock.locked() and self._state is not None:
            return self._state
        async with self._lock:
            fresh = self._fresh()
            if fresh is not None:
                return fresh
            try:
                async with asyncio.timeout(self.read_timeout), engine.connect() as connection:
                    state = await read_state(connection)
            except Exception as error:  # the API's own error handling reports a dead database
                state = self._state or OFF
                logger.warning(
                    "could not read maintenance mode, keeping %s: %s",
                    state,
                    redact(f"{type(error).__name__}: {error}"),
                )
            self._state = state
            self._read_at = time.monotonic()
            return state


def prefers_html(accept: str) -> bool:
    """True when the Accept header ranks text/html above JSON (browsers, not API clients)."""
    best: dict[str, float] = {"html": 0.0, "json": 0.0}
    specificity: dict[str, int] = {"html": -1, "json": -1}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        for kind, exact, family in (
            ("html", "text/html", "text/*"),
            ("json", "application/json", "application/*"),
        ):
            level = {exact: 2, family: 1, "*/*": 0}.get(media.lower(), -1)
            if level > specificity[kind]:
                specificity[kind], best[kind] = level, quality
    return best["html"] > best["json"]


def maintenance_response(state: MaintenanceState, accept: str, retry_after: int) -> Response:
    headers = {"Retry-After": str(retry_after), "Cache-Control": "no-store"}
    message = state.public_message
    if prefers_html(accept):
        page = (
            '<!doctype html>\n<html lang="sv"><head><meta charset="utf-8">'
            "<title>Underhåll &ndash; Equinet</title></head>"
            f"<body><main><h1>Underhåll pågår</h1><p>{html.escape(message)}</p></main></body>"
            "</html>\n"
        )
        return HTMLResponse(page, status_code=503, headers=headers)
    return JSONResponse(
        {"error": message, "code": MAINTENANCE_CODE}, status_code=503, headers=headers
    )


class MaintenanceMiddleware:
    """Pure ASGI gate: answers 503 while maintenance mode is on (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cache: MaintenanceCache | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        application: Any = scope.get("app")
        engine = getattr(application.state, "engine", None) if application else None
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or engine is None:
            await self.app(scope, receive, send)
            return
        settings = application.state.settings
        if self._cache is None:
            self._cache = MaintenanceCache(
                settings.maintenance_cache_seconds, settings.db_pool_timeout_seconds
            )
        state = await self._cache.current(engine)
        if not state.enabled:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        admin_check: AdminCheck = getattr(application.state, "admin_check", is_admin_request)
        if await admin_check(request):
            await self.app(scope, receive, send)
            return
        scope[MAINTENANCE_SCOPE_KEY] = True
        response = maintenance_response(
            state, request.headers.get("accept", ""), settings.maintenance_retry_after_seconds
        )
        await response(scope, receive, send)
