"""The `send_email` task: build the queued e-mail from the database, then send it.

The e-mail is built in a short read-only transaction that ends before SMTP is spoken to, so a
slow or absent mail server holds no database connection. A failed send raises, and the queue
retries it with backoff under the same Message-ID.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import replace
from typing import Any

from equinet.jobs.registry import WorkContext, task
from equinet.kit import i18n
from equinet.kit.email import EMAIL_BUILDERS, EMAIL_MODULES, SEND_EMAIL_TASK, deliver

logger = logging.getLogger("equinet.jobs.mail")


def builders() -> dict[str, Any]:
    for module in EMAIL_MODULES:
        importlib.import_module(module)
    return EMAIL_BUILDERS


@task(SEND_EMAIL_TASK)
async def send_email(
    work: WorkContext, *, kind: str, params: dict[str, Any], message_id: str, language: str
) -> None:
    build = builders().get(kind)
    if build is None:
        raise LookupError(f"unknown e-mail kind {kind!r}")
    with i18n.language(language):
        async with work.sessionmaker() as db:
            email = await build(db, work.settings, **params)
            await db.rollback()
    if email is None:
        logger.info("e-mail %s (%s) has nobody to go to any more: skipped", message_id, kind)
        return
    await deliver(replace(email, message_id=message_id), work.settings)
