"""Fixtures: the test app with its own outbox and a CRON_SECRET for the scheduler's route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.settings import Settings
from tests.bookings.support import outbox

CRON_SECRET = "cron-secret-for-tests-0123456789"

__all__ = ["CRON_SECRET", "app", "outbox"]


@pytest.fixture
async def app(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], outbox: Path
) -> AsyncIterator[FastAPI]:
    application = create_app(
        settings.model_copy(update={"email_outbox_dir": outbox, "cron_secret": CRON_SECRET})
    )
    async with LifespanManager(application):
        application.state.sessionmaker = sessionmaker
        yield application
