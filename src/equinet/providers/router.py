"""`/api/providers`: public search, profiles and reviews; the owner's profile update (§2.3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from equinet.accounts.dependencies import CurrentUser
from equinet.db.session import DbSession
from equinet.kit.dates import today_local
from equinet.kit.rate_limit_routes import limit_route
from equinet.providers import service
from equinet.providers.cache import ProviderListingCache
from equinet.providers.schemas import (
    ProviderDetail,
    ProviderList,
    ProviderOwnView,
    ProviderReviews,
    ProviderUpdate,
    VisitingArea,
)

router = APIRouter(prefix="/api/providers", tags=["providers"])

limit_route("GET", "/api/providers", "api")
limit_route("GET", "/api/providers/visiting-area", "api")

OptionalText = Annotated[str | None, Query()]


def _cache(request: Request) -> ProviderListingCache | None:
    return getattr(request.app.state, "provider_listings", None)


@router.get(
    "",
    response_model=ProviderList,
    summary="Search active providers (city, free text, near a point), newest first",
)
async def list_providers(
    request: Request,
    db: DbSession,
    city: OptionalText = None,
    search: OptionalText = None,
    q: Annotated[str | None, Query(description="Same as search")] = None,
    latitude: OptionalText = None,
    longitude: OptionalText = None,
    radius_km: Annotated[str | None, Query(alias="radiusKm")] = None,
    limit: OptionalText = None,
    offset: OptionalText = None,
) -> JSONResponse:
    query = service.parse_listing_query(
        city=city,
        search=search if search is not None else q,
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
        limit=limit,
        offset=offset,
    )
    body = await service.list_providers(db, _cache(request), query, today_local())
    return JSONResponse(body)


@router.get(
    "/visiting-area",
    response_model=VisitingArea,
    summary="Providers who announced a visit to a place",
)
async def visiting_area(
    request: Request, db: DbSession, location: OptionalText = None
) -> JSONResponse:
    body = await service.visiting_area(db, _cache(request), location, today_local())
    return JSONResponse(body)


@router.get("/{provider_id}", summary="An active provider's public profile")
async def provider_detail(provider_id: str, db: DbSession) -> ProviderDetail:
    return await service.provider_detail(db, provider_id)


@router.put("/{provider_id}", summary="Update my provider profile")
async def update_provider(
    provider_id: str, user: CurrentUser, db: DbSession, body: ProviderUpdate
) -> ProviderOwnView:
    return await service.update_provider(db, user, provider_id, body)


@router.get("/{provider_id}/reviews", summary="A provider's reviews, newest first")
async def provider_reviews(
    provider_id: str, db: DbSession, page: OptionalText = None, limit: OptionalText = None
) -> ProviderReviews:
    return await service.provider_reviews(
        db,
        provider_id,
        page=max(1, service.bounded_int(page, 1, maximum=service.MAX_PAGE, field="page")),
        limit=min(50, max(1, service.lenient_int(limit, 10))),
    )
