"""All SQL of providers: the public search (Core selects, a fixed number of queries per page),
the profile, its reviews and visits, and the owner's update."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Double,
    Integer,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.geo import EARTH_RADIUS_KM, bounding_box
from equinet.models import (
    Availability,
    AvailabilityException,
    Booking,
    Provider,
    ProviderVerification,
    Review,
    Service,
    Upload,
    User,
)

# A provider without a stored service area reaches the schema's default distance.
DEFAULT_SERVICE_AREA_KM = 50.0


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float
    radius_km: float


@dataclass(frozen=True)
class ListingQuery:
    city: str | None
    search: str | None
    near: GeoPoint | None
    limit: int
    offset: int


def _like_escape(value: str) -> str:
    """`value` taken literally in a LIKE pattern with ESCAPE '/' (what autoescape does)."""
    return value.replace("/", "//").replace("%", "/%").replace("_", "/_")


def distance_km(latitude: float, longitude: float) -> ColumnElement[float]:
    """Haversine distance from a point to the provider's stored coordinates, in SQL."""
    point_latitude: BindParameter[float] = bindparam("latitude", latitude, type_=Double())
    point_longitude: BindParameter[float] = bindparam("longitude", longitude, type_=Double())
    d_lat = func.radians(Provider.latitude - point_latitude) / 2
    d_lng = func.radians(Provider.longitude - point_longitude) / 2
    a = func.power(func.sin(d_lat), 2) + func.cos(func.radians(point_latitude)) * func.cos(
        func.radians(Provider.latitude)
    ) * func.power(func.sin(d_lng), 2)
    # least(1, ...) keeps rounding errors out of asin's domain.
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(func.least(literal(1.0), a)))


def city_starts_with(city: str) -> ColumnElement[bool]:
    """Case-insensitive "city starts with", in the form the expression index
    "Provider_city_lower_pattern_idx" (lower(city) text_pattern_ops) answers.

    ILIKE cannot use a B-tree. `lower(city) LIKE lower('prefix%')` can, but only when the
    planner sees the value: asyncpg prepares every statement and after five runs PostgreSQL
    may switch to a generic plan, which scans every provider. The byte-wise range
    [prefix, prefix || U+10FFFF) on the same index works with a parameter too; the LIKE
    stays the exact test.
    """
    pattern = bindparam("city_pattern", f"{_like_escape(city)}%", type_=Text())
    low = bindparam("city_from", city, type_=Text())
    high = bindparam("city_to", city + _HIGHEST_CHARACTER, type_=Text())
    lowered = func.lower(Provider.city)
    return and_(
        lowered.op("~>=~")(func.lower(low)),
        lowered.op("~<~")(func.lower(high)),
        lowered.like(func.lower(pattern), escape="/"),
    )


# The last Unicode code point: every string that starts with a prefix sorts byte-wise (UTF-8)
# before prefix + this character.
_HIGHEST_CHARACTER = "\U0010ffff"


