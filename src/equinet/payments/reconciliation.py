"""Settling payments left pending: a process that died between the gateway's charge and the
record of it leaves the payment `pending`; the gateway's ledger knows what happened.

For each payment pending longer than PAYMENT_RECONCILE_AFTER_SECONDS (longer than any charge
may still be on its way) the gateway is asked to `cancel` its key: it answers with the charge
made under the key, or closes the key so that no charge can follow. The answer is recorded as a
request would have (paid with its invoice number, notification and e-mail; or failed, so the
customer may pay again under a new key). A gateway that cannot be reached leaves the payment
pending for the next run. The job queue runs this periodically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.db.base import utcnow
from equinet.payments import repository
from equinet.payments.gateway import GatewayUnavailable, PaymentGateway, gateway_for
from equinet.payments.service import commit, record_outcome
from equinet.settings import Settings

logger = logging.getLogger("equinet.payments.reconciliation")

BATCH = 100


@dataclass
class Reconciled:
    """What one run did: payments recorded as paid, as failed, and still pending."""

    paid: int = 0
    failed: int = 0
    still_pending: int = 0


async def reconcile_pending_payments(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    gateway: PaymentGateway | None = None,
    *,
    older_than_seconds: float | None = None,
    now: datetime | None = None,
) -> Reconciled:
    """Settle up to 100 payments pending for longer than `older_than_seconds`
    (default PAYMENT_RECONCILE_AFTER_SECONDS) with the gateway's ledger."""
    gateway = gateway or gateway_for(settings)
    result = Reconciled()
    age = (
        settings.payment_reconcile_after_seconds
        if older_than_seconds is None
        else older_than_seconds
    )
    before = (now or utcnow()) - timedelta(seconds=age)
    async with sessionmaker() as db:
        pending = await repository.payments_pending_since(db, before, BATCH)
        await db.commit()
    if gateway is None:
        result.still_pending = len(pending)
        return result
    for payment_id, key in pending:
        try:
            charge = await gateway.cancel(key)
        except GatewayUnavailable as error:
            logger.warning("payment %s still pending: %s", payment_id, error)
            result.still_pending += 1
            continue
        async with sessionmaker() as db:
            outcome = await record_outcome(db, settings, payment_id, charge)
            await commit(db)
        if outcome is None:
            continue  # a request recorded it meanwhile
        if outcome.status == "succeeded":
            result.paid += 1
        else:
            result.failed += 1
        logger.info("payment %s reconciled: %s", payment_id, outcome.status)
    return result
