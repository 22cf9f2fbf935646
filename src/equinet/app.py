"""The FastAPI application factory and its lifespan (engine, sessionmaker, Redis made once)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from equinet import __version__
from equinet.accounting.router import router as accounting_router
from equinet.accounts.lookup import is_admin_request, missing_login, rate_limit_user_id
from equinet.accounts.router import router as accounts_router
from equinet.availability.router import router as availability_router
from equinet.bookings.router import customers_router
from equinet.bookings.router import router as bookings_router
from equinet.catalog.router import router as catalog_router
from equinet.db.engine import create_engine, create_sessionmaker, wait_for_database
from equinet.db.environment_stamp import check_stamp
from equinet.db.targets import app_database
from equinet.health.router import router as health_router
from equinet.kit.csrf import CsrfMiddleware
from equinet.kit.errors import install_error_handlers
from equinet.kit.i18n import LocaleMiddleware
from equinet.kit.rate_limit import RateLimiter, RateLimitMiddleware
from equinet.kit.security_headers import SecurityHeadersMiddleware
from equinet.kit.sentry import init_sentry
from equinet.notifications.router import router as notifications_router
from equinet.ops.maintenance import MaintenanceMiddleware
from equinet.ops.metrics import RequestMetricsMiddleware
from equinet.ops.metrics import router as metrics_router
from equinet.payments.router import router as payments_router
from equinet.providers.cache import ProviderListingCache
from equinet.providers.router import router as providers_router
from equinet.reviews.router import router as reviews_router
from equinet.settings import Settings, get_settings

logger = logging.getLogger("equinet.app")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = (settings or get_settings()).check()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        target = app_database(settings)
        engine = create_engine(target, settings)
        try:
            await wait_for_database(engine, settings, target)
            async with engine.connect() as connection:
                await check_stamp(connection, settings, target.describe())
            app.state.engine = engine
            app.state.sessionmaker = create_sessionmaker(engine)
            app.state.database = target
            app.state.redis = None
            if settings.redis_url:
                from redis.asyncio import Redis

                app.state.redis = Redis.from_url(settings.redis_url, socket_timeout=2)
            app.state.provider_listings = ProviderListingCache(
                redis=app.state.redis,
                namespace=target.describe(),
                ttl_seconds=settings.provider_cache_ttl_seconds,
            )
            # Rate-limit counts: Redis (shared by all workers) or this process (no REDIS_URL).
            app.state.rate_limiter = RateLimiter(settings)
            logger.info(
                "Equinet %s (%s) using %s", __version__, settings.equinet_env, target.describe()
            )
            yield
        finally:
            if getattr(app.state, "rate_limiter", None) is not None:
                await app.state.rate_limiter.aclose()
            if getattr(app.state, "provider_listings", None) is not None:
                app.state.provider_listings.close()
            if getattr(app.state, "redis", None) is not None:
                await app.state.redis.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Equinet",
        version=__version__,
        summary="Booking platform for horse care",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(accounts_router)
    app.include_router(bookings_router)
    app.include_router(payments_router)
    app.include_router(customers_router)
    app.include_router(reviews_router)
    app.include_router(notifications_router)
    app.include_router(providers_router)
    app.include_router(availability_router)
    app.include_router(catalog_router)
    app.include_router(accounting_router)
    # Maintenance mode lets admins through: resolved from the session token, read-only.
    app.state.admin_check = is_admin_request
    # An anonymous call with an unreadable body still gets the protected route's 401.
    app.state.login_gate = missing_login
    # Security layers, inner to outer: rate limits (before the body is read), then CSRF.
    app.add_middleware(RateLimitMiddleware, settings=settings, resolve_user=rate_limit_user_id)
    app.add_middleware(CsrfMiddleware, settings=settings)
    # The language is known before any message (429, 503, CSRF refusals) is written.
    app.add_middleware(LocaleMiddleware)
    # Outermost last: metrics also time the 503s that maintenance mode answers.
    app.add_middleware(MaintenanceMiddleware)
    app.add_middleware(RequestMetricsMiddleware)
    # Outermost: every response, maintenance 503s and 429s included, carries the headers.
    docs_paths = tuple(path for path in (app.docs_url, app.redoc_url) if path)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings, docs_paths=docs_paths)
    init_sentry(settings)
    return app
