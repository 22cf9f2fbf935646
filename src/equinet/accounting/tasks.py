"""Background tasks of accounting: send one booking's invoice to Fortnox, revoke a removed
connection's token, and keep idle connections' refresh tokens from lapsing."""

from __future__ import annotations

import logging

from equinet.accounting import service
from equinet.jobs.registry import WorkContext, periodic, task

logger = logging.getLogger("equinet.accounting.tasks")


@task(service.SYNC_INVOICE_TASK)
async def sync_invoice(work: WorkContext, *, booking_id: str) -> None:
    """Fortnox down, a 5xx, a busy claim: raised, so the queue runs the job again later."""
    await service.sync_invoice(work.sessionmaker, work.settings, booking_id)


@task(service.REVOKE_TOKEN_TASK)
async def revoke_token(work: WorkContext, *, provider_id: str, token: str) -> None:
    await service.revoke(work.settings, provider_id, token)


@periodic("fortnox_keep_connections_alive", cron="17 3 * * *")
async def keep_connections_alive(work: WorkContext) -> None:
    refreshed = await service.keep_connections_alive(work.sessionmaker, work.settings)
    if refreshed:
        logger.info("refreshed %d idle Fortnox connections", refreshed)
