"""All SQL of calendar feeds: the token hashes and a user's bookings in one joined select."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.bookings.repository import Customer, ProviderUser
from equinet.calendar_feeds.ics import EVENT_COLUMNS
from equinet.db.base import new_uuid, utcnow
from equinet.kit.dates import booking_date_column
from equinet.models import Booking, CalendarFeed, Horse, Provider, Service, User

FEED_STATUSES = ("confirmed", "cancelled")


async def revoke_active(db: AsyncSession, user_id: str) -> bool:
    statement = (
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(CalendarFeed.id)
    )
    return (await db.execute(statement)).first() is not None


async def insert_feed(db: AsyncSession, user_id: str, token_hash: str) -> CalendarFeed:
    feed = CalendarFeed(id=new_uuid(), user_id=user_id, token_hash=token_hash, created_at=utcnow())
    db.add(feed)
    await db.flush()
    return feed


async def active_feed(db: AsyncSession, user_id: str) -> CalendarFeed | None:
    return await db.scalar(
        select(CalendarFeed).where(
            CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None)
        )
    )


async def owner_of_token(db: AsyncSession, token_hash: str) -> str | None:
    user_id: str | None = await db.scalar(
        select(CalendarFeed.user_id).where(
            CalendarFeed.token_hash == token_hash, CalendarFeed.revoked_at.is_(None)
        )
    )
    return user_id


async def feed_bookings(db: AsyncSession, user_id: str, first_day: date) -> Sequence[Any]:
    """The user's confirmed and cancelled bookings from `first_day` on, as customer or as
    provider, with what an event shows."""
    statement = (
        select(
            *EVENT_COLUMNS,
            (ProviderUser.id == user_id).label("as_provider"),
        )
        .select_from(Booking)
        .join(Customer, Customer.id == Booking.customer_id)
        .join(Service, Service.id == Booking.service_id)
        .join(Provider, Provider.id == Booking.provider_id)
        .join(ProviderUser, ProviderUser.id == Provider.user_id)
        .outerjoin(Horse, Horse.id == Booking.horse_id)
        .where(
            or_(Booking.customer_id == user_id, Provider.user_id == user_id),
            Booking.status.in_(FEED_STATUSES),
            Booking.booking_date >= booking_date_column(first_day),
        )
        .order_by(Booking.booking_date, Booking.start_time, Booking.id)
    )
    return (await db.execute(statement)).all()


async def user(db: AsyncSession, user_id: str) -> User | None:
    return await db.get(User, user_id)
