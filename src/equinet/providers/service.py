"""Provider search and profiles: query parsing, the listing cache, and the owner's update."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from datetime import date
from typing import Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.geocoding.service import geocode
from equinet.kit.money import json_number
from equinet.kit.pagination import PageRequest
from equinet.kit.timestamps import iso_utc
from equinet.models import Provider, User
from equinet.providers import repository
from equinet.providers.cache import (
    VISITS,
    Place,
    ProviderListingCache,
    invalidate_provider_listings,
    listing_scope,
)
from equinet.providers.exceptions import InvalidProviderQuery, ProviderNotFound, UnknownPlace
from equinet.providers.repository import GeoPoint, ListingQuery
from equinet.providers.schemas import (
    ProviderDetail,
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


def _scope(query: ListingQuery) -> str:
    near = query.near
    return listing_scope(query.city, (near.latitude, near.longitude) if near else None)


async def list_providers_json(
    db: AsyncSession, cache: ProviderListingCache | None, query: ListingQuery, today: date
) -> tuple[bytes, bool]:
    """The public listing as JSON bytes and whether more pages follow, from the cache when it
    holds this page (no Redis call at all when the cache is off)."""
    if cache is None or not cache.enabled:
        body, has_more, _ = await _build_listing(db, query, today)
        return body, has_more
    key = _cache_key(query, today)
    found = await cache.lookup("list", key, _scope(query))
    if found.body is not None:
        # Stored as one flag byte (more pages?) and the body.
        return found.body[1:], found.body[:1] == b"1"
    body, has_more, provider_ids = await _build_listing(db, query, today)
    await cache.store("list", key, found, (b"1" if has_more else b"0") + body, provider_ids)
    return body, has_more


async def list_providers(
    db: AsyncSession, cache: ProviderListingCache | None, query: ListingQuery, today: date
) -> dict[str, Any]:
    """The public listing as a JSON-shaped dict (what the home page renders)."""
    body, _ = await list_providers_json(db, cache, query, today)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


async def _build_listing(
    db: AsyncSession, query: ListingQuery, today: date
) -> tuple[bytes, bool, list[str]]:
    """The listing's JSON (the wire form of `ProviderList`, written in one pass without
    building models) and the ids of the providers on it."""
    rows, total = await repository.listing_page(db, query, today)
    ids = [row[0] for row in rows]
    services: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in await repository.active_services_brief(db, ids):
        services[s[0]].append({"id": s[1], "name": s[2], "price": json_number(s[3])})
    first_name = repository.LISTING_FIRST_NAME
    near = query.near is not None
    items = []
    for row in rows:
        (
            provider_id, user_id, business_name, description, city, latitude, longitude,
            service_area_km, profile_image_url, is_active, is_verified, created_at, updated_at,
        ) = row[:first_name]  # fmt: skip
        first, last, average, count, visit_date, visit_location = row[first_name : first_name + 6]
        distance = row[repository.LISTING_DISTANCE] if near else None
        items.append(
            {
                "id": provider_id,
                "userId": user_id,
                "businessName": business_name,
                "description": description,
                "city": city,
                "latitude": latitude,
                "longitude": longitude,
                "serviceAreaKm": service_area_km,
                "profileImageUrl": profile_image_url,
                "isActive": is_active,
                "isVerified": is_verified,
                "createdAt": iso_utc(created_at),
                "updatedAt": iso_utc(updated_at),
                "services": services.get(provider_id, []),
                "user": {"firstName": first, "lastName": last},
                "nextVisit": {"date": visit_date.isoformat(), "location": visit_location}
                if visit_date is not None
                else None,
                "reviewStats": {
                    "averageRating": _rounded(float(average) if average is not None else None),
                    "totalCount": int(count),
                },
                "distanceKm": round(distance, 1) if distance is not None else None,
            }
        )
    has_more = query.offset + query.limit < total
    body = {
        "data": items,
        "pagination": {
            "total": total,
            "limit": query.limit,
            "offset": query.offset,
            "hasMore": has_more,
        },
    }
    return to_json(body), has_more, ids


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
    before = _place(current)
    changes_matches = any(
        field in values and values[field] != getattr(current, field) for field in _MATCH_FIELDS
    )
    updated = await repository.update_owned_provider(db, provider_id, user.id, values)
    if updated is None:
        raise ProviderNotFound()
    if changes_matches:
        invalidate_provider_listings(db, provider_id, before, _place(updated))
    else:
        invalidate_provider_listings(db, provider_id)
    return updated


# The fields the search filters read: a change may move the provider into other listings.
_MATCH_FIELDS = (
    "business_name",
    "description",
    "city",
    "latitude",
    "longitude",
    "service_area_km",
    "is_active",
)


def _place(provider: Provider) -> Place:
    return Place(provider.city, provider.latitude, provider.longitude, provider.service_area_km)


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
    found = None
    if cache is not None and cache.enabled:
        found = await cache.lookup("visiting-area", key, VISITS)
        if found.body is not None:
            cached: dict[str, Any] = json.loads(found.body)
            return cached
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
    if cache is not None and found is not None:
        await cache.store("visiting-area", key, found, to_json(body), [row.id for row in rows])
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
