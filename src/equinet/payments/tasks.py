"""Background tasks of payments: settle payments left pending by a lost answer or a crash."""

from __future__ import annotations

import logging

from equinet.jobs.registry import WorkContext, periodic
from equinet.payments.gateway import gateway_for
from equinet.payments.reconciliation import reconcile_pending_payments

logger = logging.getLogger("equinet.payments.tasks")


@periodic("reconcile_pending_payments", cron="* * * * *")
async def reconcile(work: WorkContext) -> None:
    """Ask the gateway's ledger about every payment pending longer than the grace period."""
    gateway = gateway_for(work.settings)
    if gateway is None:  # no gateway configured: nothing can have been charged
        return
    result = await reconcile_pending_payments(work.sessionmaker, work.settings, gateway)
    if result.paid or result.failed:
        logger.info("reconciled pending payments: %s", result)
