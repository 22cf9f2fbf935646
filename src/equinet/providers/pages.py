"""The public pages of providers: the home page with its search, and a provider's page.

Both call the same service functions as `GET /api/providers` and `GET /api/providers/{id}`.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import HTMLResponse

from equinet.db.session import DbSession
from equinet.kit.dates import today_local
from equinet.kit.errors import EquinetError
from equinet.kit.i18n import gettext
from equinet.kit.pagination import PageRequest
from equinet.providers import service
from equinet.providers.cache import ProviderListingCache
from equinet.providers.schemas import ProviderList
from equinet.web.context import CurrentVisitor
from equinet.web.pages import page_router
from equinet.web.places import find_place
from equinet.web.templating import render

router = page_router()

SEARCH_RADIUS_KM = "50"


def _cache(request: Request) -> ProviderListingCache | None:
    return getattr(request.app.state, "provider_listings", None)


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    db: DbSession,
    visitor: CurrentVisitor,
    q: str | None = None,
    city: str | None = None,
    near: str | None = None,
    latitude: str | None = None,
    longitude: str | None = None,
) -> HTMLResponse:
    values = {"q": q or "", "city": city or "", "near": near or ""}
    errors: dict[str, str] = {}
    lat, lng = latitude or None, longitude or None
    place_name: str | None = None
    if near and not (lat and lng):
        place = find_place(near)
        if place is None:
            errors["near"] = gettext("Vi hittar ingen ort som heter så")
        else:
            place_name, plat, plng = place
            lat, lng = str(plat), str(plng)
    searched = bool(q or city or near or (lat and lng))
    listing: ProviderList | None = None
    if not errors:
        try:
            query = service.parse_listing_query(
                city=city or None,
                search=q or None,
                latitude=lat,
                longitude=lng,
                radius_km=SEARCH_RADIUS_KM if lat and lng else None,
                page=PageRequest(limit=20, offset=0),
            )
        except EquinetError as error:
            errors["near"] = gettext(error.message)
        else:
            body = await service.list_providers(db, _cache(request), query, today_local())
            listing = ProviderList.model_validate(body)
    return render(
        request,
        "providers/home.html",
        {
            "values": values,
            "errors": errors,
            "listing": listing,
            "searched": searched,
            "place_name": place_name,
            "near_me": bool(latitude and longitude),
        },
    )


@router.get("/providers/{provider_id}", response_class=HTMLResponse)
async def provider_page(
    request: Request, provider_id: str, db: DbSession, visitor: CurrentVisitor
) -> HTMLResponse:
    provider = await service.provider_detail(db, provider_id)
    reviews = await service.provider_reviews(db, provider_id, page=PageRequest(limit=10, offset=0))
    visits = await service.upcoming_visits(db, provider_id, today_local())
    return render(
        request,
        "providers/provider.html",
        {"provider": provider, "reviews": reviews, "visits": visits},
    )