def _listing_filters(query: ListingQuery) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [Provider.is_active.is_(True)]
    if query.city:
        filters.append(city_starts_with(query.city))
    if query.search:
        pattern = bindparam("search_pattern", f"%{_like_escape(query.search)}%", type_=Text())
        offers: ColumnElement[Any]
        if query.city or query.near is not None:
            # Few candidates: look only at their services, one probe of
            # Service_providerId_isActive_idx per candidate whose name and description did not
            # match. An EXISTS would let the planner hash a scan of every service instead, and
            # ILIKE on all 34k names costs more than the planner thinks (about 1 µs a row).
            # An aggregate subquery is never hashed; bool_or of no services is NULL: no match.
            offers = (
                select(func.bool_or(Service.name.ilike(pattern, escape="/")))
                .where(Service.provider_id == Provider.id, Service.is_active.is_(True))
                .scalar_subquery()
            )
        else:
            # Every active provider is a candidate: one hashed pass over the services is
            # cheaper than a probe per provider. Written as IN, not EXISTS: the planner costs
            # an EXISTS inside an OR as a probe per row (150k for 10,000 providers), which
            # turns on JIT compilation (20+ ms) and an index walk of every active provider.
            offers = Provider.id.in_(
                select(Service.provider_id).where(
                    Service.is_active.is_(True), Service.name.ilike(pattern, escape="/")
                )
            )
        filters.append(
            or_(
                Provider.business_name.ilike(pattern, escape="/"),
                Provider.description.ilike(pattern, escape="/"),
                offers,
            )
        )
    if query.near is not None:
        near = query.near
        box = bounding_box(near.latitude, near.longitude, near.radius_km)
        distance = distance_km(near.latitude, near.longitude)
        filters += [
            # The box is what the (latitude, longitude) index can answer ...
            Provider.latitude.between(
                bindparam("min_latitude", box.min_latitude, type_=Double()),
                bindparam("max_latitude", box.max_latitude, type_=Double()),
            ),
            Provider.longitude.between(
                bindparam("min_longitude", box.min_longitude, type_=Double()),
                bindparam("max_longitude", box.max_longitude, type_=Double()),
            ),
            # ... the exact distance then decides, within the search radius and within the
            # distance the provider travels.
            distance <= bindparam("radius_km", near.radius_km, type_=Double()),
            distance <= func.coalesce(Provider.service_area_km, DEFAULT_SERVICE_AREA_KM),
        ]
    return filters


# The provider's public fields in the listing, by the names the rows carry.
LISTING_COLUMNS = {
    "id": Provider.id,
    "user_id": Provider.user_id,
    "business_name": Provider.business_name,
    "description": Provider.description,
    "city": Provider.city,
    "latitude": Provider.latitude,
    "longitude": Provider.longitude,
    "service_area_km": Provider.service_area_km,
    "profile_image_url": Provider.profile_image_url,
    "is_active": Provider.is_active,
    "is_verified": Provider.is_verified,
    "created_at": Provider.created_at,
    "updated_at": Provider.updated_at,
}


def listing_parameters(query: ListingQuery, today: date) -> dict[str, Any]:
    """The values of the listing statement's bound parameters for this query."""
    values: dict[str, Any] = {"limit": query.limit, "offset": query.offset, "today": today}
    if query.city:
        values |= {
            "city_pattern": f"{_like_escape(query.city)}%",
            "city_from": query.city,
            "city_to": query.city + _HIGHEST_CHARACTER,
        }
    if query.search:
        values["search_pattern"] = f"%{_like_escape(query.search)}%"
    if query.near is not None:
        near = query.near
        box = bounding_box(near.latitude, near.longitude, near.radius_km)
        values |= {
            "latitude": near.latitude,
            "longitude": near.longitude,
            "radius_km": near.radius_km,
            "min_latitude": box.min_latitude,
            "max_latitude": box.max_latitude,
            "min_longitude": box.min_longitude,
            "max_longitude": box.max_longitude,
        }
    return values


def _shape_of(query: ListingQuery) -> tuple[bool, bool, bool]:
    return bool(query.city), bool(query.search), query.near is not None


@functools.cache
def listing_shape(city: bool, search: bool, near: bool) -> Select[Any]:
    """The listing statement of one combination of filters, built once per process.

    Every value is a bound parameter (`listing_parameters`), so the statement object, its
    cache key and its compiled form are reused by every request of the same shape.
    """
    placeholder = ListingQuery(
        city="a" if city else None,
        search="a" if search else None,
        near=GeoPoint(0.0, 0.0, 1.0) if near else None,
        limit=1,
        offset=0,
    )
    return _build_listing_statement(placeholder, date(2000, 1, 1))


def listing_statement(query: ListingQuery, today: date) -> Select[Any]:
    """The public listing's statement with this query's values bound (what the app sends).
    `equinet db explain` registers this very statement (hot_queries_catalog)."""
    return listing_shape(*_shape_of(query)).params(listing_parameters(query, today))


