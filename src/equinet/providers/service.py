"""Provider search and profiles: query parsing, the listing cache, and the owner's update."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.geocoding.service import geocode
from equinet.kit.pagination import PageRequest
from equinet.models import Provider, User
from equinet.providers import repository
from equinet.providers.cache import ProviderListingCache, invalidate_provider_listings
from equinet.providers.exceptions import InvalidProviderQuery, ProviderNotFound, UnknownPlace
from equinet.providers.repository import GeoPoint, ListingQuery
from equinet.providers.schemas import (
    NextVisit,
    Pagination,
    ProviderDetail,
    ProviderList,
    ProviderListItem,
    ProviderOwnView,
    ProviderReviews,
    ProviderUpdate,
    PublicContact,
    PublicName,
    PublicReview,
    PublicVerification,
    ReviewBooking,
    ReviewBookingService,
    ReviewStats,
    ServiceBrief,
    ServiceDetail,
    VerificationImage,
    Visit,
    VisitingArea,
    VisitingEntry,
    VisitingProvider,
    WeeklyHours,
)
from equinet.settings import Settings

MAX_LIMIT = 100
MAX_RADIUS_KM = 100.0
_SEARCH_DROP = re.compile(r"['\";\\%*]")
_WHITESPACE = re.compile(r"\s+")


def sanitize_search_query(value: str | None) -> str | None:
    """Trim, drop ' " ; \\ % *, cut to 100 characters, collapse whitespace."""
    if value is None:
        return None
    cleaned = _WHITESPACE.sub(" ", _SEARCH_DROP.sub("", value.strip())[:100]).strip()
    return cleaned or None


