"""Outgoing e-mail: queued as a job in the request's transaction, built and sent by the worker.

A request calls `queue_email(db, "booking_created", booking_id=...)`: one `send_email` job with
the e-mail's kind, its ids and values, a Message-ID fixed now (every retry of the job sends the
same one, so a receiver can tell a retry from a new message) and the language to write it in.
The worker looks the kind up among the builders registered with `@email_kind`, which read
what they need from the database and render Jinja2 templates under
`web/templates/email/` (one base layout, HTML autoescaped, plain text beside it).

With `SMTP_HOST` set, messages go through SMTP (aiosmtplib); otherwise each message is written
as an `.eml` file to `EMAIL_OUTBOX_DIR`, where a developer can open it.
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit import i18n
from equinet.kit.jinja import install_locale_helpers
from equinet.settings import Settings

logger = logging.getLogger("equinet.email")

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "web" / "templates"
MESSAGE_ID_DOMAIN = "equinet.se"
SEND_EMAIL_TASK = "send_email"
# The modules whose `@email_kind` builders the worker needs (importing registers them).
EMAIL_MODULES = ("equinet.accounts.emails", "equinet.bookings.emails", "equinet.payments.emails")


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
    message_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    # Extra headers, e.g. List-Unsubscribe on reminders.
    headers: tuple[tuple[str, str], ...] = ()


@cache
def templates() -> Environment:
    """Jinja2 for e-mails: HTML autoescaped, plain text not; the pages' locale helpers."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    return install_locale_helpers(environment)


def render(
    template: str,
    *,
    to: str,
    subject: str,
    attachments: tuple[Attachment, ...] = (),
    headers: tuple[tuple[str, str], ...] = (),
    **context: Any,
) -> Email:
    """`email/<template>.txt` and `.html`, in the current language (`i18n.language(...)`)."""
    values = {"subject": subject, "lang": i18n.current_language.get(), **context}
    env = templates()
    return Email(
        to=to,
        subject=subject,
        text=env.get_template(f"email/{template}.txt").render(values).strip() + "\n",
        html=env.get_template(f"email/{template}.html").render(values),
        attachments=attachments,
        headers=headers,
    )


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{MESSAGE_ID_DOMAIN}>"


def build_message(email: Email, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id or new_message_id()
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
    """Send now: SMTP when configured, else write to the outbox folder. Raises on failure."""
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
        logger.info(
            "e-mail '%s' %s sent via %s", email.subject, message["Message-ID"], settings.smtp_host
        )
        return
    outbox = settings.email_outbox_dir
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    logger.info("e-mail '%s' %s written to %s", email.subject, message["Message-ID"], path)


# --- the kinds of e-mail and their builders --------------------------------------------------

EmailBuilder = Callable[..., Awaitable[Email | None]]
EMAIL_BUILDERS: dict[str, EmailBuilder] = {}


def email_kind(name: str) -> Callable[[EmailBuilder], EmailBuilder]:
    """Register `async def build(db, settings, **params) -> Email | None` as kind `name`.

    The builder runs in the worker: it reads what it needs by id and renders the templates;
    None means "nothing to send any more" (a manual customer, a booking that is gone).
    """

    def register(build: EmailBuilder) -> EmailBuilder:
        EMAIL_BUILDERS[name] = build
        return build

    return register


async def queue_email(
    db: AsyncSession, kind: str, *, language: str | None = None, **params: Any
) -> str:
    """Queue e-mail `kind` on `db`'s transaction (gone if it rolls back); its Message-ID."""
    from equinet.jobs.queue import enqueue

    message_id = new_message_id()
    await enqueue(
        db,
        SEND_EMAIL_TASK,
        kind=kind,
        params=params,
        message_id=message_id,
        language=language or i18n.DEFAULT_LANGUAGE,
    )
    return message_id


COMPOSED_KIND = "composed"


async def queue_composed_email(db: AsyncSession, email: Email) -> str:
    """Queue an e-mail already written in the request (reminders, decisions, route news).

    It is sent by the worker like every other kind: in `db`'s transaction, retried with backoff
    under one Message-ID. Kinds built by the worker from ids are preferred where the e-mail is
    on a hot path; these are rare enough that writing them in the request costs nothing.
    """
    return await queue_email(
        db,
        COMPOSED_KIND,
        to=email.to,
        subject=email.subject,
        text=email.text,
        html=email.html,
        headers=[list(header) for header in email.headers],
        attachments=[
            [a.filename, base64.b64encode(a.content).decode("ascii"), a.mime_type]
            for a in email.attachments
        ],
    )


@email_kind(COMPOSED_KIND)
async def _composed(
    db: AsyncSession,
    settings: Settings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    headers: list[list[str]],
    attachments: list[list[str]],
) -> Email:
    return Email(
        to=to,
        subject=subject,
        text=text,
        html=html,
        headers=tuple((name, value) for name, value in headers),
        attachments=tuple(
            Attachment(filename, base64.b64decode(content), mime_type)
            for filename, content, mime_type in attachments
        ),
    )
