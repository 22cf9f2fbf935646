"""The payment confirmation e-mail, queued in the payment's transaction, built by the worker."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.bookings.emails import may_email
from equinet.kit.dates import date_of_booking_column
from equinet.kit.email import Email, email_kind, queue_email, render
from equinet.kit.i18n import gettext
from equinet.payments import repository
from equinet.payments.receipt import DEMO_NOTICE
from equinet.settings import Settings


async def queue_payment_received(db: AsyncSession, row: Any, *, demo: bool) -> None:
    if may_email(row.customer_email, row.customer_is_manual):
        await queue_email(db, "payment_received", booking_id=row.booking_id, demo=demo)


@email_kind("payment_received")
async def payment_received(
    db: AsyncSession, settings: Settings, *, booking_id: str, demo: bool
) -> Email | None:
    row = await repository.booking_with_payment(db, booking_id)
    if row is None or row.payment_id is None:
        return None
    if not may_email(row.customer_email, row.customer_is_manual):
        return None
    return render(
        "payment_received",
        to=row.customer_email,
        subject=gettext("Betalningsbekräftelse - {number}", number=row.payment_invoice_number),
        first_name=row.customer_first_name,
        service=row.service_name,
        provider=row.provider_business_name,
        day=date_of_booking_column(row.booking_date),
        amount=row.payment_amount,
        invoice_number=row.payment_invoice_number,
        paid_at=row.payment_paid_at,
        demo_notice=gettext(DEMO_NOTICE) if demo else None,
    )
