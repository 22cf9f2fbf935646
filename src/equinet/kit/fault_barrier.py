"""Database faults outside the routes become the documented 503/504 JSON, never a 500.

Middleware (the rate limiter's session lookup, the maintenance gate's admin check) and the
validation handler's login gate read the database before or around FastAPI's own exception
handlers, so a pool timeout or a restarting PostgreSQL there used to escape as a 500 and drop
the connection. This pure ASGI layer, outside those middlewares, answers such an error the way
the route handlers do (kit.errors.classify_database_error); anything else is re-raised.
"""

from __future__ import annotations

import logging

from sqlalchemy import exc as sa_exc
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from equinet.kit.errors import classify_database_error, error_response
from equinet.kit.i18n import DEFAULT_LANGUAGE, language
from equinet.kit.metrics import count_database_error
from equinet.kit.sentry import report_database_error

logger = logging.getLogger("equinet.errors")

DATABASE_FAULTS = (sa_exc.DBAPIError, sa_exc.TimeoutError, ConnectionError, OSError)


class DatabaseFaultMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def note_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, note_start)
        except DATABASE_FAULTS as error:
            domain = classify_database_error(error)
            if started or domain.status_code == 500:
                raise
            logger.warning(
                "%s in middleware on %s %s: %s",
                domain.code,
                scope["method"],
                scope["path"],
                type(error).__name__,
            )
            report_database_error(error, count_database_error(domain.code))
            # The locale middleware (inside this one) left the request's language in the scope.
            chosen = scope.get("state", {}).get("language", DEFAULT_LANGUAGE)
            with language(chosen):
                response = error_response(domain)
            await response(scope, receive, send)
