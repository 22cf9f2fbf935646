"""Background tasks of bookings: the periodic purge of expired idempotency keys."""

from __future__ import annotations

import logging

from equinet.bookings import idempotency
from equinet.jobs.registry import WorkContext, periodic

logger = logging.getLogger("equinet.bookings.tasks")


@periodic("purge_idempotency_keys", cron="*/15 * * * *")
async def purge_idempotency_keys(work: WorkContext) -> None:
    """Delete expired keys in short transactions, so no booking waits long behind the purge."""
    total = 0
    while True:
        async with work.sessionmaker() as db, db.begin():
            deleted = await idempotency.purge_expired(db)
        total += deleted
        if deleted < idempotency.PURGE_BATCH:
            break
    if total:
        logger.info("purged %d expired idempotency keys", total)
