"""All SQL of accounting: the Fortnox connection row, and the paid bookings the sync invoices.

A booking is due for an invoice when it is completed, its payment succeeded, and the payment
carries no Fortnox invoice id yet. The sync job claims the payment for a while before it talks
to Fortnox (`fortnoxStatus = 'sending'`, `sentToFortnoxAt` = when), so two jobs of one booking
never send at once; a claim older than the lease is a crashed job's and may be taken over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.bookings.repository import Customer, booking_with_parties
from equinet.db.base import new_cuid, utcnow
from equinet.models import Booking, FortnoxConnection, Horse, Payment, Service

SENDING = "sending"

_INVOICE_COLUMNS = (
    Booking.id.label("booking_id"),
    Booking.provider_id.label("provider_id"),
    Booking.status.label("booking_status"),
    Booking.booking_date.label("booking_date"),
    Booking.start_time.label("start_time"),
    Booking.horse_name.label("horse_name"),
    Horse.name.label("horse_rel_name"),
    Customer.id.label("customer_id"),
    Customer.first_name.label("customer_first_name"),
    Customer.last_name.label("customer_last_name"),
    Customer.email.label("customer_email"),
    Customer.phone.label("customer_phone"),
    Customer.address.label("customer_address"),
    Customer.city.label("customer_city"),
    Customer.is_manual_customer.label("customer_is_manual"),
    Service.name.label("service_name"),
    Payment.id.label("payment_id"),
    Payment.status.label("payment_status"),
    Payment.amount.label("payment_amount"),
    Payment.currency.label("payment_currency"),
    Payment.invoice_number.label("payment_invoice_number"),
    Payment.fortnox_invoice_id.label("fortnox_invoice_id"),
    Payment.fortnox_status.label("fortnox_status"),
    Payment.sent_to_fortnox_at.label("sent_to_fortnox_at"),
)


def _due() -> list[Any]:
    return [
        Booking.status == "completed",
        Payment.status == "succeeded",
        Payment.fortnox_invoice_id.is_(None),
    ]


async def connection_of(db: AsyncSession, provider_id: str) -> FortnoxConnection | None:
    return await db.scalar(
        select(FortnoxConnection).where(FortnoxConnection.provider_id == provider_id)
    )


async def save_connection(
    db: AsyncSession,
    *,
    provider_id: str,
    access_token: str,
    refresh_token: str,
    expires_at: datetime,
) -> None:
    """Create or replace the provider's connection (a reconnect replaces the tokens)."""
    now = utcnow()
    values = {"accessToken": access_token, "refreshToken": refresh_token, "expiresAt": expires_at}
    statement = (
        insert(FortnoxConnection)
        .values(
            id=new_cuid(),
            provider_id=provider_id,
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=expires_at,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_update(
            index_elements=[FortnoxConnection.provider_id], set_={**values, "updatedAt": now}
        )
    )
    await db.execute(statement)


async def replace_tokens(
    db: AsyncSession,
    *,
    provider_id: str,
    stale_refresh_token: str,
    access_token: str,
    refresh_token: str,
    expires_at: datetime,
) -> bool:
    """Store refreshed tokens unless the connection changed meanwhile (reconnected, removed)."""
    result = await db.execute(
        update(FortnoxConnection)
        .where(
            FortnoxConnection.provider_id == provider_id,
            FortnoxConnection.refresh_token == stale_refresh_token,
        )
        .values(
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=expires_at,
            updated_at=utcnow(),
        )
        .returning(FortnoxConnection.id)
    )
    return result.first() is not None


async def idle_connections(db: AsyncSession, untouched_since: datetime) -> list[str]:
    """Providers whose connection's tokens were last written before `untouched_since`."""
    statement = (
        select(FortnoxConnection.provider_id)
        .where(FortnoxConnection.updated_at < untouched_since)
        .order_by(FortnoxConnection.updated_at)
    )
    return list((await db.scalars(statement)).all())


async def delete_connection(db: AsyncSession, provider_id: str) -> FortnoxConnection | None:
    """Remove the provider's connection; the removed row (its tokens to revoke), if any."""
    row = (
        await db.execute(
            delete(FortnoxConnection)
            .where(FortnoxConnection.provider_id == provider_id)
            .returning(FortnoxConnection)
        )
    ).scalar_one_or_none()
    return row


async def unsynced_booking_ids(
    db: AsyncSession, provider_id: str, now: datetime, lease: Any
) -> list[str]:
    """The provider's paid, completed bookings without an invoice that no job is sending now."""
    statement = (
        select(Booking.id)
        .join(Payment, Payment.booking_id == Booking.id)
        .where(
            Booking.provider_id == provider_id,
            *_due(),
            or_(
                Payment.fortnox_status.is_distinct_from(SENDING),
                Payment.sent_to_fortnox_at.is_(None),
                Payment.sent_to_fortnox_at < now - lease,
            ),
        )
        .order_by(Booking.booking_date, Booking.id)
    )
    return list((await db.scalars(statement)).all())


async def sync_counts(db: AsyncSession, provider_id: str) -> tuple[int, int]:
    """(invoiced, waiting): the provider's paid completed bookings with and without an invoice."""
    statement = (
        select(
            func.count(Payment.fortnox_invoice_id),
            func.count().filter(Payment.fortnox_invoice_id.is_(None)),
        )
        .select_from(Booking)
        .join(Payment, Payment.booking_id == Booking.id)
        .where(
            Booking.provider_id == provider_id,
            Booking.status == "completed",
            Payment.status == "succeeded",
        )
    )
    invoiced, waiting = (await db.execute(statement)).one()
    return int(invoiced), int(waiting)


async def invoice_source_for_update(db: AsyncSession, booking_id: str) -> Any:
    """The booking with everything its invoice shows, its payment row locked (a short claim)."""
    locked = await db.scalar(
        select(Payment.id).where(Payment.booking_id == booking_id).with_for_update()
    )
    if locked is None:
        return None
    statement = booking_with_parties(*_INVOICE_COLUMNS).where(Booking.id == booking_id)
    return (await db.execute(statement)).first()


async def mark_payment(
    db: AsyncSession,
    payment_id: str,
    *,
    status: str | None,
    sent_at: datetime | None,
    invoice_id: str | None = None,
) -> None:
    """Set the payment's sync state; never overwrites an invoice id already recorded."""
    values: dict[str, Any] = {
        "fortnox_status": status,
        "sent_to_fortnox_at": sent_at,
        "updated_at": utcnow(),
    }
    if invoice_id is not None:
        values["fortnox_invoice_id"] = invoice_id
    await db.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.fortnox_invoice_id.is_(None))
        .values(**values)
    )
