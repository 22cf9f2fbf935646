"""The app's hot read queries, registered for `equinet db explain` until each domain owns its own.

Each statement is the one the domain's repository runs (or will run) on a hot path, written
against the Equinet schema; each parameter function picks values from the current data the way
real traffic would hit it: the busiest provider, its busiest day, a customer with many
bookings, the user with the most notifications. On an empty database the functions fall back
to values that match nothing, so every statement still plans and runs.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from equinet.kit.geo import bounding_box
from equinet.kit.hot_queries import HotQuery, register

ACTIVE_STATUSES = ["pending", "confirmed"]
SEARCH_RADIUS_KM = 25.0
PAGE = 20


def _nothing() -> str:
    """An id that matches no row (the database is empty or lacks the rows we look for)."""
    return str(uuid.uuid4())


def _today() -> datetime:
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day)  # bookingDate: UTC midnight, naive


async def _scalar(connection: AsyncConnection, sql: str, **values: Any) -> Any:
    return (await connection.execute(text(sql), values)).scalar()


async def _busiest_provider(connection: AsyncConnection) -> str:
    provider = await _scalar(
        connection,
        'SELECT "providerId" FROM "Booking" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
    )
    return str(provider) if provider else _nothing()


async def _busiest_day(connection: AsyncConnection, provider_id: str) -> datetime:
    day = await _scalar(
        connection,
        'SELECT "bookingDate" FROM "Booking" WHERE "providerId" = :provider '
        "AND status = ANY(:statuses) GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        provider=provider_id,
        statuses=ACTIVE_STATUSES,
    )
    return day if isinstance(day, datetime) else _today()


# --- providers ---------------------------------------------------------------------------

_REVIEW_STATS = """
    LEFT JOIN LATERAL (
        SELECT avg(r.rating)::float8 AS "averageRating", count(*) AS "reviewCount"
        FROM "Review" r
        WHERE r."providerId" = p.id
    ) stats ON true
"""

PROVIDER_SEARCH_TEXT = f"""
SELECT p.id, p."businessName", p.description, p.city, p.latitude, p.longitude,
       p."serviceAreaKm", p."isVerified", p."createdAt", u."firstName", u."lastName",
       stats."averageRating", stats."reviewCount"
FROM "Provider" p
JOIN "User" u ON u.id = p."userId"
{_REVIEW_STATS}
WHERE p."isActive"
  AND p.city ILIKE :city_prefix
  AND (p."businessName" ILIKE :contains OR p.description ILIKE :contains)
ORDER BY p."createdAt" DESC
LIMIT 100
"""


async def _search_text_parameters(connection: AsyncConnection) -> dict[str, Any]:
    row = (
        await connection.execute(
            text(
                'SELECT city, "businessName" FROM "Provider" WHERE "isActive" AND city IS NOT NULL '
                'AND city = (SELECT city FROM "Provider" WHERE city IS NOT NULL '
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) ORDER BY id LIMIT 1"
            )
        )
    ).first()
    if row is None:
        return {"city_prefix": "Stockholm%", "contains": "%hov%"}
    city, business = str(row[0]), str(row[1])
    word = business.split()[0][:5].lower() if business.split() else "hov"
    # The app sanitises % and * away, then searches "starts with" the city, "contains" the text.
    return {"city_prefix": f"{city}%", "contains": f"%{word}%"}


PROVIDER_SEARCH_NEAR = f"""
SELECT p.id, p."businessName", p.description, p.city, p.latitude, p.longitude,
       p."serviceAreaKm", p."isVerified", p."createdAt", u."firstName", u."lastName",
       stats."averageRating", stats."reviewCount", p."distanceKm"
