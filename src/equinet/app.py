"""The FastAPI application factory and its lifespan (engine, sessionmaker, Redis made once)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from equinet import __version__
from equinet.db.engine import create_engine, create_sessionmaker, wait_for_database
from equinet.db.environment_stamp import check_stamp
from equinet.db.targets import app_database
from equinet.health.router import router as health_router
from equinet.kit.errors import install_error_handlers
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
            logger.info(
                "Equinet %s (%s) using %s", __version__, settings.equinet_env, target.describe()
            )
            yield
        finally:
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
    return app
