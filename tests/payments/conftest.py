"""Fixtures: the test app with its own e-mail outbox, paying through the session's demo gateway
(tests/conftest.py)."""

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
from tests.payments.support import GatewayServer

__all__ = ["app", "outbox"]


@pytest.fixture
def payment_settings(settings: Settings, outbox: Path, demo_gateway: GatewayServer) -> Settings:
    return settings.model_copy(
        update={"email_outbox_dir": outbox, "payment_gateway_url": demo_gateway.url}
    )


@pytest.fixture
async def app(
    payment_settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[FastAPI]:
    application = create_app(payment_settings)
    async with LifespanManager(application):
        application.state.sessionmaker = sessionmaker
        yield application
