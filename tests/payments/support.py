"""The demo payment gateway served by uvicorn on a free port, for tests that pay over HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import uvicorn
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from equinet.accounts.sessions import create_session
from equinet.models import Booking, Notification, Payment, Provider, User
from equinet.payments import demo_gateway
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import future_day


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class GatewayServer:
    url: str

    def ledger(self) -> list[dict[str, Any]]:
        """Every key the gateway has seen, read over its HTTP API."""
        response = httpx.get(f"{self.url}/charges", timeout=5)
        response.raise_for_status()
        charges: list[dict[str, Any]] = response.json()["charges"]
        return charges

    def charges_for(self, reference: str) -> list[dict[str, Any]]:
        return [
            c for c in self.ledger() if c["reference"] == reference and c["status"] == "succeeded"
        ]


@contextmanager
def running_gateway(
    *, hold_seconds: float = 0.0, decline_above: Decimal | None = None
) -> Iterator[GatewayServer]:
    """The demo gateway listening on 127.0.0.1:<free port> in a thread of this process."""
    port = free_port()
    config = uvicorn.Config(
        demo_gateway.create_app(hold_seconds=hold_seconds, decline_above=decline_above),
        host="127.0.0.1",
        port=port,
        # A held charge cut off at shutdown is expected, not worth a traceback.
        log_level="critical",
        lifespan="off",
        # A held charge must not keep the test run waiting at shutdown.
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"demo-gateway-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the demo gateway did not start")
        time.sleep(0.02)
    try:
        yield GatewayServer(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class CommittedBooking:
    """A confirmed booking committed for real (for tests that run the app in another process
    or need the payment's own transactions), and how to remove it again."""

    booking_id: str
    customer_token: str
    provider_id: str
    user_ids: list[str]


async def committed_booking(
    engine: AsyncEngine, settings: Settings, price: Decimal = Decimal("800.00")
) -> CommittedBooking:
    async with AsyncSession(engine, expire_on_commit=False) as db:
        owner = await factories.user(db, user_type="provider")
        provider = await factories.provider(db, owner)
        service = await factories.service(db, provider, price=price)
        customer = await factories.customer(db, first_name="Karin", last_name="Ek")
        booking = await factories.booking(
            db, by=customer, at=provider, for_service=service, day=future_day(30),
            status="confirmed",
        )  # fmt: skip
        token = await create_session(db, customer, settings)
        await db.commit()
    return CommittedBooking(booking.id, token, provider.id, [owner.id, customer.id])


async def remove(engine: AsyncEngine, made: CommittedBooking) -> None:
    async with AsyncSession(engine) as db:
        await db.execute(delete(Notification).where(Notification.user_id.in_(made.user_ids)))
        await db.execute(delete(Payment).where(Payment.booking_id == made.booking_id))
        await db.execute(delete(Booking).where(Booking.provider_id == made.provider_id))
        await db.execute(delete(Provider).where(Provider.id == made.provider_id))
        await db.execute(delete(User).where(User.id.in_(made.user_ids)))
        await db.commit()


async def payment_row(engine: AsyncEngine, booking_id: str) -> Any:
    async with AsyncSession(engine) as db:
        return (
            await db.execute(
                select(
                    Payment.status,
                    Payment.idempotency_key,
                    Payment.invoice_number,
                    Payment.amount,
                    Payment.provider_payment_id,
                ).where(Payment.booking_id == booking_id)
            )
        ).first()
