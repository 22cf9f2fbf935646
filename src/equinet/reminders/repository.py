"""All SQL of reminders: one statement finds each kind's candidates, and a unique insert
claims each delivery, so two runs (even at once) never send the same reminder twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from equinet.bookings.repository import Customer, ProviderUser
from equinet.calendar_feeds.ics import EVENT_COLUMNS
from equinet.db.base import new_uuid, utcnow
from equinet.kit.dates import booking_date_column
from equinet.models import Booking, Horse, Provider, ReminderDelivery, ReminderOptOut, Service, User

GHOST_SUFFIX = "@ghost.equinet.se"
MAX_INTERVAL_WEEKS = 52
LaterBooking = aliased(Booking, name="later_booking")
Recipient = aliased(User, name="recipient")


def _not_sent(kind: str, booking_id: Any, user_id: Any) -> Any:
    return ~exists().where(
        ReminderDelivery.kind == kind,
        ReminderDelivery.booking_id == booking_id,
        ReminderDelivery.user_id == user_id,
    )


def _not_opted_out(kind: str, user_id: Any) -> Any:
    return ~exists().where(ReminderOptOut.user_id == user_id, ReminderOptOut.kind == kind)


def _real_address(user: Any) -> Any:
    """Manual ("ghost") customers cannot log in and their address may be made up."""
    return and_(user.is_manual_customer.is_(False), ~user.email.endswith(GHOST_SUFFIX))


async def rebooking_candidates(
    db: AsyncSession, kind: str, now: datetime, window: timedelta
) -> Sequence[Any]:
    """Completed bookings of a recurring service whose interval ran out within `window`
    before `now`, for a customer who has not booked that service (for that horse) again."""
    due_at = Booking.completed_at + func.make_interval(0, 0, Service.recommended_interval_weeks)
    rebooked = exists().where(
        LaterBooking.customer_id == Booking.customer_id,
        LaterBooking.service_id == Booking.service_id,
        LaterBooking.id != Booking.id,
        LaterBooking.status.in_(("pending", "confirmed", "completed")),
        or_(
            LaterBooking.booking_date > Booking.booking_date,
            and_(
                LaterBooking.booking_date == Booking.booking_date,
                LaterBooking.start_time > Booking.start_time,
            ),
        ),
        or_(Booking.horse_id.is_(None), LaterBooking.horse_id == Booking.horse_id),
    )
    statement = (
        select(
            Booking.id,
            Booking.customer_id,
            Booking.provider_id,
            Booking.service_id,
            Booking.booking_date,
            Booking.completed_at,
            Booking.horse_name,
            Horse.name.label("horse_rel_name"),
            Service.name.label("service_name"),
            Service.recommended_interval_weeks.label("interval_weeks"),
            Provider.business_name.label("provider_business_name"),
            Customer.email.label("customer_email"),
            Customer.first_name.label("customer_first_name"),
        )
        .select_from(Booking)
        .join(Service, Service.id == Booking.service_id)
        .join(Provider, Provider.id == Booking.provider_id)
        .join(Customer, Customer.id == Booking.customer_id)
        .outerjoin(Horse, Horse.id == Booking.horse_id)
        .where(
            Booking.status == "completed",
            # Bounds the scan to the partial completedAt index.
            Booking.completed_at >= now - timedelta(weeks=MAX_INTERVAL_WEEKS) - window,
            Service.recommended_interval_weeks.between(1, MAX_INTERVAL_WEEKS),
            Service.is_active.is_(True),
            Provider.is_active.is_(True),
            due_at <= now,
            due_at > now - window,
            _real_address(Customer),
            _not_opted_out(kind, Booking.customer_id),
            _not_sent(kind, Booking.id, Booking.customer_id),
            ~rebooked,
        )
        .order_by(Booking.completed_at, Booking.id)
    )
    return (await db.execute(statement)).all()


async def day_before_candidates(db: AsyncSession, kind: str, day: Any) -> Sequence[Any]:
    """One row per (confirmed booking on `day`, recipient): its customer and its provider,
    each unless already reminded, opted out, or a manual customer."""
    is_provider = Recipient.id == Provider.user_id
    statement = (
        select(
            *EVENT_COLUMNS,
            Customer.phone.label("customer_phone"),
            Recipient.id.label("recipient_id"),
            Recipient.email.label("recipient_email"),
            Recipient.first_name.label("recipient_first_name"),
            case((is_provider, literal(True)), else_=literal(False)).label("to_provider"),
        )
        .select_from(Booking)
        .join(Service, Service.id == Booking.service_id)
        .join(Provider, Provider.id == Booking.provider_id)
        .join(ProviderUser, ProviderUser.id == Provider.user_id)
        .join(Customer, Customer.id == Booking.customer_id)
        .join(Recipient, or_(Recipient.id == Booking.customer_id, is_provider))
        .outerjoin(Horse, Horse.id == Booking.horse_id)
        .where(
            Booking.status == "confirmed",
            Booking.booking_date == booking_date_column(day),
            or_(is_provider, _real_address(Recipient)),
            _not_opted_out(kind, Recipient.id),
            _not_sent(kind, Booking.id, Recipient.id),
        )
        .order_by(Booking.start_time, Booking.id, Recipient.id)
    )
    return (await db.execute(statement)).all()


async def claim(db: AsyncSession, kind: str, booking_id: str, user_id: str) -> bool:
    """Record the delivery; False when another run already did (the unique key decides)."""
    statement = (
        insert(ReminderDelivery)
        .values(id=new_uuid(), kind=kind, booking_id=booking_id, user_id=user_id, sent_at=utcnow())
        .on_conflict_do_nothing(index_elements=["kind", "bookingId", "userId"])
        .returning(ReminderDelivery.id)
    )
    return (await db.execute(statement)).first() is not None


async def opt_out(db: AsyncSession, user_id: str, kind: str) -> None:
    statement = (
        insert(ReminderOptOut)
        .values(user_id=user_id, kind=kind, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["userId", "kind"])
    )
    await db.execute(statement)


async def user_exists(db: AsyncSession, user_id: str) -> bool:
    return bool(await db.scalar(select(exists().where(User.id == user_id))))
