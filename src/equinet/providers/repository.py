"""All SQL of providers: the public search (Core selects, a fixed number of queries per page),
the profile, its reviews and visits, and the owner's update."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on
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


def distance_km(latitude: float, longitude: float) -> ColumnElement[float]:
    """Haversine distance from a point to the provider's stored coordinates, in SQL."""
    d_lat = func.radians(Provider.latitude - latitude) / 2
    d_lng = func.radians(Provider.longitude - longitude) / 2
    a = func.power(func.sin(d_lat), 2) + func.cos(func.radians(literal(latitude))) * func.cos(
        func.radians(Provider.latitude)
    ) * func.power(func.sin(d_lng), 2)
    # least(1, ...) keeps rounding errors out of asin's domain.
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(func.least(literal(1.0), a)))


def _listing_filters(query: ListingQuery) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = [Provider.is_active.is_(True)]
    if query.city:
        filters.append(Provider.city.istartswith(query.city, autoescape=True))
    if query.search:
        term = query.search
        filters.append(
            or_(
                Provider.business_name.icontains(term, autoescape=True),
                Provider.description.icontains(term, autoescape=True),
                exists().where(
                    Service.provider_id == Provider.id,
                    Service.is_active.is_(True),
                    Service.name.icontains(term, autoescape=True),
                ),
            )
        )
    if query.near is not None:
        near = query.near
        box = bounding_box(near.latitude, near.longitude, near.radius_km)
        distance = distance_km(near.latitude, near.longitude)
        filters += [
            # The box is what the (latitude, longitude) index can answer ...
            Provider.latitude.between(box.min_latitude, box.max_latitude),
            Provider.longitude.between(box.min_longitude, box.max_longitude),
            # ... the exact distance then decides, within the search radius and within the
            # distance the provider travels.
            distance <= near.radius_km,
            distance <= func.coalesce(Provider.service_area_km, DEFAULT_SERVICE_AREA_KM),
        ]
    return filters


LISTING_COLUMNS = (
    Provider.id,
    Provider.user_id,
    Provider.business_name,
    Provider.description,
    Provider.city,
    Provider.latitude,
    Provider.longitude,
    Provider.service_area_km,
    Provider.profile_image_url,
    Provider.is_active,
    Provider.is_verified,
    Provider.created_at,
    Provider.updated_at,
    User.first_name,
    User.last_name,
)


async def listing_page(db: AsyncSession, query: ListingQuery) -> tuple[Sequence[Any], int]:
    """One page of active providers matching the filters, and the total number of matches."""
    filters = _listing_filters(query)
    columns: list[Any] = [*LISTING_COLUMNS, func.count().over().label("total")]
    order: list[Any] = []
    if query.near is not None:
        distance = distance_km(query.near.latitude, query.near.longitude)
        columns.append(distance.label("distance_km"))
        order.append(distance)
    order += [Provider.created_at.desc(), Provider.id]
    statement = (
        select(*columns)
        .join(User, User.id == Provider.user_id)
        .where(*filters)
        .order_by(*order)
        .limit(query.limit)
        .offset(query.offset)
    )
    rows = (await db.execute(statement)).all()
    if rows:
        return rows, int(rows[0].total)
    if query.offset == 0:
        return rows, 0
    # Past the last page the window count has no row to ride on.
    total = await db.scalar(select(func.count()).select_from(Provider).where(*filters))
    return rows, int(total or 0)


async def active_services_brief(db: AsyncSession, provider_ids: Sequence[str]) -> Sequence[Any]:
    if not provider_ids:
        return []
    statement = (
        select(
            Service.provider_id,
            Service.id,
            Service.name,
            Service.price,
            Service.description,
            Service.duration_minutes,
        )
        .where(Service.provider_id.in_(provider_ids), Service.is_active.is_(True))
        .order_by(Service.provider_id, Service.created_at, Service.id)
    )
    return (await db.execute(statement)).all()


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
    location, §3.6), one DISTINCT ON query."""
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
    """Approved verifications, newest first, with their images (§7.20: pending stay private)."""
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


async def reviews_page(
    db: AsyncSession, provider_id: str, *, limit: int, offset: int
) -> Sequence[Any]:
    customer = User.__table__.alias("customer")
    statement = (
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
        .where(Review.provider_id == provider_id)
        .order_by(Review.created_at.desc(), Review.id)
        .limit(limit)
        .offset(offset)
    )
    return (await db.execute(statement)).all()


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
