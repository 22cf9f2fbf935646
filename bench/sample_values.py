"""Real values for the benchmarks to ask for, picked from the data itself: the listing searches'
town and point, the busiest provider's busiest future day and its shortest service, the users
with the most bookings, and sessions to send requests as them.

Shared by bench/make_bench.py, bench/http_hot_paths.py and bench/profile_wrk.py. Each function
reads (or, for a session, writes) in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import create_session
from equinet.models import User
from equinet.settings import Settings


async def _value(db: AsyncSession, sql: str, **parameters: Any) -> Any:
    return await db.scalar(text(sql), parameters)


@dataclass
class Searches:
    """What the provider listing is searched for: a town, and a point to search near."""

    city: str  # the town with the most active providers (ties: the first by name)
    latitude: float  # the first customer's stable
    longitude: float


async def searches(db: AsyncSession) -> Searches:
    sql = 'SELECT city FROM "Provider" WHERE "isActive" AND city IS NOT NULL GROUP BY 1 '
    city = await _value(db, sql + "ORDER BY count(*) DESC, 1 LIMIT 1")
    point = (
        await db.execute(
            text(
                'SELECT latitude, longitude FROM "User" WHERE "userType" = \'customer\' '
                "AND latitude IS NOT NULL ORDER BY id LIMIT 1"
            )
        )
    ).one()
    return Searches(city, point.latitude, point.longitude)


@dataclass
class BusiestDay:
    """The active provider and future day with the most open bookings."""

    provider_id: str
    day: date
    service_id: str  # the provider's shortest active service (ties: the lowest id)


async def busiest_day(db: AsyncSession) -> BusiestDay:
    busiest = (
        await db.execute(
            text(
                'SELECT b."providerId", b."bookingDate"::date AS day '
                'FROM "Booking" b JOIN "Provider" p ON p.id = b."providerId" '
                "WHERE b.status IN ('pending', 'confirmed') "
                'AND b."bookingDate" >= current_date + 1 AND p."isActive" '
                "GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1"
            )
        )
    ).one()
    service_id = await _value(
        db,
        'SELECT id FROM "Service" WHERE "providerId" = :p AND "isActive" '
        'ORDER BY "durationMinutes", id LIMIT 1',
        p=busiest.providerId,
    )
    return BusiestDay(busiest.providerId, busiest.day, service_id)


async def provider_user_with_most_bookings(db: AsyncSession) -> Any:
    """The user id of the provider with the most bookings, whatever their status."""
    sql = 'SELECT p."userId" FROM "Booking" b JOIN "Provider" p ON p.id = b."providerId" '
    return await _value(db, sql + "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")


async def customer_with_most_bookings(db: AsyncSession) -> Any:
    """The user id of the customer with the most bookings, whatever their status."""
    sql = 'SELECT "customerId" FROM "Booking" '
    return await _value(db, sql + "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")


async def session_token(
    db: AsyncSession, user_id: str, settings: Settings, *, user_agent: str
) -> str:
    """A new session of the user, made directly (no login, no rate limit); its token.
    `user_agent` marks the run's sessions, so that it can delete them afterwards."""
    user = (await db.execute(select(User).where(User.id == user_id))).scalar_one()
    return await create_session(db, user, settings, user_agent=user_agent)
