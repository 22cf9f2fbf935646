"""Invoice numbers have no gaps and no duplicates, even when payments run at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from equinet.accounts.sessions import create_session
from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from equinet.models import Booking, Notification, Payment, Provider, User
from tests import factories
from tests.bookings.support import future_day
from tests.conftest import make_settings
from tests.payments.support import GatewayServer

PAYMENTS = 30


@pytest.fixture
async def live_app(
    test_database: DatabaseTarget, tmp_path: Path, demo_gateway: GatewayServer
) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        test_database, db_pool_size=10, db_pool_timeout_seconds=60,
        email_outbox_dir=tmp_path / "outbox", payment_gateway_url=demo_gateway.url,
    )  # fmt: skip
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


async def test_concurrent_payments_get_consecutive_invoice_numbers(
    live_app: FastAPI, engine: AsyncEngine, demo_gateway: GatewayServer
) -> None:
    settings = live_app.state.settings
    async with AsyncSession(engine, expire_on_commit=False) as db:
        owner = await factories.user(db, user_type="provider")
        provider = await factories.provider(db, owner)
        service = await factories.service(db, provider, price=Decimal("650.00"))
        user_ids, work = [owner.id], []
        for index in range(PAYMENTS):
            customer = await factories.customer(db)
            user_ids.append(customer.id)
            booking = await factories.booking(
                db, by=customer, at=provider, for_service=service, day=future_day(20 + index),
                status="confirmed",
            )  # fmt: skip
            work.append((booking.id, await create_session(db, customer, settings)))
        await db.commit()
    try:
        transport = httpx.ASGITransport(app=live_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            # Each booking is paid twice at once: both charge under the same key (the gateway
            # replays it), one records the payment, the other is told it is paid already.
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"/api/bookings/{booking_id}/payment",
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    for booking_id, token in work + work
                )
            )
        assert sorted(r.status_code for r in responses) == [200] * PAYMENTS + [400] * PAYMENTS
        numbers = [r.json()["payment"]["invoiceNumber"] for r in responses if r.status_code == 200]
        sequence = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
        assert sequence == list(range(sequence[0], sequence[0] + PAYMENTS))
        for booking_id, _token in work:
            assert len(demo_gateway.charges_for(booking_id)) == 1
    finally:
        async with AsyncSession(engine) as db:
            await db.execute(delete(Notification).where(Notification.user_id.in_(user_ids)))
            booking_ids = select(Booking.id).where(Booking.provider_id == provider.id)
            await db.execute(delete(Payment).where(Payment.booking_id.in_(booking_ids)))
            await db.execute(delete(Booking).where(Booking.provider_id == provider.id))
            await db.execute(delete(Provider).where(Provider.id == provider.id))
            await db.execute(delete(User).where(User.id.in_(user_ids)))
            await db.commit()