FROM (
    SELECT candidate.*,
           2 * 6371 * asin(sqrt(
               power(sin(radians(candidate.latitude - :latitude) / 2), 2)
               + cos(radians(:latitude)) * cos(radians(candidate.latitude))
                 * power(sin(radians(candidate.longitude - :longitude) / 2), 2)
           )) AS "distanceKm"
    FROM "Provider" candidate
    WHERE candidate."isActive"
      AND candidate.latitude BETWEEN :min_latitude AND :max_latitude
      AND candidate.longitude BETWEEN :min_longitude AND :max_longitude
) p
JOIN "User" u ON u.id = p."userId"
{_REVIEW_STATS}
WHERE p."distanceKm" <= :radius_km
ORDER BY p."distanceKm", p."createdAt" DESC
LIMIT 100
"""


async def _search_near_parameters(connection: AsyncConnection) -> dict[str, Any]:
    # A customer searching around their own stable.
    row = (
        await connection.execute(
            text(
                'SELECT latitude, longitude FROM "User" WHERE "userType" = \'customer\' '
                "AND latitude IS NOT NULL AND longitude IS NOT NULL ORDER BY id LIMIT 1"
            )
        )
    ).first()
    latitude, longitude = (float(row[0]), float(row[1])) if row else (59.3293, 18.0686)
    box = bounding_box(latitude, longitude, SEARCH_RADIUS_KM)
    return {
        "latitude": latitude,
        "longitude": longitude,
        "radius_km": SEARCH_RADIUS_KM,
        "min_latitude": box.min_latitude,
        "max_latitude": box.max_latitude,
        "min_longitude": box.min_longitude,
        "max_longitude": box.max_longitude,
    }


# --- availability, catalogue -------------------------------------------------------------

SLOTS_FOR_DAY = """
SELECT 'hours' AS kind, a."startTime", a."endTime", a."isClosed"
FROM "Availability" a
WHERE a."providerId" = :provider_id AND a."dayOfWeek" = :day_of_week AND a."isActive"
UNION ALL
SELECT 'exception', e."startTime", e."endTime", e."isClosed"
FROM "AvailabilityException" e
WHERE e."providerId" = :provider_id AND e.date = :day
UNION ALL
SELECT 'booking', b."startTime", b."endTime", false
FROM "Booking" b
WHERE b."providerId" = :provider_id AND b."bookingDate" = :booking_date
  AND b.status = ANY(:statuses)
ORDER BY 1, 2
"""


async def _slots_parameters(connection: AsyncConnection) -> dict[str, Any]:
    provider_id = await _busiest_provider(connection)
    booking_date = await _busiest_day(connection, provider_id)
    day: date = booking_date.date()
    return {
        "provider_id": provider_id,
        "day_of_week": day.weekday(),  # 0 = Monday, as Availability stores it
        "day": day,
        "booking_date": booking_date,
        "statuses": ACTIVE_STATUSES,
    }


SERVICE_CATALOGUE = """
SELECT s.id, s.name, s.description, s.price, s."durationMinutes", s."recommendedIntervalWeeks"
FROM "Service" s
WHERE s."providerId" = :provider_id AND s."isActive"
ORDER BY s.name
"""


async def _catalogue_parameters(connection: AsyncConnection) -> dict[str, Any]:
    return {"provider_id": await _busiest_provider(connection)}


# --- bookings ----------------------------------------------------------------------------

# The booking list of `bookings.repository.list_bookings`: the booking with its customer,
# service, provider, horse, payment and review.
_BOOKING_DETAIL = """
SELECT b.id, b."bookingDate", b."startTime", b."endTime", b.status, b."horseName",
       b."customerNotes", c."firstName", c."lastName", c.email, c.phone,
       s.name AS "serviceName", s.price, s."durationMinutes",
       p."businessName", pu."firstName" AS "providerFirstName",
       h.name AS "horse", h.breed, pay.status AS "paymentStatus", pay."invoiceNumber",
       r.rating, r.comment
FROM "Booking" b
JOIN "User" c ON c.id = b."customerId"
JOIN "Service" s ON s.id = b."serviceId"
JOIN "Provider" p ON p.id = b."providerId"
JOIN "User" pu ON pu.id = p."userId"
LEFT JOIN "Horse" h ON h.id = b."horseId"
LEFT JOIN "Payment" pay ON pay."bookingId" = b.id
LEFT JOIN "Review" r ON r."bookingId" = b.id
"""
_NEWEST_FIRST = 'ORDER BY b."bookingDate" DESC, b."startTime" DESC, b.id'

BOOKINGS_FOR_PROVIDER = f"""{_BOOKING_DETAIL}
WHERE b."providerId" = :provider_id
  AND b."bookingDate" >= :date_from AND b."bookingDate" <= :date_to
  AND b.status = ANY(:statuses)
{_NEWEST_FIRST}
"""


async def _provider_range_parameters(connection: AsyncConnection) -> dict[str, Any]:
    provider_id = await _busiest_provider(connection)
    busy = await _busiest_day(connection, provider_id)
    # The provider's calendar: four weeks around a busy day, everything not cancelled.
    return {
        "provider_id": provider_id,
        "date_from": busy - timedelta(days=7),
        "date_to": busy + timedelta(days=21),
        "statuses": ["pending", "confirmed", "completed"],
    }


BOOKINGS_FOR_CUSTOMER = f"""{_BOOKING_DETAIL}
WHERE b."customerId" = :customer_id
{_NEWEST_FIRST}
"""


async def _customer_parameters(connection: AsyncConnection) -> dict[str, Any]:
    customer = await _scalar(
        connection,
        'SELECT "customerId" FROM "Booking" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
    )
    return {"customer_id": str(customer) if customer else _nothing()}


# --- notifications, reviews, sessions ----------------------------------------------------

UNREAD_NOTIFICATIONS = """
SELECT count(*) FROM "Notification" n
WHERE n."userId" = :user_id AND n."isRead" IS false
"""

NEWEST_NOTIFICATIONS = """
SELECT n.id, n.type, n.message, n."isRead", n."linkUrl", n."createdAt"
FROM "Notification" n
WHERE n."userId" = :user_id
ORDER BY n."createdAt" DESC, n.id DESC
LIMIT :limit
"""


async def _notified_user(connection: AsyncConnection) -> dict[str, Any]:
    user = await _scalar(
        connection,
        'SELECT "userId" FROM "Notification" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
    )
    return {"user_id": str(user) if user else _nothing(), "limit": PAGE}


async def _unread_parameters(connection: AsyncConnection) -> dict[str, Any]:
    return {"user_id": (await _notified_user(connection))["user_id"]}


REVIEWS_FOR_PROVIDER = """
SELECT r.id, r.rating, r.comment, r.reply, r."repliedAt", r."createdAt",
       u."firstName", u."lastName", s.name AS "serviceName"
