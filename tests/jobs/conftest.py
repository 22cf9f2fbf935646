"""Job tests run on a database of their own whose transactions really commit (a worker must see
them), with real SMTP servers (aiosmtpd) that can be down, refuse, or accept."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from equinet.db.engine import create_engine, create_sessionmaker
from equinet.db.urls import DatabaseTarget
from tests.conftest import copy_of_template, make_settings


class FlakyMailbox:
    """An SMTP handler that answers `451` to the first `refusals` deliveries, then accepts.

    Every delivery attempt is recorded with its Message-ID, refused or not.
    """

    def __init__(self, refusals: int = 0) -> None:
        self.refusals = refusals
        self.attempts: list[str] = []
        self.accepted: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.attempts.append(str(message["Message-ID"]))
            if len(self.attempts) <= self.refusals:
                return "451 4.3.0 try again later"
            self.accepted.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
async def queue_database(migrated_template: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    async with copy_of_template(migrated_template, "jobs") as target:
        yield target


@pytest.fixture(scope="module")
async def queue_engine(queue_database: DatabaseTarget) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(queue_database, make_settings(queue_database))
    yield engine
    await engine.dispose()


@pytest.fixture
def committing(queue_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the jobs database whose commits are real."""
    return create_sessionmaker(queue_engine)
