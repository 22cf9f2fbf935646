"""Outgoing e-mail: queued during a request, sent only after its transaction committed.

With `SMTP_HOST` set, messages go through SMTP (aiosmtplib); otherwise each message is written
as an `.eml` file to the development outbox folder, where a developer can open it. Templates
are the caller's; every user-supplied value in them must be escaped (`html.escape`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.session import after_commit
from equinet.settings import Settings

logger = logging.getLogger("equinet.email")


@dataclass(frozen=True)
class Attachment:
    """A file sent with an e-mail, e.g. a booking's `.ics` (`text/calendar`)."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    # Extra headers, e.g. List-Unsubscribe on reminders.
    headers: tuple[tuple[str, str], ...] = ()


def build_message(email: Email, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain="equinet.se")
    for name, value in email.headers:
        message[name] = value
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


async def deliver(email: Email, settings: Settings) -> None:
    """Send now: SMTP when configured, else write to the outbox folder."""
    message = build_message(email, settings)
    if settings.smtp_host:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
            timeout=10,
        )
        logger.info("e-mail '%s' sent to %s via %s", email.subject, email.to, settings.smtp_host)
        return
    outbox = settings.email_outbox_dir
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{email.to.replace('@', '_at_')}.eml"
    path.write_bytes(bytes(message))
    logger.info("e-mail '%s' to %s written to %s", email.subject, email.to, path)


def send_after_commit(db: AsyncSession, email: Email, settings: Settings) -> None:
    """Queue `email` on this request's transaction: it goes out only if the commit succeeds."""

    async def send() -> None:
        await deliver(email, settings)

    after_commit(db, send)
