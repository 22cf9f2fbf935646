"""Address → coordinates: the offline Swedish places first, an online geocoder if configured.

An address is placed at its town (the `city` part, else the last part of a free-text query
that names a known place); street-level precision needs the online geocoder, which is off by
default (`GEOCODER_URL`, a Nominatim-compatible search endpoint). Answers are cached in-process.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass

import httpx

from equinet.geocoding.places import Place, find_place, fold, swedish_places
from equinet.settings import Settings

logger = logging.getLogger("equinet.geocoding")

_CACHE_MAX = 5_000
_POSTCODE = re.compile(r"\b\d{3}\s?\d{2}\b")


@dataclass(frozen=True)
class GeoResult:
    latitude: float
    longitude: float
    place: str
    source: str  # "offline" (Swedish place data) or "online"


class _Answers:
    """A small in-process LRU of query → result (None remembered too)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, GeoResult | None] = OrderedDict()

    def get(self, key: str) -> tuple[bool, GeoResult | None]:
        if key not in self._entries:
            return False, None
        self._entries.move_to_end(key)
        return True, self._entries[key]

    def put(self, key: str, value: GeoResult | None) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > _CACHE_MAX:
            self._entries.popitem(last=False)


_answers = _Answers()


async def _places_loaded() -> None:
    # The first read parses the package's data file: off the event loop.
    await asyncio.to_thread(swedish_places)


def _offline(parts: list[str]) -> Place | None:
    # Most specific last: "Storgatan 1, 441 30 Alingsås" → try "Alingsås", then the others.
    for part in reversed(parts):
        cleaned = _POSTCODE.sub(" ", part)
        place = find_place(cleaned)
        if place is not None:
            return place
        words = cleaned.split()
        for size in range(min(3, len(words)), 0, -1):
            place = find_place(" ".join(words[-size:]))
            if place is not None:
                return place
    return None


async def _online(settings: Settings, query: str) -> GeoResult | None:
    assert settings.geocoder_url
    try:
        async with httpx.AsyncClient(timeout=settings.geocoder_timeout_seconds) as client:
            response = await client.get(
                settings.geocoder_url,
                params={"q": query, "format": "json", "limit": 1, "countrycodes": "se"},
                headers={"User-Agent": "Equinet geocoder"},
            )
            response.raise_for_status()
            found = response.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("online geocoder failed: %s", error)
        return None
    if not found:
        return None
    first = found[0]
    return GeoResult(
        latitude=float(first["lat"]),
        longitude=float(first["lon"]),
        place=str(first.get("display_name") or query),
        source="online",
    )


async def geocode(settings: Settings, *parts: str | None) -> GeoResult | None:
    """Coordinates for an address given in parts (street, postcode, town), or None."""
    given = [part.strip() for part in parts if part and part.strip()]
    if not given:
        return None
    key = fold(" | ".join(given))
    known, cached = _answers.get(key)
    if known:
        return cached
    result: GeoResult | None = None
    if settings.geocoder_url:
        result = await _online(settings, ", ".join(given))
    if result is None:
        await _places_loaded()
        place = _offline(given)
        if place is not None:
            result = GeoResult(place.latitude, place.longitude, place.name, "offline")
    _answers.put(key, result)
    return result
