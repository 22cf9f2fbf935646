"""Background tasks of accounting: send one booking's invoice to Fortnox, revoke a token."""

from __future__ import annotations

from equinet.accounting import service
from equinet.jobs.registry import WorkContext, task


@task(service.SYNC_INVOICE_TASK)
async def sync_invoice(work: WorkContext, *, booking_id: str) -> None:
    """Fortnox down, a 5xx, a busy claim: raised, so the queue runs the job again later."""
    await service.sync_invoice(work.sessionmaker, work.settings, booking_id)


@task(service.REVOKE_TOKEN_TASK)
async def revoke_token(work: WorkContext, *, provider_id: str, token: str) -> None:
    await service.revoke(work.settings, provider_id, token)
