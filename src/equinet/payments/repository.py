"""All SQL of payments: owner-scoped booking reads, the invoice counter, the pending payment
and its outcome, the payments left pending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.bookings.repository import Customer, ProviderUser, booking_with_parties
from equinet.db.base import new_uuid, utcnow
from equinet.models import Booking, Horse, InvoiceCounter, Payment, Provider, Service

_PAYMENT_COLUMNS = inspect(Payment).columns  # attribute name -> Column

_COLUMNS = (
    Booking.id.label("booking_id"),
    Booking.status.label("booking_status"),
    Booking.booking_date.label("booking_date"),
    Booking.start_time.label("start_time"),
    Booking.end_time.label("end_time"),
    Booking.horse_name.label("horse_name"),
    Booking.price_at_booking.label("price_at_booking"),
    Horse.name.label("horse_rel_name"),
    Customer.id.label("customer_id"),
    Customer.first_name.label("customer_first_name"),
    Customer.last_name.label("customer_last_name"),
    Customer.email.label("customer_email"),
    Customer.address.label("customer_address"),
    Customer.city.label("customer_city"),
    Customer.is_manual_customer.label("customer_is_manual"),
    Service.name.label("service_name"),
    Service.description.label("service_description"),
    Service.price.label("service_price"),
    Provider.business_name.label("provider_business_name"),
    Provider.user_id.label("provider_user_id"),
    ProviderUser.first_name.label("provider_first_name"),
    ProviderUser.last_name.label("provider_last_name"),
    Payment.id.label("payment_id"),
    Payment.status.label("payment_status"),
    Payment.amount.label("payment_amount"),
    Payment.currency.label("payment_currency"),
    Payment.provider.label("payment_provider"),
    Payment.paid_at.label("payment_paid_at"),
    Payment.invoice_number.label("payment_invoice_number"),
    Payment.invoice_url.label("payment_invoice_url"),
    Payment.idempotency_key.label("payment_idempotency_key"),
    Payment.provider_payment_id.label("payment_provider_payment_id"),
)


def _select() -> Any:
    return booking_with_parties(*_COLUMNS)


async def booking_of_customer_for_update(
    db: AsyncSession, booking_id: str, customer_id: str
) -> Any:
    """The customer's booking, its row locked so that two payments of it run one at a time.

    The lock is taken first, on its own: a joined `FOR UPDATE` that waited would re-check only
    the locked row and still see the payment as missing. The read after it sees the payment
    that the previous lock holder committed (READ COMMITTED: a new snapshot per statement).
    """
    locked = await db.scalar(
        select(Booking.id)
        .where(Booking.id == booking_id, Booking.customer_id == customer_id)
        .with_for_update()
    )
    if locked is None:
        return None
    statement = _select().where(Booking.id == booking_id)
    return (await db.execute(statement)).first()


async def booking_of_party(db: AsyncSession, booking_id: str, user_id: str) -> Any:
    """The booking if `user_id` is its customer or its provider's user."""
    statement = _select().where(
        Booking.id == booking_id,
        or_(Booking.customer_id == user_id, Provider.user_id == user_id),
    )
    return (await db.execute(statement)).first()


async def booking_with_payment(db: AsyncSession, booking_id: str) -> Any:
    """The booking and its payment, for the receipt e-mail the worker builds (no owner: internal)."""
    return (await db.execute(_select().where(Booking.id == booking_id))).first()


async def next_invoice_sequence(db: AsyncSession, year: int) -> int:
    """The year's next invoice number; the row lock and the rollback keep the series gap-free."""
    statement = (
        insert(InvoiceCounter)
        .values(year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[InvoiceCounter.year],
            set_={"lastNumber": InvoiceCounter.last_number + 1},
        )
        .returning(InvoiceCounter.last_number)
    )
    return int((await db.execute(statement)).scalar_one())


async def start_payment(
    db: AsyncSession,
    *,
    booking_id: str,
    amount: Decimal,
    currency: str,
    idempotency_key: str,
) -> str:
    """The booking's payment as `pending` under a new key (a failed earlier try is replaced)."""
    now = utcnow()
    values = {
        "amount": amount,
        "currency": currency,
        "provider_payment_id": None,
        "idempotency_key": idempotency_key,
        "status": "pending",
        "paid_at": None,
        "invoice_number": None,
        "invoice_url": None,
    }
    statement = (
        insert(Payment)
        .values(id=new_uuid(), booking_id=booking_id, created_at=now, updated_at=now, **values)
        .on_conflict_do_update(
            index_elements=[Payment.booking_id],
            set_={
                **{_PAYMENT_COLUMNS[name].name: value for name, value in values.items()},
                "updatedAt": now,
            },
        )
        .returning(Payment.id)
    )
    return str((await db.execute(statement)).scalar_one())


async def pending_payment_for_update(db: AsyncSession, payment_id: str, key: str) -> Any:
    """The booking row of a payment still pending under `key`, the payment row locked; None
    when someone else has recorded its outcome already."""
    locked = await db.scalar(
        select(Payment.id)
        .where(
            Payment.id == payment_id, Payment.idempotency_key == key, Payment.status == "pending"
        )
        .with_for_update()
    )
    if locked is None:
        return None
    return (await db.execute(_select().where(Payment.id == payment_id))).first()


async def record_paid(
    db: AsyncSession,
    payment_id: str,
    *,
    provider: str,
    provider_payment_id: str | None,
    paid_at: datetime,
    invoice_number: str,
    invoice_url: str,
) -> None:
    await db.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == "pending")
        .values(
            status="succeeded",
            provider=provider,
            provider_payment_id=provider_payment_id,
            paid_at=paid_at,
            invoice_number=invoice_number,
            invoice_url=invoice_url,
            updated_at=utcnow(),
        )
    )


async def record_failed(
    db: AsyncSession, payment_id: str, *, provider: str, provider_payment_id: str | None
) -> None:
    await db.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == "pending")
        .values(
            status="failed",
            provider=provider,
            provider_payment_id=provider_payment_id,
            updated_at=utcnow(),
        )
    )


async def payments_pending_since(db: AsyncSession, before: datetime, limit: int) -> Sequence[Any]:
    """Payments pending since before `before`: (id, idempotency_key), oldest first."""
    statement = (
        select(Payment.id, Payment.idempotency_key)
        .where(
            Payment.status == "pending",
            Payment.updated_at < before,
            Payment.idempotency_key.is_not(None),
        )
        .order_by(Payment.updated_at, Payment.id)
        .limit(limit)
    )
    return (await db.execute(statement)).all()
