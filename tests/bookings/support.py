"""Shared helpers of the booking, payment, review and notification tests."""

from __future__ import annotations

import email
import email.policy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.accounts.sessions import create_session
from equinet.app import create_app
from equinet.kit.dates import today_local
from equinet.models import Provider, Service, User
from equinet.settings import Settings
from tests import factories


def future_day(days: int = 10) -> date:
    return today_local() + timedelta(days=days)


async def auth(db: AsyncSession, user: User, settings: Settings) -> dict[str, str]:
    token = await create_session(db, user, settings)
    return {"Authorization": f"Bearer {token}"}


async def open_every_day(
    db: AsyncSession, provider: Provider, start: str = "08:00", end: str = "18:00"
) -> None:
    for weekday in range(7):
        await factories.availability(
            db, provider, day_of_week=weekday, start_time=start, end_time=end
        )


@dataclass
class Shop:
    """A provider open 08:00-18:00 every day, with one 60-minute service."""

    provider_user: User
    provider: Provider
    service: Service


async def make_shop(db: AsyncSession, **provider_overrides: object) -> Shop:
    owner = await factories.user(db, user_type="provider", first_name="Hanna", last_name="Hov")
    provider = await factories.provider(
        db, owner, business_name="Hovslageri Hanna", **provider_overrides
    )
    await open_every_day(db, provider)
    service = await factories.service(db, provider, name="Skoning", price=Decimal("800.00"))
    return Shop(owner, provider, service)


def read_outbox(folder: Path) -> list[EmailMessage]:
    if not folder.exists():
        return []
    messages = []
    for path in sorted(folder.glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


def body_of(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
async def app(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], outbox: Path
) -> AsyncIterator[FastAPI]:
    """The shared test app, with e-mails written to this test's own outbox folder."""
    application = create_app(settings.model_copy(update={"email_outbox_dir": outbox}))
    async with LifespanManager(application):
        # The app's sessionmaker, replaced by one bound to the test's transaction.
        application.state.sessionmaker = sessionmaker
        yield application
