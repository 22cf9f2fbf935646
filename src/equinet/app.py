"""The FastAPI application factory and its lifespan (engine, sessionmaker, Redis made once)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from equinet import __version__
from equinet.accounting.router import router as accounting_router
from equinet.accounts.dependencies import Forbidden, Unauthorized
from equinet.accounts.lookup import is_admin_request, missing_login, needs_login, rate_limit_user_id
from equinet.accounts.router import router as accounts_router
from equinet.accounts.two_factor_router import router as two_factor_router
from equinet.admin.router import router as admin_router
from equinet.availability.router import router as availability_router
from equinet.bookings.router import customers_router
from equinet.bookings.router import router as bookings_router
from equinet.calendar_feeds.router import feed_router as calendar_router
from equinet.calendar_feeds.router import router as calendar_feed_router
from equinet.catalog.router import router as catalog_router
from equinet.db.engine import create_engine, create_sessionmaker, wait_for_database
from equinet.db.environment_stamp import check_stamp
from equinet.db.replica import create_replica_engine, replica_database
from equinet.db.revisions import revision_chain
from equinet.db.targets import app_database
from equinet.gdpr.router import router as gdpr_router
from equinet.geocoding.places import swedish_places
from equinet.geocoding.router import router as geocoding_router
from equinet.group_bookings.router import router as group_bookings_router
from equinet.health.router import router as health_router
from equinet.horses.router import passport_router
from equinet.horses.router import router as horses_router
from equinet.kit.csrf import CsrfMiddleware
from equinet.kit.errors import install_error_handlers
from equinet.kit.fault_barrier import DatabaseFaultMiddleware
from equinet.kit.i18n import LocaleMiddleware
from equinet.kit.log_privacy import install_log_redaction
from equinet.kit.openapi import declare_shared_errors, install_openapi
from equinet.kit.query_params import reject_unknown_query_parameters
from equinet.kit.rate_limit import RateLimiter, RateLimitMiddleware
from equinet.kit.redis_breaker import RedisBreaker, redis_client_options
from equinet.kit.request_guard import RequestGuardMiddleware
from equinet.kit.security_headers import SecurityHeadersMiddleware
from equinet.kit.sentry import init_sentry
from equinet.notifications.router import router as notifications_router
from equinet.ops.maintenance import MaintenanceMiddleware
from equinet.ops.metrics import RequestMetricsMiddleware
from equinet.ops.metrics import router as metrics_router
from equinet.payments.router import router as payments_router
from equinet.providers.cache import ProviderListingCache
from equinet.providers.router import router as providers_router
from equinet.reminders.router import cron_router
from equinet.reminders.router import router as reminders_router
from equinet.reviews.router import router as reviews_router
from equinet.routes.router import orders_router as route_orders_router
from equinet.routes.router import routes_router
from equinet.settings import Environment, Settings, get_settings
from equinet.uploads.router import router as uploads_router
from equinet.verification.router import router as verification_router
from equinet.web.error_pages import ErrorPageMiddleware
from equinet.web.pages import install_pages

logger = logging.getLogger("equinet.app")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = (settings or get_settings()).check()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        target = app_database(settings)
        engine = create_engine(target, settings)
        replica = replica_database(settings)
        replica_engine = create_replica_engine(replica, settings) if replica else None
        warm_places: asyncio.Task[object] | None = None
        try:
            await wait_for_database(engine, settings, target)
            async with engine.connect() as connection:
                await check_stamp(connection, settings, target.describe())
            app.state.engine = engine
            app.state.sessionmaker = create_sessionmaker(engine)
            app.state.database = target
            # The public listings' reads (equinet.db.replica); None: they read the primary.
            app.state.read_sessionmaker = None
            if replica is not None and replica_engine is not None:
                await wait_for_database(replica_engine, settings, replica)
                async with replica_engine.connect() as connection:
                    await check_stamp(connection, settings, replica.describe())
                app.state.read_sessionmaker = create_sessionmaker(replica_engine)
            # /api/health compares with the scripts' head: read once, not on every call.
            app.state.revision_chain = revision_chain()
            # The Swedish places take ~2 s to read: in the background, not in a user's request
            # (tests read them when a test geocodes).
            if settings.equinet_env is not Environment.test:
                warm_places = asyncio.create_task(asyncio.to_thread(swedish_places))
            app.state.redis = None
            # One breaker for every Redis call: a hung Redis costs one short timeout, then
            # nothing, and is reported once per outage.
            app.state.redis_breaker = RedisBreaker.from_settings(settings)
            if settings.redis_url:
                from redis.asyncio import Redis

                app.state.redis = Redis.from_url(
                    settings.redis_url, **redis_client_options(settings)
                )
            app.state.provider_listings = ProviderListingCache(
                redis=app.state.redis,
                namespace=target.describe(),
                ttl_seconds=settings.provider_cache_ttl_seconds,
                breaker=app.state.redis_breaker,
                repeat_after_seconds=settings.replica_lag_allowance_seconds if replica else 0.0,
            )
            # Rate-limit counts: Redis (shared by all workers) or this process (no REDIS_URL).
            app.state.rate_limiter = RateLimiter(settings, app.state.redis_breaker)
            logger.info(
                "Equinet %s (%s) using %s%s",
                __version__,
                settings.equinet_env,
                target.describe(),
                f", listings from the replica {replica.describe()}" if replica else "",
            )
            yield
        finally:
            if warm_places is not None:
                warm_places.cancel()
            if getattr(app.state, "rate_limiter", None) is not None:
                await app.state.rate_limiter.aclose()
            if getattr(app.state, "provider_listings", None) is not None:
                app.state.provider_listings.close()
            if getattr(app.state, "redis", None) is not None:
                await app.state.redis.aclose()
            if replica_engine is not None:
                await replica_engine.dispose()
            await engine.dispose()

    # Swagger UI and ReDoc from the fastapi-offline package: /docs works with no internet.
    app = FastAPIOffline(
        title="Equinet",
        version=__version__,
        summary="Booking platform for horse care",
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_query_parameters)],
    )
    app.state.settings = settings
    install_error_handlers(app)
    # Every API router, in the order they are matched; each declares the shared errors too.
    api_routers = [
        health_router, accounts_router, two_factor_router, bookings_router, payments_router,
        customers_router, reviews_router, notifications_router, providers_router,
        availability_router, catalog_router, geocoding_router, horses_router, passport_router,
        calendar_feed_router, calendar_router, cron_router, reminders_router, uploads_router,
        verification_router, admin_router, gdpr_router, route_orders_router, routes_router,
        group_bookings_router, accounting_router,
    ]  # fmt: skip
    declare_shared_errors(
        api_routers, needs_login=needs_login, login_errors=(Unauthorized, Forbidden)
    )
    app.include_router(metrics_router)
    for api_router in api_routers:
        app.include_router(api_router)
    if settings.equinet_env is Environment.development:
        # The demo payment gateway on the app's own port, so `make run` needs no setup.
        from equinet.payments import demo_gateway

        app.mount(demo_gateway.DEMO_GATEWAY_PATH, demo_gateway.create_app())
    install_openapi(app, cookie_name=settings.session_cookie_name)
    # The pages: the same services as the API, rendered as HTML (equinet.web).
    install_pages(app)
    # Maintenance mode lets admins through: resolved from the session token, read-only.
    app.state.admin_check = is_admin_request
    # An anonymous call with an unreadable body still gets the protected route's 401.
    app.state.login_gate = missing_login
    # Security layers, inner to outer: rate limits (before the body is read), then CSRF.
    # Innermost: oversized, slow and NUL-carrying requests stop before any route parses them
    # (after the rate limits, which are checked before the body is read).
    app.add_middleware(RequestGuardMiddleware, settings=settings)
    app.add_middleware(RateLimitMiddleware, settings=settings, resolve_user=rate_limit_user_id)
    app.add_middleware(CsrfMiddleware, settings=settings)
    # The language is known before any message (429, 503, CSRF refusals) is written.
    app.add_middleware(LocaleMiddleware)
    # Outermost last: metrics also time the 503s that maintenance mode answers.
    app.add_middleware(MaintenanceMiddleware)
    # Database faults in the middlewares above answer 503/504 JSON, as the routes do.
    app.add_middleware(DatabaseFaultMiddleware)
    # Browsers asking for a page get the errors above as HTML pages (the API keeps JSON).
    app.add_middleware(ErrorPageMiddleware)
    app.add_middleware(RequestMetricsMiddleware)
    # Outermost: every response, maintenance 503s and 429s included, carries the headers.
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    init_sentry(settings)
    install_log_redaction()
    return app
