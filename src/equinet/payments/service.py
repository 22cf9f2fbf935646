"""Paying a booking: one payment per confirmed or completed booking, at the
price it was booked at, with a gap-free invoice number.

The gateway is another service, so no lock or transaction is held while it is asked (it may
take seconds). A payment is three steps, each short:

1. in a transaction, under the booking's row lock: check the booking, record the payment as
   `pending` with a fresh idempotency key (or take the key of a payment already pending),
   commit;
2. outside any transaction: charge the gateway under that key;
3. in a new transaction: record the outcome (`succeeded` with the next invoice number, or
   `failed`) if the payment is still pending under that key, with its notification and e-mail.

A retried or concurrent request reuses the pending key, and the gateway replays a known key
instead of charging again. A process that dies between 2 and 3 leaves the payment pending;
`reconciliation.reconcile_pending_payments` settles it from the gateway's ledger. These are
the only services that commit on their own: the request's transaction would otherwise be open
for the whole gateway call.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.bookings.exceptions import BookingNotFound as BookingNotFound
from equinet.db.base import utcnow
from equinet.db.session import run_after_commit
from equinet.kit.dates import date_of_booking_column, now_local
from equinet.kit.errors import EquinetError
from equinet.notifications import messages
from equinet.notifications.service import notify
from equinet.payments import emails, repository
from equinet.payments.gateway import Charge, GatewayUnavailable, PaymentGateway
from equinet.payments.receipt import DEMO_NOTICE
from equinet.payments.schemas import PaymentOut, PaymentResult, PaymentStatusOut
from equinet.settings import Settings

logger = logging.getLogger("equinet.payments")

CURRENCY = "SEK"


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


class PaymentPending(EquinetError):
    status_code = 503
    code = "PAYMENT_PENDING"
    message = (
        "Betalningen kunde inte bekräftas just nu. Inget dras två gånger: "
        "försök igen om en stund eller se betalningens status."
    )


class PaymentsUnavailable(EquinetError):
    status_code = 503
    code = "PAYMENTS_UNAVAILABLE"
    message = "Betalningar är inte tillgängliga just nu"


class NoPayment(EquinetError):
    code = "NO_PAYMENT"
    message = "Ingen betalning hittades för denna bokning"


@dataclass(frozen=True)
class Attempt:
    """A payment recorded as pending: what the gateway is asked to charge, under which key."""

    payment_id: str
    key: str
    amount: Decimal


@dataclass(frozen=True)
class Outcome:
    """What step 3 recorded."""

    status: str
    row: Any
    charge: Charge
    paid_at: datetime | None = None
    invoice_number: str | None = None


def invoice_number(sequence: int, paid_at: datetime) -> str:
    """`EQ-<YYYYMM>-<6 digits>`: the spec's shape, with the year's sequence number."""
    local = now_local(paid_at)
    return f"EQ-{local:%Y%m}-{sequence:06d}"


def receipt_url(settings: Settings, booking_id: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/api/bookings/{booking_id}/receipt"


async def payable_booking(db: AsyncSession, customer_id: str, booking_id: str) -> Any:
    """The customer's booking, row-locked, if it may be paid now."""
    row = await repository.booking_of_customer_for_update(db, booking_id, customer_id)
    if row is None:
        raise BookingNotFound()
    if row.payment_status == "succeeded":
        raise AlreadyPaid()
    if row.booking_status not in ("confirmed", "completed"):
        raise NotPayable()
    return row


async def start_payment(db: AsyncSession, customer_id: str, booking_id: str) -> Attempt:
    """Step 1 (the caller commits): the booking's payment pending under an idempotency key."""
    row = await payable_booking(db, customer_id, booking_id)
    if row.payment_status == "pending" and row.payment_idempotency_key:
        # A retry, or a request that runs beside another: the same key, so the same charge.
        return Attempt(row.payment_id, row.payment_idempotency_key, row.payment_amount)
    key = f"pay_{uuid.uuid4().hex}"
    amount = row.price_at_booking
    payment_id = await repository.start_payment(
        db, booking_id=booking_id, amount=amount, currency=CURRENCY, idempotency_key=key
    )
    return Attempt(payment_id, key, amount)


