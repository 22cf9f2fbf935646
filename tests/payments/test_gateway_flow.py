"""Payments talk to the gateway over HTTP outside any transaction, under an idempotency key:
a retry never charges twice, an unknown outcome stays pending, pending payments are settled
from the gateway's ledger."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.db.base import utcnow
from equinet.db.urls import DatabaseTarget
from equinet.models import Notification, Payment
from equinet.payments import service
from equinet.payments.gateway import PaymentGateway
from equinet.payments.reconciliation import reconcile_pending_payments
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop, read_outbox
from tests.conftest import make_settings
from tests.jobs.support import run_queued_jobs
from tests.payments.support import (
    GatewayServer,
    committed_booking,
    free_port,
    remove,
    running_gateway,
)

SOON = timedelta(seconds=1)  # "now" for the reconciliation: every pending payment is old enough


@asynccontextmanager
async def client_of(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings)
    async with LifespanManager(application):
        if sessionmaker is not None:
            application.state.sessionmaker = sessionmaker
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def _confirmed(db: AsyncSession) -> tuple[Any, Any, Any]:
    shop = await make_shop(db)
    customer = await factories.customer(db, first_name="Karin", last_name="Ek")
    booking = await factories.booking(
        db, by=customer, at=shop.provider, for_service=shop.service, day=future_day(),
        status="confirmed",
    )  # fmt: skip
    return shop, customer, booking


async def _payment(db: AsyncSession, booking_id: str) -> Payment:
    payment = await db.scalar(
        select(Payment)
        .where(Payment.booking_id == booking_id)
        .execution_options(populate_existing=True)
    )
    assert payment is not None
    return payment


async def test_a_retry_after_a_lost_answer_charges_once(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    demo_gateway: GatewayServer,
) -> None:
    _shop, customer, booking = await _confirmed(db_session)
    # The first request recorded the payment and charged it, then its answer was lost.
    attempt = await service.start_payment(db_session, customer.id, booking.id)
    await PaymentGateway(demo_gateway.url).charge(
        key=attempt.key, amount=attempt.amount, currency="SEK", reference=booking.id
    )

    retry = await client.post(
        f"/api/bookings/{booking.id}/payment", headers=await auth(db_session, customer, settings)
    )

    assert retry.status_code == 200, retry.text
    [charge] = demo_gateway.charges_for(booking.id)
    assert charge["idempotencyKey"] == attempt.key
    payment = await _payment(db_session, booking.id)
    assert payment.status == "succeeded" and payment.provider_payment_id == charge["id"]


async def test_an_unreachable_gateway_leaves_the_payment_pending_until_a_retry(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    payment_settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    demo_gateway: GatewayServer,
) -> None:
    _shop, customer, booking = await _confirmed(db_session)
    headers = await auth(db_session, customer, payment_settings)
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with client_of(
        payment_settings.model_copy(update={"payment_gateway_url": nowhere}), sessionmaker
    ) as cut_off:
        refused = await cut_off.post(f"/api/bookings/{booking.id}/payment", headers=headers)

    assert refused.status_code == 503
    assert refused.json()["code"] == "PAYMENT_PENDING"
    assert refused.headers["retry-after"] == "10"
    pending = await _payment(db_session, booking.id)
    assert pending.status == "pending" and pending.invoice_number is None
    status = await client.get(f"/api/bookings/{booking.id}/payment", headers=headers)
    assert status.json()["status"] == "pending"

    retry = await client.post(f"/api/bookings/{booking.id}/payment", headers=headers)
    assert retry.status_code == 200, retry.text
    assert len(demo_gateway.charges_for(booking.id)) == 1
    assert (await _payment(db_session, booking.id)).idempotency_key == pending.idempotency_key


async def test_a_declined_charge_is_402_and_the_customer_may_pay_again(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    payment_settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    demo_gateway: GatewayServer,
) -> None:
    _shop, customer, booking = await _confirmed(db_session)  # 800 kr
    headers = await auth(db_session, customer, payment_settings)
    with running_gateway(decline_above=Decimal(500)) as strict:
        async with client_of(
            payment_settings.model_copy(update={"payment_gateway_url": strict.url}), sessionmaker
        ) as strict_client:
            declined = await strict_client.post(
                f"/api/bookings/{booking.id}/payment", headers=headers
            )
        assert strict.charges_for(booking.id) == []

    assert declined.status_code == 402
    assert declined.json()["code"] == "PAYMENT_FAILED"
    assert declined.json()["error"].startswith("Kortet nekades")
    failed = await _payment(db_session, booking.id)
    assert failed.status == "failed" and failed.invoice_number is None
    first_key = failed.idempotency_key

    again = await client.post(f"/api/bookings/{booking.id}/payment", headers=headers)
    assert again.status_code == 200, again.text
    [charge] = demo_gateway.charges_for(booking.id)
    assert charge["idempotencyKey"] != first_key


async def test_no_lock_or_transaction_is_held_while_the_gateway_is_asked(
    test_database: DatabaseTarget, engine: AsyncEngine, tmp_path: Path
) -> None:
    with running_gateway(hold_seconds=1.5) as slow:
        settings = make_settings(
            test_database, email_outbox_dir=tmp_path, payment_gateway_url=slow.url
        )
        made = await committed_booking(engine, settings)
        try:
            async with client_of(settings) as client:
                paying = asyncio.create_task(
                    client.post(
                        f"/api/bookings/{made.booking_id}/payment",
                        headers={"Authorization": f"Bearer {made.customer_token}"},
                    )
                )
                try:
                    open_transactions = await _probe_while_held(engine, slow, made.booking_id)
                finally:
                    response = await paying  # the request ends before its rows are removed
                assert open_transactions == 0
            assert response.status_code == 200, response.text
        finally:
            await remove(engine, made)


async def _probe_while_held(engine: AsyncEngine, gateway: GatewayServer, booking_id: str) -> int:
    """While the gateway holds the charge: take the booking's and payment's rows from another
    transaction (NOWAIT fails if anyone holds them) and count open transactions."""
    for _ in range(200):
        if await asyncio.to_thread(gateway.charges_for, booking_id):
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the charge never reached the gateway")
    async with engine.connect() as probe:
        await probe.execute(
            text('SELECT 1 FROM "Booking" WHERE id = :id FOR UPDATE NOWAIT'), {"id": booking_id}
        )
        await probe.execute(
            text('SELECT 1 FROM "Payment" WHERE "bookingId" = :id FOR UPDATE NOWAIT'),
            {"id": booking_id},
        )
        open_transactions = await probe.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
            )
        )
        await probe.rollback()
    return int(open_transactions or 0)


async def test_reconciliation_records_a_charge_whose_answer_was_lost(
    db_session: AsyncSession,
    payment_settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    demo_gateway: GatewayServer,
    outbox: Path,
) -> None:
    shop, customer, booking = await _confirmed(db_session)
    attempt = await service.start_payment(db_session, customer.id, booking.id)
    await PaymentGateway(demo_gateway.url).charge(
        key=attempt.key, amount=attempt.amount, currency="SEK", reference=booking.id
    )

    done = await reconcile_pending_payments(
        sessionmaker, payment_settings, older_than_seconds=0, now=utcnow() + SOON
    )

    assert (done.paid, done.failed, done.still_pending) == (1, 0, 0)
    payment = await _payment(db_session, booking.id)
    assert payment.status == "succeeded" and payment.invoice_number
    assert payment.paid_at is not None
    note = await db_session.scalar(
        select(Notification.type).where(Notification.user_id == shop.provider_user.id)
    )
    assert note == "payment_received"
    await run_queued_jobs(sessionmaker, payment_settings)  # the worker sends the receipt
    [receipt] = read_outbox(outbox)
    assert receipt["Subject"] == f"Betalningsbekräftelse - {payment.invoice_number}"
    assert len(demo_gateway.charges_for(booking.id)) == 1


async def test_reconciliation_fails_a_payment_never_charged_and_closes_its_key(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    payment_settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    demo_gateway: GatewayServer,
) -> None:
    _shop, customer, booking = await _confirmed(db_session)
    # The process died after recording the payment, before its charge left.
    attempt = await service.start_payment(db_session, customer.id, booking.id)

    done = await reconcile_pending_payments(
        sessionmaker, payment_settings, older_than_seconds=0, now=utcnow() + SOON
    )

    assert (done.paid, done.failed) == (0, 1)
    assert (await _payment(db_session, booking.id)).status == "failed"
    late = await PaymentGateway(demo_gateway.url).charge(
        key=attempt.key, amount=attempt.amount, currency="SEK", reference=booking.id
    )
    assert late.status == "cancelled" and demo_gateway.charges_for(booking.id) == []
    paid = await client.post(
        f"/api/bookings/{booking.id}/payment",
        headers=await auth(db_session, customer, payment_settings),
    )
    assert paid.status_code == 200, paid.text
    assert len(demo_gateway.charges_for(booking.id)) == 1


async def test_reconciliation_leaves_young_payments_and_an_unreachable_gateway_alone(
    db_session: AsyncSession,
    payment_settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _shop, customer, booking = await _confirmed(db_session)
    await service.start_payment(db_session, customer.id, booking.id)

    young = await reconcile_pending_payments(sessionmaker, payment_settings)
    nowhere = PaymentGateway(f"http://127.0.0.1:{free_port()}", timeout_seconds=2)
    cut_off = await reconcile_pending_payments(
        sessionmaker, payment_settings, nowhere, older_than_seconds=0, now=utcnow() + SOON
    )

    assert (young.paid, young.failed, young.still_pending) == (0, 0, 0)
    assert cut_off.still_pending >= 1 and (cut_off.paid, cut_off.failed) == (0, 0)
    assert (await _payment(db_session, booking.id)).status == "pending"


@pytest.mark.parametrize("amount", ["12345.67", "0.10"])
async def test_the_gateway_receives_the_exact_amount(
    db_session: AsyncSession, demo_gateway: GatewayServer, amount: str
) -> None:
    charge = await PaymentGateway(demo_gateway.url).charge(
        key=f"exact-{amount}-{id(db_session)}",
        amount=Decimal(amount),
        currency="SEK",
        reference="exact",
    )
    assert charge.amount == Decimal(amount) and charge.succeeded