def _number(value: str, error: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise InvalidProviderQuery(error) from None
    if not math.isfinite(number):
        raise InvalidProviderQuery(error)
    return number


def parse_listing_query(
    *,
    city: str | None,
    search: str | None,
    latitude: str | None,
    longitude: str | None,
    radius_km: str | None,
    page: PageRequest,
) -> ListingQuery:
    """The query string of GET /api/providers → a validated ListingQuery (400 on bad geo).

    A point (latitude + longitude) finds providers whose service area covers it; radiusKm
    narrows that to the customer's own search radius (at most 100 km).
    """
    near: GeoPoint | None = None
    if latitude is not None or longitude is not None or radius_km is not None:
        if latitude is None or longitude is None:
            raise InvalidProviderQuery("Sökning nära en punkt kräver både latitude och longitude")
        lat = _number(latitude, "Ogiltig latitude (måste vara mellan -90 och 90)")
        if not -90 <= lat <= 90:
            raise InvalidProviderQuery("Ogiltig latitude (måste vara mellan -90 och 90)")
        lng = _number(longitude, "Ogiltig longitude (måste vara mellan -180 och 180)")
        if not -180 <= lng <= 180:
            raise InvalidProviderQuery("Ogiltig longitude (måste vara mellan -180 och 180)")
        radius = MAX_RADIUS_KM
        if radius_km is not None:
            try:
                radius = float(radius_km)
            except ValueError:
                radius = math.nan
            if math.isnan(radius) or radius <= 0:
                raise InvalidProviderQuery("radiusKm måste vara större än 0")
            if radius > MAX_RADIUS_KM:
                raise InvalidProviderQuery("radiusKm får vara högst 100 km")
        near = GeoPoint(lat, lng, radius)
    return ListingQuery(
        city=sanitize_search_query(city),
        search=sanitize_search_query(search),
        near=near,
        limit=page.limit,
        offset=page.offset,
    )


def _cache_key(query: ListingQuery, today: date) -> dict[str, Any]:
    near = query.near
    return {
        "city": (query.city or "").lower(),
        "search": (query.search or "").lower(),
        "near": [round(near.latitude, 5), round(near.longitude, 5), near.radius_km]
        if near
        else None,
        "limit": query.limit,
        "offset": query.offset,
        "today": today.isoformat(),  # nextVisit moves on at midnight
    }


async def list_providers(
    db: AsyncSession, cache: ProviderListingCache | None, query: ListingQuery, today: date
) -> dict[str, Any]:
    """The public listing as JSON, from the cache when it holds this page."""
    key = _cache_key(query, today)
    if cache is not None:
        cached = await cache.get("list", key)
        if cached is not None:
            return dict(cached)
        generation = await cache.generation()
    page = await _build_listing(db, query, today)
    body = page.model_dump(mode="json")
    if cache is not None:
        await cache.set("list", key, body, generation)
    return body


async def _build_listing(db: AsyncSession, query: ListingQuery, today: date) -> ProviderList:
    rows, total = await repository.listing_page(db, query, today)
    ids = [row.id for row in rows]
    services: dict[str, list[ServiceBrief]] = defaultdict(list)
    for service in await repository.active_services_brief(db, ids):
        services[service.provider_id].append(
            ServiceBrief(id=service.id, name=service.name, price=service.price)
        )
    items = []
    for row in rows:
        average = float(row.average_rating) if row.average_rating is not None else None
        count = int(row.review_count)
        visit = (row.visit_date, row.visit_location) if row.visit_date is not None else None
        distance = getattr(row, "distance_km", None)
        items.append(
            ProviderListItem(
                id=row.id,
                user_id=row.user_id,
                business_name=row.business_name,
                description=row.description,
                city=row.city,
                latitude=row.latitude,
                longitude=row.longitude,
                service_area_km=row.service_area_km,
                profile_image_url=row.profile_image_url,
                is_active=row.is_active,
                is_verified=row.is_verified,
                created_at=row.created_at,
                updated_at=row.updated_at,
                services=services.get(row.id, []),
                user=PublicName(first_name=row.first_name, last_name=row.last_name),
                next_visit=NextVisit(date=visit[0], location=visit[1]) if visit else None,
                review_stats=ReviewStats(average_rating=_rounded(average), total_count=count),
                distance_km=round(distance, 1) if distance is not None else None,
            )
        )
    return ProviderList(
        data=items,
        pagination=Pagination(
            total=total,
            limit=query.limit,
            offset=query.offset,
            has_more=query.offset + query.limit < total,
        ),
    )


def _rounded(average: float | None) -> float | None:
    return round(average, 2) if average is not None else None


async def provider_detail(db: AsyncSession, provider_id: str) -> ProviderDetail:
    found = await repository.active_provider_with_user(db, provider_id)
    if found is None:
        raise ProviderNotFound()
    provider, first_name, last_name, phone = found
    services = await repository.active_services_brief(db, [provider.id])
    hours = await repository.active_weekly_hours(db, provider.id)
    verifications = await repository.approved_verifications(db, provider.id)
    average, count = (await repository.review_stats(db, [provider.id])).get(provider.id, (None, 0))
    return ProviderDetail(
        id=provider.id,
        user_id=provider.user_id,
        business_name=provider.business_name,
        description=provider.description,
        city=provider.city,
        address=provider.address,
        postal_code=provider.postal_code,
        latitude=provider.latitude,
        longitude=provider.longitude,
        service_area_km=provider.service_area_km,
        profile_image_url=provider.profile_image_url,
        is_active=provider.is_active,
        is_verified=provider.is_verified,
        verified_at=provider.verified_at,
        created_at=provider.created_at,
        updated_at=provider.updated_at,
        services=[
            ServiceDetail(
                id=s.id,
                name=s.name,
                price=s.price,
                description=s.description,
                duration_minutes=s.duration_minutes,
            )
            for s in services
        ],
        availability=[WeeklyHours.model_validate(row) for row in hours],
        verifications=[
            PublicVerification(
                id=v.id,
                type=v.type,
                title=v.title,
                description=v.description,
                issuer=v.issuer,
                year=v.year,
                status=v.status,
                images=[VerificationImage(id=i, url=url) for i, url in images],
            )
            for v, images in verifications
        ],
        user=PublicContact(first_name=first_name, last_name=last_name, phone=phone),
        review_stats=ReviewStats(average_rating=_rounded(average), total_count=count),
    )


_LOCATION_FIELDS = ("address", "city", "postal_code")


async def provider_of_user(db: AsyncSession, user: User) -> Provider:
    """The Provider row of a provider user; a provider user without one is a 404."""
    provider = await repository.provider_of_user(db, user.id)
    if provider is None:
        raise ProviderNotFound()
    return provider


async def provider_of_caller(db: AsyncSession, user: User) -> Provider | None:
    """The caller's Provider row when the caller is a provider; None for a customer or admin."""
    return await provider_of_user(db, user) if user.user_type == "provider" else None


async def change_profile(
    db: AsyncSession, settings: Settings, user: User, provider_id: str, values: dict[str, Any]
) -> Provider:
    """The one rule for changing a provider's profile, whichever route asks.

    The owner is in the WHERE clause (someone else's id is the same 404 as an unknown one). A
    changed address, town or postcode without coordinates of its own is placed from the
    Swedish place data (an unknown place is a 422), so the old point never stays behind with
    a new address; clearing the whole address clears the point.
    """
    current = await repository.owned_provider(db, provider_id, user.id)
    if current is None:
        raise ProviderNotFound()
    if values.get("profile_image_url") is not None:
        values["profile_image_url"] = str(values["profile_image_url"])
    moved = any(
        field in values and values[field] != getattr(current, field) for field in _LOCATION_FIELDS
    )
    if moved and values.get("latitude") is None:
        merged = {field: values.get(field, getattr(current, field)) for field in _LOCATION_FIELDS}
        if any(merged.values()):
            found = await geocode(
                settings, merged["address"], merged["postal_code"], merged["city"]
            )
            if found is None:
                raise UnknownPlace()
            values["latitude"], values["longitude"] = found.latitude, found.longitude
        else:
            values["latitude"] = values["longitude"] = None
    if not values:
        return current
    updated = await repository.update_owned_provider(db, provider_id, user.id, values)
    if updated is None:
        raise ProviderNotFound()
    invalidate_provider_listings(db)
    return updated


async def update_provider(
    db: AsyncSession, settings: Settings, user: User, provider_id: str, data: ProviderUpdate
) -> ProviderOwnView:
    """PUT /api/providers/{id} by its owner."""
    values = data.model_dump(exclude_unset=True, by_alias=False)
    return ProviderOwnView.model_validate(
        await change_profile(db, settings, user, provider_id, values)
    )


async def provider_reviews(
    db: AsyncSession, provider_id: str, *, page: PageRequest
) -> ProviderReviews:
    if not await repository.provider_exists(db, provider_id):
        raise ProviderNotFound()
    rows = await repository.reviews_page(db, provider_id, limit=page.limit, offset=page.offset)
    average, count = (await repository.review_stats(db, [provider_id])).get(provider_id, (None, 0))
    return ProviderReviews(
        reviews=[
            PublicReview(
                id=row.id,
                rating=row.rating,
                comment=row.comment,
                reply=row.reply,
                replied_at=row.replied_at,
                created_at=row.created_at,
                customer=PublicName(first_name=row.first_name, last_name=row.last_name),
                booking=ReviewBooking(service=ReviewBookingService(name=row.service_name)),
            )
            for row in rows
        ],
        total_count=count,
        average_rating=_rounded(average),
        page=page.page,
        limit=page.limit,
    )


async def visiting_area(
    db: AsyncSession, cache: ProviderListingCache | None, location: str | None, today: date
) -> dict[str, Any]:
    """Providers announcing a visit to a place (open exceptions with a matching location)."""
    searched = sanitize_search_query(location)
    if searched is None or len(searched) < 2:
        raise InvalidProviderQuery("Ange location (minst 2 tecken)")
    key = {"location": searched.lower(), "today": today.isoformat()}
    if cache is not None:
        cached = await cache.get("visiting-area", key)
        if cached is not None:
            return dict(cached)
        generation = await cache.generation()
    rows = await repository.upcoming_visits_matching(db, searched, today)
    services: dict[str, list[ServiceDetail]] = defaultdict(list)
    for s in await repository.active_services_brief(db, [row.id for row in rows]):
        services[s.provider_id].append(
            ServiceDetail(
                id=s.id,
                name=s.name,
                price=s.price,
                description=s.description,
                duration_minutes=s.duration_minutes,
            )
        )
    body = VisitingArea(
        data=[
            VisitingEntry(
                provider=VisitingProvider(
                    id=row.id,
                    business_name=row.business_name,
                    description=row.description,
                    city=row.city,
                    services=services.get(row.id, []),
                    user=PublicName(first_name=row.first_name, last_name=row.last_name),
                ),
                next_visit=Visit(
                    date=row.date,
                    location=row.location,
                    start_time=row.start_time,
                    end_time=row.end_time,
                ),
            )
            for row in rows
        ],
        searched_location=searched,
        total=len(rows),
    ).model_dump(mode="json")
    if cache is not None:
        await cache.set("visiting-area", key, body, generation)
    return body


async def upcoming_visits(
    db: AsyncSession, provider_id: str, today: date, limit: int = 5
) -> list[Visit]:
    """Where the provider has announced it will work next: the provider page's "next visits"."""
    return [
        Visit(
            date=row.date,
            location=row.location,
            start_time=row.start_time,
            end_time=row.end_time,
        )
        for row in await repository.announced_visits(db, provider_id, today, limit)
    ]
