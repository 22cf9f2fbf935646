"""All SQL of payments: owner-scoped booking reads, the invoice counter, the payment upsert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect, or_, select
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
    """The booking if `user_id` is its customer or its provider's user (spec §4.4)."""
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


async def upsert_payment(
    db: AsyncSession,
    *,
    booking_id: str,
    amount: float,
    currency: str,
    provider: str,
    provider_payment_id: str,
    status: str,
    paid_at: datetime,
    invoice_number: str,
    invoice_url: str,
) -> str:
    now = utcnow()
    values = {
        "amount": amount,
        "currency": currency,
        "provider": provider,
        "provider_payment_id": provider_payment_id,
        "status": status,
        "paid_at": paid_at,
        "invoice_number": invoice_number,
        "invoice_url": invoice_url,
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
