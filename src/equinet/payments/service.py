"""Paying a booking (spec §2.7, §3.17): one payment per confirmed or completed booking, a
gap-free invoice number from the year's counter, all in the request's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.kit.dates import date_of_booking_column, now_local
from equinet.kit.email import send_after_commit
from equinet.kit.errors import EquinetError, NotFound
from equinet.kit.timestamps import iso_utc
from equinet.notifications import messages
from equinet.notifications.service import notify
from equinet.payments import emails, repository
from equinet.payments.gateway import PaymentGateway
from equinet.payments.receipt import DEMO_NOTICE
from equinet.settings import Settings

CURRENCY = "SEK"


class BookingNotFound(NotFound):
    code = "BOOKING_NOT_FOUND"
    message = "Bokning hittades inte"


class AlreadyPaid(EquinetError):
    code = "ALREADY_PAID"
    message = "Bokningen är redan betald"


class NotPayable(EquinetError):
    code = "BOOKING_NOT_CONFIRMED"
    message = "Bokningen måste vara bekräftad innan betalning kan göras"


class PaymentFailed(EquinetError):
    status_code = 402
    code = "PAYMENT_FAILED"
    message = "Kunde inte genomföra betalningen"


class NoPayment(EquinetError):
    code = "NO_PAYMENT"
    message = "Ingen betalning hittades för denna bokning"


def invoice_number(sequence: int, paid_at: datetime) -> str:
    """`EQ-<YYYYMM>-<6 digits>`: the spec's shape, with the year's sequence number."""
    local = now_local(paid_at)
    return f"EQ-{local:%Y%m}-{sequence:06d}"


async def pay(
    db: AsyncSession,
    settings: Settings,
    gateway: PaymentGateway,
    customer_id: str,
    booking_id: str,
) -> dict[str, Any]:
    row = await repository.booking_of_customer_for_update(db, booking_id, customer_id)
    if row is None:
        raise BookingNotFound()
    if row.payment_status == "succeeded":
        raise AlreadyPaid()
    if row.booking_status not in ("confirmed", "completed"):
        raise NotPayable()
    amount = float(row.service_price)
    result = await gateway.initiate_payment(booking_id=booking_id, amount=amount, currency=CURRENCY)
    if not result.succeeded:
        raise PaymentFailed(result.error or PaymentFailed.message)
    paid_at = utcnow()
    sequence = await repository.next_invoice_sequence(db, now_local(paid_at).year)
    number = invoice_number(sequence, paid_at)
    payment_id = await repository.upsert_payment(
        db,
        booking_id=booking_id,
        amount=amount,
        currency=CURRENCY,
        provider=result.provider,
        provider_payment_id=result.provider_payment_id,
        status="succeeded",
        paid_at=paid_at,
        invoice_number=number,
        invoice_url=f"{settings.public_base_url.rstrip('/')}/api/bookings/{booking_id}/receipt",
    )
    await notify(
        db,
        user_id=row.provider_user_id,
        type="payment_received",
        message=messages.payment_received(
            messages.full_name(row.customer_first_name, row.customer_last_name),
            amount,
            row.service_name,
            date_of_booking_column(row.booking_date),
        ),
        link_url=messages.PROVIDER_BOOKINGS_LINK,
        metadata={"bookingId": booking_id, "paymentId": payment_id},
    )
    email = emails.payment_received(
        row, invoice_number=number, amount=amount, paid_at=paid_at, demo=gateway.is_demo
    )
    if email is not None:
        send_after_commit(db, email, settings)
    response: dict[str, Any] = {
        "success": True,
        "message": "Betalning genomförd",
        "demo": gateway.is_demo,
        "payment": {
            "id": payment_id,
            "amount": amount,
            "currency": CURRENCY,
            "status": "succeeded",
            "paidAt": iso_utc(paid_at),
            "invoiceNumber": number,
            "provider": result.provider,
        },
    }
    if gateway.is_demo:
        response["notice"] = DEMO_NOTICE
    return response


async def payment_status(db: AsyncSession, user_id: str, booking_id: str) -> dict[str, Any]:
    row = await repository.booking_of_party(db, booking_id, user_id)
    if row is None:
        raise BookingNotFound()
    if row.payment_id is None:
        return {"status": "unpaid", "amount": row.service_price, "currency": CURRENCY}
    return {
        "id": row.payment_id,
        "status": row.payment_status,
        "amount": row.payment_amount,
        "currency": row.payment_currency,
        "paidAt": iso_utc(row.payment_paid_at),
        "invoiceNumber": row.payment_invoice_number,
        "invoiceUrl": row.payment_invoice_url,
        "provider": row.payment_provider,
        "demo": row.payment_provider == "mock",
    }


async def paid_booking(db: AsyncSession, user_id: str, booking_id: str) -> Any:
    """The booking row for its receipt: a party's booking with a succeeded payment."""
    row = await repository.booking_of_party(db, booking_id, user_id)
    if row is None:
        raise BookingNotFound()
    if row.payment_id is None or row.payment_status != "succeeded":
        raise NoPayment()
    return row
