"""`/api/providers`: public search, profiles and reviews; the owner's profile update."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from equinet.accounts.dependencies import CurrentUser
from equinet.db.replica import ReadDbSession
from equinet.db.session import DbSession
from equinet.kit.dates import today_local
from equinet.kit.errors import errors
from equinet.kit.pagination import PageRequest, page_headers, paginated
from equinet.kit.rate_limit_routes import limit_route
from equinet.providers import service
from equinet.providers.cache import ProviderListingCache
from equinet.providers.exceptions import InvalidProviderQuery, ProviderNotFound, UnknownPlace
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
    responses=errors(InvalidProviderQuery),
)
async def list_providers(
    request: Request,
    db: ReadDbSession,
    page: Annotated[PageRequest, Depends(paginated(default=100, cap=service.MAX_LIMIT))],
    city: OptionalText = None,
    search: OptionalText = None,
    q: Annotated[str | None, Query(description="Same as search")] = None,
    latitude: OptionalText = None,
    longitude: OptionalText = None,
    radius_km: Annotated[str | None, Query(alias="radiusKm")] = None,
) -> Response:
    query = service.parse_listing_query(
        city=city,
        search=search if search is not None else q,
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
        page=page,
    )
    body, has_more = await service.list_providers_json(db, _cache(request), query, today_local())
    # The body is the JSON of ProviderList already (response_model documents it).
    response = Response(body, media_type="application/json")
    page_headers(response, request, page, has_more)
    return response


@router.get(
    "/visiting-area",
    response_model=VisitingArea,
    summary="Providers who announced a visit to a place",
    responses=errors(InvalidProviderQuery),
)
async def visiting_area(
    request: Request,
    db: ReadDbSession,
    page: Annotated[PageRequest, Depends(paginated(default=100, cap=100))],
    location: OptionalText = None,
) -> JSONResponse:
    body = await service.visiting_area(db, _cache(request), location, today_local())
    # The whole (bounded, cached) answer is built once; pages are cut from it.
    shown, has_more = page.slice(body["data"])
    response = JSONResponse({**body, "data": shown})
    page_headers(response, request, page, has_more)
    return response


@router.get(
    "/{provider_id}",
    summary="An active provider's public profile",
    responses=errors(ProviderNotFound),
)
async def provider_detail(provider_id: str, db: ReadDbSession) -> ProviderDetail:
    return await service.provider_detail(db, provider_id)


@router.put(
    "/{provider_id}",
    summary="Update my provider profile",
    responses=errors(ProviderNotFound, UnknownPlace),
)
async def update_provider(
    provider_id: str, request: Request, user: CurrentUser, db: DbSession, body: ProviderUpdate
) -> ProviderOwnView:
    return await service.update_provider(db, request.app.state.settings, user, provider_id, body)


@router.get(
    "/{provider_id}/reviews",
    summary="A provider's reviews, newest first",
    responses=errors(ProviderNotFound),
)
async def provider_reviews(
    provider_id: str,
    request: Request,
    response: Response,
    db: ReadDbSession,
    page: Annotated[PageRequest, Depends(paginated(default=10, cap=50))],
) -> ProviderReviews:
    reviews = await service.provider_reviews(db, provider_id, page=page)
    page_headers(response, request, page, page.offset + page.limit < reviews.total_count)
    return reviews
