"""The customer e-mails of booking events, queued in the booking's transaction.

Manual ("ghost") customers never get mail: they cannot log in and their address may be made up.
The worker reads the booking as it is when it sends; the status the e-mail announces is the
one the request set (a later change queues its own e-mail).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.bookings import repository
from equinet.calendar_feeds.ics import ics_attachment
from equinet.kit.dates import date_of_booking_column
from equinet.kit.email import Email, email_kind, queue_email, render
from equinet.kit.i18n import gettext, mark
from equinet.settings import Settings

GHOST_DOMAIN = "@ghost.equinet.se"

STATUS_LABELS = {
    "pending": mark("Väntar på bekräftelse"),
    "confirmed": mark("Bekräftad"),
    "cancelled": mark("Avbokad"),
    "completed": mark("Genomförd"),
}
PREPARATION_CHECKLIST = (
    mark("Lugn miljö"),
    mark("Väl upplyst"),
    mark("Plant underlag"),
    mark("Ren och torr häst"),
)
EMAILED_STATUSES = ("confirmed", "cancelled", "completed")


def may_email(address: str | None, is_manual_customer: bool) -> bool:
    return bool(address) and not is_manual_customer and not str(address).endswith(GHOST_DOMAIN)


# --- queued by the request ---------------------------------------------------------------------


async def queue_booking_created(db: AsyncSession, row: Any) -> None:
    if may_email(row.customer_email, row.customer_is_manual):
        await queue_email(db, "booking_created", booking_id=row.id)


async def queue_status_changed(db: AsyncSession, row: Any, status: str) -> None:
    if status in EMAILED_STATUSES and may_email(row.customer_email, row.customer_is_manual):
        await queue_email(db, "booking_status", booking_id=row.id, status=status)


# --- built by the worker -----------------------------------------------------------------------


def _common(row: Any) -> dict[str, Any]:
    return {
        "first_name": row.customer_first_name,
        "service": row.service_name,
        "provider": row.provider_business_name,
        "day": date_of_booking_column(row.booking_date),
        "start_time": row.start_time,
        "end_time": row.end_time,
    }


async def _row(db: AsyncSession, booking_id: str) -> Any:
    row = await repository.booking_detail(db, booking_id)
    if row is None or not may_email(row.customer_email, row.customer_is_manual):
        return None
    return row


@email_kind("booking_created")
async def booking_created(db: AsyncSession, settings: Settings, *, booking_id: str) -> Email | None:
    row = await _row(db, booking_id)
    if row is None:
        return None
    subject = gettext("Bokningsbekräftelse - {service}", service=row.service_name)
    return render(
        "booking_created",
        to=row.customer_email,
        subject=subject,
        price=row.price_at_booking,
        confirmed=row.status == "confirmed",
        **_common(row),
        attachments=(ics_attachment(row),),
    )


@email_kind("booking_status")
async def status_changed(
    db: AsyncSession, settings: Settings, *, booking_id: str, status: str
) -> Email | None:
    row = await _row(db, booking_id)
    if row is None:
        return None
    label = gettext(STATUS_LABELS[status])
    return render(
        "booking_status",
        to=row.customer_email,
        subject=gettext("Bokningsuppdatering - {status}", status=label),
        status_label=label,
        cancellation_message=row.cancellation_message if status == "cancelled" else None,
        checklist=PREPARATION_CHECKLIST if status == "confirmed" else (),
        **_common(row),
        # A calendar that imported the booking updates it (or drops it when cancelled).
        attachments=(ics_attachment(row),) if status != "completed" else (),
    )
