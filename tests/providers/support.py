"""Helpers of the provider, catalogue and availability tests: logins, apps with their own
cache settings, and a clean listing cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.accounts.sessions import create_session
from equinet.app import create_app
from equinet.models import Provider, User
from equinet.providers.cache import invalidate_all_listings
from equinet.settings import Settings
from tests import factories


async def auth(db: AsyncSession, user: User, settings: Settings) -> dict[str, str]:
    token = await create_session(db, user, settings)
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Owner:
    """A provider user, their Provider row and the headers of their session."""

    user: User
    provider: Provider
    headers: dict[str, str]


async def provider_owner(db: AsyncSession, settings: Settings, **overrides: Any) -> Owner:
    user = await factories.user(db, user_type="provider")
    provider = await factories.provider(db, user, **overrides)
    return Owner(user, provider, await auth(db, user, settings))


@asynccontextmanager
async def client_for(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """An app with these settings (e.g. no Redis), sharing the test's transaction."""
    application = create_app(settings)
    async with LifespanManager(application):
        # The app's sessionmaker, replaced by one bound to the test's transaction.
        application.state.sessionmaker = sessionmaker
        await invalidate_all_listings()  # Redis entries of earlier tests were rolled back
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
