"""Public listings read from a streaming replica when `DATABASE_REPLICA_URL` is set.

Only the routes that take `ReadDbSession` read there: the provider search, the visiting-area
listing, a provider's public profile and its reviews. Everything that validates or writes
(bookings with their overlap and slot checks, the availability a customer books from,
payments, logins and sessions) takes `DbSession` and always reads the primary, so a booking
is never judged by data that has not replicated yet. A replica lags the primary by its replay
lag: a profile edited a moment ago may show its old text on the listing for that long.
Without `DATABASE_REPLICA_URL` a `ReadDbSession` is the primary's session, unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from equinet.db.engine import create_engine
from equinet.db.session import get_sessionmaker, request_transaction
from equinet.db.urls import DatabaseTarget, parse_database_url
from equinet.settings import Settings

REPLICA_APPLICATION_NAME = "equinet-app-replica"


def replica_database(settings: Settings) -> DatabaseTarget | None:
    """The replica's parsed URL, or None when the public listings read the primary."""
    if not settings.database_replica_url:
        return None
    return parse_database_url(settings.database_replica_url)


def create_replica_engine(target: DatabaseTarget, settings: Settings) -> AsyncEngine:
    """The replica's own bounded pool, built like the primary's (statement timeout, no overflow)."""
    return create_engine(target, settings, application_name=REPLICA_APPLICATION_NAME)


def get_read_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """The replica's sessionmaker when one is configured, else the primary's."""
    replica: async_sessionmaker[AsyncSession] | None = getattr(
        request.app.state, "read_sessionmaker", None
    )
    return replica if replica is not None else get_sessionmaker(request)


async def get_read_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    # The same one-transaction scope as DbSession: a write here fails on a hot standby
    # (read-only transaction) instead of being dropped silently. The maker is read here, not
    # through a plain-function dependency, which FastAPI would run in its thread pool.
    async with request_transaction(get_read_sessionmaker(request)) as session:
        yield session


ReadDbSession = Annotated[AsyncSession, Depends(get_read_db_session, scope="function")]