FROM "Review" r
JOIN "User" u ON u.id = r."customerId"
JOIN "Booking" b ON b.id = r."bookingId"
JOIN "Service" s ON s.id = b."serviceId"
WHERE r."providerId" = :provider_id
ORDER BY r."createdAt" DESC
LIMIT :limit OFFSET :offset
"""


async def _reviewed_provider(connection: AsyncConnection) -> dict[str, Any]:
    provider = await _scalar(
        connection,
        'SELECT "providerId" FROM "Review" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
    )
    return {"provider_id": str(provider) if provider else _nothing(), "limit": PAGE, "offset": 0}


SESSION_BY_TOKEN = """
SELECT s.id, s."userId", s."expiresAt", s."lastSeenAt", u.email, u."userType", u."isAdmin"
FROM "Session" s
JOIN "User" u ON u.id = s."userId"
WHERE s."tokenHash" = :token_hash
  AND s."revokedAt" IS NULL
  AND s."expiresAt" > :now
  AND s."lastSeenAt" > :idle_limit
"""


async def _session_parameters(connection: AsyncConnection) -> dict[str, Any]:
    token_hash = await _scalar(
        connection, 'SELECT "tokenHash" FROM "Session" ORDER BY "lastSeenAt" DESC LIMIT 1'
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    return {
        "token_hash": token_hash or hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        "now": now,
        "idle_limit": now - timedelta(days=7),
    }


def register_all() -> None:
    """Register every query above (idempotent: a name registered again is replaced)."""
    for query in (
        HotQuery(
            "providers.search_text",
            "public provider search: city starts with, name or description contains",
            PROVIDER_SEARCH_TEXT,
            _search_text_parameters,
        ),
        HotQuery(
            "providers.search_near",
            f"public provider search within {SEARCH_RADIUS_KM:.0f} km: bounding box, distance",
            PROVIDER_SEARCH_NEAR,
            _search_near_parameters,
        ),
        HotQuery(
            "availability.slots_for_day",
            "a provider's hours, exception and active bookings on one (busy) day",
            SLOTS_FOR_DAY,
            _slots_parameters,
        ),
        HotQuery(
            "bookings.for_provider",
            "a provider's calendar: bookings in a four-week range by status",
            BOOKINGS_FOR_PROVIDER,
            _provider_range_parameters,
        ),
        HotQuery(
            "bookings.for_customer",
            "a customer's bookings, newest first",
            BOOKINGS_FOR_CUSTOMER,
            _customer_parameters,
        ),
        HotQuery(
            "notifications.unread_count",
            "the unread-notifications badge",
            UNREAD_NOTIFICATIONS,
            _unread_parameters,
        ),
        HotQuery(
            "notifications.newest",
            f"a user's {PAGE} newest notifications",
            NEWEST_NOTIFICATIONS,
            _notified_user,
        ),
        HotQuery(
            "reviews.for_provider",
            "a provider's reviews, newest first, one page",
            REVIEWS_FOR_PROVIDER,
            _reviewed_provider,
        ),
        HotQuery(
            "accounts.session_by_token",
            "every authenticated request: the active session for a token hash",
            SESSION_BY_TOKEN,
            _session_parameters,
        ),
        HotQuery(
            "catalog.services_for_provider",
            "a provider's active service catalogue",
            SERVICE_CATALOGUE,
            _catalogue_parameters,
        ),
    ):
        register(query)


register_all()