# Positions in a listing row (`_build_listing_statement`'s columns).
LISTING_FIRST_NAME = len(LISTING_COLUMNS)
LISTING_TOTAL = LISTING_FIRST_NAME + 6
LISTING_DISTANCE = LISTING_TOTAL + 1


def _build_listing_statement(query: ListingQuery, today: date) -> Select[Any]:
    """One page of active providers matching the filters, each with its review average and
    count and its next announced visit, and the number of all matches.

    The database does the least work in this order: `matches` keeps the public fields of
    every provider the filters let through, read once from the rows the city,
    isActive/createdAt or latitude/longitude index points at (joining the page back to
    "Provider" would read the table again, or hash all of it); the page is cut from it; only
    the page's providers are then joined to their user, their reviews
    (Review_providerId_createdAt_idx) and their next visit
    (AvailabilityException_providerId_date_key); `total` counts `matches` without any join.
    """
    fields: list[Any] = [column.label(name) for name, column in LISTING_COLUMNS.items()]
    if query.near is not None:
        fields.append(distance_km(query.near.latitude, query.near.longitude).label("distance_km"))
    matches = select(*fields).where(*_listing_filters(query)).cte("matches")
    # Used twice (page and total): computed once.
    matches = matches.prefix_with("MATERIALIZED")

    def order(source: Any) -> list[Any]:
        first = [source.c.distance_km] if query.near is not None else []
        return [*first, source.c.created_at.desc(), source.c.id]

    page = (
        select(matches)
        .order_by(*order(matches))
        .limit(bindparam("limit", query.limit, type_=Integer()))
        .offset(bindparam("offset", query.offset, type_=Integer()))
        .subquery("page")
    )
    stats = (
        select(
            func.avg(Review.rating).label("average_rating"),
            func.count().label("review_count"),
        )
        .where(Review.provider_id == page.c.id)
        .lateral("stats")
    )
    visit = (
        select(
            AvailabilityException.date.label("visit_date"),
            AvailabilityException.location.label("visit_location"),
        )
        .where(
            AvailabilityException.provider_id == page.c.id,
            AvailabilityException.date >= bindparam("today", today, type_=Date()),
            AvailabilityException.location.is_not(None),
            AvailabilityException.is_closed.is_(False),
        )
        .order_by(AvailabilityException.date)
        .limit(1)
        .lateral("visit")
    )
    total = select(func.count()).select_from(matches).scalar_subquery()
    columns: list[Any] = [
        *(page.c[name] for name in LISTING_COLUMNS),
        User.first_name,
        User.last_name,
        stats.c.average_rating,
        stats.c.review_count,
        visit.c.visit_date,
        visit.c.visit_location,
        total.label("total"),
    ]
    if query.near is not None:
        columns.append(page.c.distance_km)
    return (
        select(*columns)
        .select_from(page)
        .join(User, User.id == page.c.user_id)
        .join(stats, true())
        .outerjoin(visit, true())
        .order_by(*order(page))
    )


async def listing_page(
    db: AsyncSession, query: ListingQuery, today: date
) -> tuple[Sequence[Any], int]:
    """One page of active providers matching the filters (with review stats and next visit),
    and the total number of matches. Rows are plain tuples in `listing_shape`'s order."""
    # Core on the session's connection: no ORM result processing for 100 plain rows.
    connection = await db.connection()
    result = await connection.execute(
        listing_shape(*_shape_of(query)), listing_parameters(query, today)
    )
    rows = result.all()
    if rows:
        return rows, int(rows[0][LISTING_TOTAL])
    if query.offset == 0:
        return rows, 0
    # Past the last page no row carries the total.
    total = await db.scalar(
        select(func.count()).select_from(Provider).where(*_listing_filters(query))
    )
    return rows, int(total or 0)


# One array parameter instead of IN (...): a single statement (and prepared plan) for any
# number of providers, without re-rendering the IN list on every call.
_ACTIVE_SERVICES_BRIEF = (
    select(
        Service.provider_id.label("provider_id"),
        Service.id.label("id"),
        Service.name.label("name"),
        Service.price.label("price"),
        Service.description.label("description"),
        Service.duration_minutes.label("duration_minutes"),
    )
    .where(
        Service.provider_id == any_(bindparam("provider_ids", type_=ARRAY(Text()))),
        Service.is_active.is_(True),
    )
    .order_by(Service.provider_id, Service.created_at, Service.id)
)


