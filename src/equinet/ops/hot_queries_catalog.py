"""The app's hot read queries, registered for `equinet db explain` until each domain owns its own.

Each statement is the one the domain's repository runs on a hot path: the providers',
bookings' and availability's statements are compiled from the repository's own builder (they
cannot drift from the app), the others are still written by hand against the Equinet schema
until their repositories expose a builder; each parameter function picks values from the current data the way
real traffic would hit it: the busiest provider, its busiest day, a customer with many
bookings, the user with the most notifications. On an empty database the functions fall back
to values that match nothing, so every statement still plans and runs.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.ext.asyncio import AsyncConnection

from equinet.accounts.sessions import hash_token
from equinet.availability.repository import day_plan_statement
from equinet.bookings.repository import list_bookings_statement
from equinet.db.base import utcnow
from equinet.kit.dates import today_local
from equinet.kit.hot_queries import HotQuery, register
from equinet.providers.repository import (
    GeoPoint,
    ListingQuery,
    listing_statement,
    reviews_page_statement,
)
from equinet.providers.service import MAX_LIMIT

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

# The providers' statements are not copies: they are built by the repository's own
# `listing_statement` and compiled here, so the advisor plans exactly what
# GET /api/providers sends. Every value is a named bind parameter there; the parameter
# functions build the statement again for values picked from the data and hand over its
# compiled parameters, whose names match because the shape of the statement is the same.
# `:name` placeholders, as text() reads them.
_DIALECT = PGDialect(paramstyle="named")  # type: ignore[no-untyped-call]


def _compiled(query: ListingQuery) -> tuple[str, dict[str, Any]]:
    compiled = listing_statement(query, today_local()).compile(dialect=_DIALECT)
    return compiled.string, dict(compiled.params)


def _listing_query(
    *, city: str | None = None, search: str | None = None, near: GeoPoint | None = None
) -> ListingQuery:
    return ListingQuery(city=city, search=search, near=near, limit=MAX_LIMIT, offset=0)


async def _commonest_city(connection: AsyncConnection) -> tuple[str, str]:
    """The city with the most active providers and one of its business names."""
    row = (
        await connection.execute(
            text(
                'SELECT city, "businessName" FROM "Provider" WHERE "isActive" AND city IS NOT NULL '
                'AND city = (SELECT city FROM "Provider" WHERE "isActive" AND city IS NOT NULL '
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) ORDER BY id LIMIT 1"
            )
        )
    ).first()
    return (str(row[0]), str(row[1])) if row else ("Stockholm", "Hovslageri")


PROVIDER_LIST_CITY, _ = _compiled(_listing_query(city="Stockholm"))


async def _list_city_parameters(connection: AsyncConnection) -> dict[str, Any]:
    city, _ = await _commonest_city(connection)
    return _compiled(_listing_query(city=city))[1]


PROVIDER_SEARCH_TEXT, _ = _compiled(_listing_query(city="Stockholm", search="hov"))


async def _search_text_parameters(connection: AsyncConnection) -> dict[str, Any]:
    city, business = await _commonest_city(connection)
    words = business.split()
    # Part of a real business name: matches a few of the city's providers by name; the others
    # are checked against their descriptions and service names.
    word = words[0][:5].lower() if words else "hov"
    return _compiled(_listing_query(city=city, search=word))[1]


PROVIDER_SEARCH_NEAR, _ = _compiled(_listing_query(near=GeoPoint(59.3293, 18.0686, 25.0)))


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
    near = GeoPoint(latitude, longitude, SEARCH_RADIUS_KM)
    return _compiled(_listing_query(near=near))[1]


# --- availability, catalogue -------------------------------------------------------------

# Lists bound with IN (the active statuses) are rendered one parameter per value, so the
# statement is plain `:name` SQL; the parameter functions build it with as many values.


def _rendered(statement: Any) -> tuple[str, dict[str, Any]]:
    compiled = statement.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    return compiled.string, dict(compiled.params)


# The slot engine's one round trip (`availability.repository.day_plan`), from its builder.
SLOTS_FOR_DAY, _ = _rendered(day_plan_statement(_nothing(), date(2026, 1, 5)))


async def _slots_parameters(connection: AsyncConnection) -> dict[str, Any]:
    provider_id = await _busiest_provider(connection)
    day: date = (await _busiest_day(connection, provider_id)).date()
    return _rendered(day_plan_statement(provider_id, day))[1]


SERVICE_CATALOGUE = """
SELECT s.id, s.name, s.description, s.price, s."durationMinutes", s."recommendedIntervalWeeks"
FROM "Service" s
WHERE s."providerId" = :provider_id AND s."isActive"
ORDER BY s.name
"""


async def _catalogue_parameters(connection: AsyncConnection) -> dict[str, Any]:
    return {"provider_id": await _busiest_provider(connection)}


# --- bookings ----------------------------------------------------------------------------

# GET /api/bookings (`bookings.repository.list_bookings`), from its builder: the booking with
# its customer, service, provider, horse, payment and review, one default page (100 + 1).
_PAGE_FETCH = 101
_CALENDAR_STATUSES = ["pending", "confirmed", "completed"]


def _provider_calendar(provider_id: str, busy: datetime) -> tuple[str, dict[str, Any]]:
    # The provider's calendar: four weeks around a busy day, everything not cancelled.
    return _rendered(
        list_bookings_statement(
            provider_id=provider_id,
            statuses=_CALENDAR_STATUSES,
            date_from=busy.date() - timedelta(days=7),
            date_to=busy.date() + timedelta(days=21),
            limit=_PAGE_FETCH,
        )
    )


BOOKINGS_FOR_PROVIDER, _ = _provider_calendar(_nothing(), _today())


async def _provider_range_parameters(connection: AsyncConnection) -> dict[str, Any]:
    provider_id = await _busiest_provider(connection)
    return _provider_calendar(provider_id, await _busiest_day(connection, provider_id))[1]


def _customer_list(customer_id: str) -> tuple[str, dict[str, Any]]:
    return _rendered(list_bookings_statement(customer_id=customer_id, limit=_PAGE_FETCH))


BOOKINGS_FOR_CUSTOMER, _ = _customer_list(_nothing())


async def _customer_parameters(connection: AsyncConnection) -> dict[str, Any]:
    customer = await _scalar(
        connection,
        'SELECT "customerId" FROM "Booking" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
    )
    return _customer_list(str(customer) if customer else _nothing())[1]


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


# The statement of `providers.repository.reviews_page`, compiled from its builder.
REVIEWS_FOR_PROVIDER = str(
    reviews_page_statement("", limit=PAGE, offset=0).compile(dialect=_DIALECT)
)


async def _reviewed_provider(connection: AsyncConnection) -> dict[str, Any]:
    provider = await _scalar(
        connection,
        'SELECT "providerId" FROM "Review" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1',
    )
    provider_id = str(provider) if provider else _nothing()
    statement = reviews_page_statement(provider_id, limit=PAGE, offset=0)
    return dict(statement.compile(dialect=_DIALECT).params)


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
    now = utcnow()
    return {
        "token_hash": token_hash or hash_token(_nothing()),
        "now": now,
        "idle_limit": now - timedelta(days=7),
    }


def register_all() -> None:
    """Register every query above (idempotent: a name registered again is replaced)."""
    for query in (
        HotQuery(
            "providers.list_city",
            "public provider listing of a city: one page with review stats and next visit",
            PROVIDER_LIST_CITY,
            _list_city_parameters,
        ),
        HotQuery(
            "providers.search_text",
            "public provider search: city starts with; name, description or a service contains",
            PROVIDER_SEARCH_TEXT,
            _search_text_parameters,
        ),
        HotQuery(
            "providers.search_near",
            f"public provider search within {SEARCH_RADIUS_KM:.0f} km: bounding box, distance, "
            "service area",
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