async def record_outcome(
    db: AsyncSession, settings: Settings, payment_id: str, charge: Charge
) -> Outcome | None:
    """Step 3 (the caller commits): the gateway's answer, if the payment still waits for it.

    None when the payment is no longer pending under the charge's key: another request or the
    reconciliation recorded it first.
    """
    row = await repository.pending_payment_for_update(db, payment_id, charge.key)
    if row is None:
        return None
    if not charge.succeeded:
        await repository.record_failed(
            db, payment_id, provider=charge.provider, provider_payment_id=charge.provider_payment_id
        )
        return Outcome("failed", row, charge)
    paid_at = utcnow()
    # The counter row is locked until this commit, so the year's numbers have no gaps.
    sequence = await repository.next_invoice_sequence(db, now_local(paid_at).year)
    number = invoice_number(sequence, paid_at)
    await repository.record_paid(
        db,
        payment_id,
        provider=charge.provider,
        provider_payment_id=charge.provider_payment_id,
        paid_at=paid_at,
        invoice_number=number,
        invoice_url=receipt_url(settings, row.booking_id),
    )
    amount: Decimal = row.payment_amount
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
        metadata={"bookingId": row.booking_id, "paymentId": payment_id},
    )
    await emails.queue_payment_received(db, row, demo=charge.demo)
    return Outcome("succeeded", row, charge, paid_at=paid_at, invoice_number=number)


async def commit(db: AsyncSession) -> None:
    """Commit this step and run what waited for it (e-mails)."""
    await db.commit()
    await run_after_commit(db)


async def pay(
    db: AsyncSession,
    settings: Settings,
    gateway: PaymentGateway | None,
    customer_id: str,
    booking_id: str,
) -> PaymentResult:
    if gateway is None:
        await payable_booking(db, customer_id, booking_id)  # a stranger still gets 404 first
        raise PaymentsUnavailable()
    attempt = await start_payment(db, customer_id, booking_id)
    await commit(db)
    try:
        charge = await gateway.charge(
            key=attempt.key, amount=attempt.amount, currency=CURRENCY, reference=booking_id
        )
    except GatewayUnavailable as error:
        # The outcome is unknown: the payment stays pending; a retry or the reconciliation
        # asks the gateway about the same key.
        logger.warning("payment %s left pending: %s", attempt.payment_id, error)
        raise PaymentPending(headers={"Retry-After": "10"}) from error
    outcome = await record_outcome(db, settings, attempt.payment_id, charge)
    await commit(db)
    if outcome is None:
        # Recorded meanwhile by another request or the reconciliation: paid, or (a key the
        # reconciliation closed) not charged at all.
        raise AlreadyPaid() if charge.succeeded else PaymentFailed()
    if outcome.status != "succeeded":
        raise PaymentFailed(charge.error or PaymentFailed.message)
    return PaymentResult(
        success=True,
        message="Betalning genomförd",
        demo=charge.demo,
        notice=DEMO_NOTICE if charge.demo else None,
        payment=PaymentOut(
            id=attempt.payment_id,
            amount=attempt.amount,
            currency=CURRENCY,
            status="succeeded",
            paid_at=outcome.paid_at,
            invoice_number=outcome.invoice_number,
            provider=charge.provider,
        ),
    )


async def payment_status(db: AsyncSession, user_id: str, booking_id: str) -> PaymentStatusOut:
    row = await repository.booking_of_party(db, booking_id, user_id)
    if row is None:
        raise BookingNotFound()
    if row.payment_id is None:
        return PaymentStatusOut(status="unpaid", amount=row.price_at_booking, currency=CURRENCY)
    return PaymentStatusOut(
        id=row.payment_id,
        status=row.payment_status,
        amount=row.payment_amount,
        currency=row.payment_currency,
        paid_at=row.payment_paid_at,
        invoice_number=row.payment_invoice_number,
        invoice_url=row.payment_invoice_url,
        provider=row.payment_provider,
        demo=row.payment_provider == "mock",
    )


async def paid_booking(db: AsyncSession, user_id: str, booking_id: str) -> Any:
    """The booking row for its receipt: a party's booking with a succeeded payment."""
    row = await repository.booking_of_party(db, booking_id, user_id)
    if row is None:
        raise BookingNotFound()
    if row.payment_id is None or row.payment_status != "succeeded":
        raise NoPayment()
    return row