async def active_services_brief(db: AsyncSession, provider_ids: Sequence[str]) -> Sequence[Any]:
    if not provider_ids:
        return []
    connection = await db.connection()
    result = await connection.execute(_ACTIVE_SERVICES_BRIEF, {"provider_ids": list(provider_ids)})
    return result.all()


async def review_stats(
    db: AsyncSession, provider_ids: Sequence[str]
) -> dict[str, tuple[float | None, int]]:
    """Average rating and count per provider, one aggregate query."""
    if not provider_ids:
        return {}
    statement = (
        select(Review.provider_id, func.avg(Review.rating), func.count())
        .where(Review.provider_id.in_(provider_ids))
        .group_by(Review.provider_id)
    )
    return {
        provider_id: (float(average) if average is not None else None, int(count))
        for provider_id, average, count in (await db.execute(statement)).all()
    }


async def next_visits(
    db: AsyncSession, provider_ids: Sequence[str], today: date
) -> dict[str, tuple[date, str]]:
    """Each provider's earliest announced visit from `today` on (an open exception with a
    location), one DISTINCT ON query."""
    if not provider_ids:
        return {}
    statement = (
        select(
            AvailabilityException.provider_id,
            AvailabilityException.date,
            AvailabilityException.location,
        )
        .where(
            AvailabilityException.provider_id.in_(provider_ids),
            AvailabilityException.date >= today,
            AvailabilityException.location.is_not(None),
            AvailabilityException.is_closed.is_(False),
        )
        .order_by(AvailabilityException.provider_id, AvailabilityException.date)
        .ext(distinct_on(AvailabilityException.provider_id))
    )
    return {row.provider_id: (row.date, row.location) for row in await db.execute(statement)}


# --- one provider --------------------------------------------------------------------------


async def announced_visits(
    db: AsyncSession, provider_id: str, today: date, limit: int
) -> Sequence[Any]:
    """One provider's announced visits from `today` on (open exceptions with a location)."""
    statement = (
        select(
            AvailabilityException.date,
            AvailabilityException.location,
            AvailabilityException.start_time,
            AvailabilityException.end_time,
        )
        .where(
            AvailabilityException.provider_id == provider_id,
            AvailabilityException.date >= today,
            AvailabilityException.location.is_not(None),
            AvailabilityException.is_closed.is_(False),
        )
        .order_by(AvailabilityException.date)
        .limit(limit)
    )
    return (await db.execute(statement)).all()


async def active_provider_with_user(db: AsyncSession, provider_id: str) -> Any:
    statement = (
        select(Provider, User.first_name, User.last_name, User.phone)
        .join(User, User.id == Provider.user_id)
        .where(Provider.id == provider_id, Provider.is_active.is_(True))
    )
    return (await db.execute(statement)).first()


async def active_weekly_hours(db: AsyncSession, provider_id: str) -> Sequence[Availability]:
    return (
        await db.scalars(
            select(Availability)
            .where(Availability.provider_id == provider_id, Availability.is_active.is_(True))
            .order_by(Availability.day_of_week)
        )
    ).all()


async def approved_verifications(
    db: AsyncSession, provider_id: str
) -> list[tuple[ProviderVerification, list[tuple[str, str]]]]:
    """Approved verifications, newest first, with their images (pending stay private)."""
    verifications = (
        await db.scalars(
            select(ProviderVerification)
            .where(
                ProviderVerification.provider_id == provider_id,
                ProviderVerification.status == "approved",
            )
            .order_by(ProviderVerification.created_at.desc())
        )
    ).all()
    if not verifications:
        return []
    images: dict[str, list[tuple[str, str]]] = {}
    rows = await db.execute(
        select(Upload.verification_id, Upload.id, Upload.url)
        .where(Upload.verification_id.in_([v.id for v in verifications]))
        .order_by(Upload.created_at)
    )
    for verification_id, upload_id, url in rows:
        if verification_id is not None:
            images.setdefault(verification_id, []).append((upload_id, url))
    return [(v, images.get(v.id, [])) for v in verifications]


