"""The real worker on committed data: a sync queued by the request, a Fortnox 5xx, the retry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.accounting import service
from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from equinet.jobs.worker import run_worker
from equinet.models import Payment
from equinet.settings import Settings
from tests.accounting.conftest import TEST_KEY, paid_completed
from tests.accounting.fortnox_standin import FortnoxStandIn
from tests.accounting.test_fortnox import _connect
from tests.bookings.support import auth
from tests.conftest import make_settings
from tests.jobs.conftest import committing, queue_database, queue_engine

__all__ = ["committing", "queue_database", "queue_engine"]


@pytest.fixture
def worker_settings(queue_database: DatabaseTarget, fortnox: FortnoxStandIn) -> Settings:
    return make_settings(
        queue_database,
        fortnox_base_url=f"{fortnox.url}/3",
        fortnox_client_id=fortnox.state.client_id,
        fortnox_client_secret=fortnox.state.client_secret,
        fortnox_encryption_key=TEST_KEY,
        job_retry_base_seconds=0.1,
        job_max_attempts=3,
    )


@pytest.fixture
async def committing_app(worker_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(worker_settings)
    async with LifespanManager(application):
        yield application


async def test_a_fortnox_5xx_is_retried_by_the_worker_and_the_invoice_is_sent_once(
    committing: async_sessionmaker[AsyncSession],
    committing_app: FastAPI,
    worker_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    async with committing() as db:
        work = await paid_completed(db)
        await _connect(db, worker_settings, fortnox, work.provider.id)
        headers = await auth(db, work.provider_user, worker_settings)
        await db.commit()
    [booking_id], [payment_id] = work.booking_ids, work.payment_ids
    fortnox.fail_next("POST", "/3/invoices", 502)

    transport = httpx.ASGITransport(app=committing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/api/integrations/fortnox/sync", headers=headers)
    assert response.status_code == 202 and response.json()["queued"] == 1

    await run_worker(worker_settings, once=True)  # the first run meets the 502
    assert fortnox.state.invoices == []
    async with committing() as db:
        job = (
            await db.execute(
                text("SELECT status::text, attempts FROM procrastinate_jobs WHERE task_name = :t"),
                {"t": service.SYNC_INVOICE_TASK},
            )
        ).one()
        payment = await db.get(Payment, payment_id)
    assert job.status == "todo" and job.attempts == 1  # waiting for its retry
    assert payment is not None and payment.fortnox_invoice_id is None

    await asyncio.sleep(0.3)
    await run_worker(worker_settings, once=True)

    [invoice] = fortnox.invoices_with_reference(booking_id)
    async with committing() as db:
        payment = await db.get(Payment, payment_id)
        left = await db.scalar(text("SELECT count(*) FROM procrastinate_jobs"))
    assert payment is not None and payment.fortnox_invoice_id == invoice["DocumentNumber"]
    assert left == 0


async def test_two_jobs_of_one_booking_at_once_create_one_invoice(
    committing: async_sessionmaker[AsyncSession],
    worker_settings: Settings,
    fortnox: FortnoxStandIn,
) -> None:
    async with committing() as db:
        work = await paid_completed(db)
        await _connect(db, worker_settings, fortnox, work.provider.id)
        await db.commit()
    [booking_id] = work.booking_ids

    outcomes = await asyncio.gather(
        *(service.sync_invoice(committing, worker_settings, booking_id) for _ in range(4)),
        return_exceptions=True,
    )

    assert len(fortnox.invoices_with_reference(booking_id)) == 1
    sent = [o for o in outcomes if isinstance(o, str)]
    assert len(sent) == 1, outcomes
    # The others either found the invoice recorded or met the claim and will run again.
    assert all(o is None or isinstance(o, service.SyncBusy) for o in outcomes if o not in sent)
