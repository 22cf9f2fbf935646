"""`GET /api/geocode`: a place or address in Sweden → coordinates (public, 30 a minute per IP)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from equinet.geocoding import service
from equinet.geocoding.schemas import GeocodeOut
from equinet.kit.errors import NotFound, ValidationFailed, errors
from equinet.kit.rate_limit_routes import limit_route

router = APIRouter(prefix="/api/geocode", tags=["geocoding"])

limit_route("GET", "/api/geocode", "geocode")

Part = Annotated[str | None, Query(max_length=200)]


class PlaceNotFound(NotFound):
    code = "PLACE_NOT_FOUND"
    message = "Kunde inte hitta platsen"


class PlaceRequired(ValidationFailed):
    code = "PLACE_REQUIRED"
    message = "Ange en plats (q) eller en adress (address, city, postalCode)"


@router.get(
    "",
    response_model=GeocodeOut,
    summary="Coordinates of a Swedish place or address (offline place data by default)",
    responses=errors(PlaceNotFound, PlaceRequired),
)
async def geocode(
    request: Request,
    q: Part = None,
    address: Part = None,
    city: Part = None,
    postal_code: Annotated[str | None, Query(alias="postalCode", max_length=20)] = None,
) -> GeocodeOut:
    # `address`, `city`, `postalCode` are the original's parameters; `q` is one free text.
    parts = [q] if q else [address, postal_code, city]
    if not any(part and part.strip() for part in parts):
        raise PlaceRequired()
    found = await service.geocode(request.app.state.settings, *parts)
    if found is None:
        raise PlaceNotFound()
    return GeocodeOut(
        latitude=found.latitude, longitude=found.longitude, place=found.place, source=found.source
    )
