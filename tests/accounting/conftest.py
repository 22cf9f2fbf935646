"""Fixtures: the Fortnox stand-in on a free port, and the test app configured against it."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.models import Booking, Payment, Provider, User
from equinet.settings import Settings
from tests import factories
from tests.accounting.fortnox_standin import FortnoxStandIn
from tests.bookings.support import future_day, make_shop

TEST_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(scope="module")
def standin() -> Iterator[FortnoxStandIn]:
    with FortnoxStandIn() as running:
        yield running


@pytest.fixture
def fortnox(standin: FortnoxStandIn) -> FortnoxStandIn:
    standin.reset()
    return standin


@pytest.fixture
def fortnox_settings(settings: Settings, fortnox: FortnoxStandIn, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={
            "fortnox_base_url": f"{fortnox.url}/3",
            "fortnox_client_id": fortnox.state.client_id,
            "fortnox_client_secret": fortnox.state.client_secret,
            "fortnox_redirect_uri": "http://testserver/api/integrations/fortnox/callback",
            "fortnox_encryption_key": TEST_KEY,
            "public_base_url": "http://testserver",
            "email_outbox_dir": tmp_path / "outbox",
        }
    )


@pytest.fixture
async def app(
    fortnox_settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[FastAPI]:
    application = create_app(fortnox_settings)
    async with LifespanManager(application):
        application.state.sessionmaker = sessionmaker
        yield application


@dataclass
class PaidWork:
    provider_user: User
    provider: Provider
    customer: User
    bookings: list[Booking]
    payments: list[Payment]
    # Ids read once: the rows expire when a job's session commits.
    booking_ids: list[str]
    payment_ids: list[str]


async def paid_completed(db: AsyncSession, count: int = 1, **customer: object) -> PaidWork:
    """A provider with `count` completed bookings of one customer, each paid 800 kr."""
    shop = await make_shop(db)
    person = await factories.customer(
        db, first_name="Karin", last_name="Ek", phone="0701234567", **customer
    )
    bookings, payments = [], []
    for n in range(count):
        booking = await factories.booking(
            db, by=person, at=shop.provider, for_service=shop.service, day=future_day(-5 - n),
            status="completed", horse_name="Blixten",
        )  # fmt: skip
        payments.append(
            await factories.payment(
                db, booking, amount=800.0, invoice_number=f"EQ-202612-{uuid.uuid4().hex[:8]}"
            )
        )
        bookings.append(booking)
    return PaidWork(
        shop.provider_user, shop.provider, person, bookings, payments,
        [b.id for b in bookings], [p.id for p in payments],
    )  # fmt: skip