async def provider_exists(db: AsyncSession, provider_id: str) -> bool:
    return bool(await db.scalar(select(exists().where(Provider.id == provider_id))))


# Every provider's authenticated request runs it: built once per process.
_PROVIDER_OF_USER = select(Provider).where(Provider.user_id == bindparam("user_id"))


async def provider_of_user(db: AsyncSession, user_id: str) -> Provider | None:
    """The Provider row of a user (the one query for "the provider of this user")."""
    return await db.scalar(_PROVIDER_OF_USER, {"user_id": user_id})


async def provider_id_of_user(db: AsyncSession, user_id: str) -> str | None:
    return await db.scalar(select(Provider.id).where(Provider.user_id == user_id))


async def owned_provider(db: AsyncSession, provider_id: str, user_id: str) -> Provider | None:
    return await db.scalar(
        select(Provider).where(Provider.id == provider_id, Provider.user_id == user_id)
    )


async def update_owned_provider(
    db: AsyncSession, provider_id: str, user_id: str, values: dict[str, Any]
) -> Provider | None:
    """UPDATE ... WHERE id AND userId RETURNING: None when missing or someone else's."""
    result = await db.scalars(
        update(Provider)
        .where(Provider.id == provider_id, Provider.user_id == user_id)
        .values(**values)
        .returning(Provider)
        .execution_options(populate_existing=True)
    )
    return result.first()


def reviews_page_statement(provider_id: str, *, limit: int, offset: int) -> Select[Any]:
    """One page of a provider's reviews, newest first (also registered with
    `equinet db explain` as `reviews.for_provider`)."""
    customer = User.__table__.alias("customer")
    return (
        select(
            Review.id,
            Review.rating,
            Review.comment,
            Review.reply,
            Review.replied_at,
            Review.created_at,
            customer.c.firstName.label("first_name"),
            customer.c.lastName.label("last_name"),
            Service.name.label("service_name"),
        )
        .join(customer, customer.c.id == Review.customer_id)
        .join(Booking, Booking.id == Review.booking_id)
        .join(Service, Service.id == Booking.service_id)
        .where(Review.provider_id == bindparam("provider_id", provider_id, type_=Text()))
        .order_by(Review.created_at.desc(), Review.id)
        .limit(bindparam("limit", limit, type_=Integer()))
        .offset(bindparam("offset", offset, type_=Integer()))
    )


async def reviews_page(
    db: AsyncSession, provider_id: str, *, limit: int, offset: int
) -> Sequence[Any]:
    statement = reviews_page_statement(provider_id, limit=limit, offset=offset)
    rows: Sequence[Any] = (await db.execute(statement)).all()
    return rows


async def upcoming_visits_matching(db: AsyncSession, location: str, today: date) -> Sequence[Any]:
    """Each active provider's earliest open exception from `today` whose location contains
    `location` (case-insensitive)."""
    statement = (
        select(
            Provider.id,
            Provider.business_name,
            Provider.description,
            Provider.city,
            User.first_name,
            User.last_name,
            AvailabilityException.date,
            AvailabilityException.location,
            AvailabilityException.start_time,
            AvailabilityException.end_time,
        )
        .join(Provider, Provider.id == AvailabilityException.provider_id)
        .join(User, User.id == Provider.user_id)
        .where(
            and_(
                AvailabilityException.location.icontains(location, autoescape=True),
                AvailabilityException.date >= today,
                AvailabilityException.is_closed.is_(False),
                Provider.is_active.is_(True),
            )
        )
        .order_by(Provider.id, AvailabilityException.date)
        .ext(distinct_on(Provider.id))
    )
    rows = (await db.execute(statement)).all()
    return sorted(rows, key=lambda row: (row.date, row.business_name))
