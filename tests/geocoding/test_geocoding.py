"""Geocoding: Swedish places offline, an online geocoder only when configured, one profile rule."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.geocoding import places, service
from equinet.geocoding.places import find_place, fold
from equinet.models import Provider
from equinet.settings import Settings
from tests.providers.support import client_for, provider_owner

ALINGSAS = (57.93, 12.53)


def near(body: dict[str, Any], point: tuple[float, float]) -> bool:
    return abs(body["latitude"] - point[0]) < 0.05 and abs(body["longitude"] - point[1]) < 0.05


def test_place_names_compare_without_case_or_swedish_accents() -> None:
    assert fold("  GÖTEBORG ") == fold("goteborg") == "goteborg"
    place = find_place("Goteborg")
    assert place is not None and place.name == "Göteborg"
    assert find_place("Ingenstansby") is None


@pytest.fixture
def own_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    places.swedish_places.cache_clear()
    yield tmp_path
    places.swedish_places.cache_clear()  # later tests read the real cache folder again


def test_the_places_index_is_built_once_and_then_read_from_its_cache_file(
    own_cache_folder: Path,
) -> None:
    built = places.swedish_places()
    cached = places.index_cache_file()
    assert cached.is_relative_to(own_cache_folder) and cached.exists()
    places.swedish_places.cache_clear()
    assert places.swedish_places() == built == places.index_from_geonames()
    assert built[fold("Göteborg")].name == "Göteborg"


def test_a_damaged_places_cache_file_is_rebuilt_not_trusted(own_cache_folder: Path) -> None:
    cached = places.index_cache_file()
    cached.parent.mkdir(parents=True)
    cached.write_text('{"goteborg": ["Göteb')  # cut off mid-write by a crash
    assert places.swedish_places()[fold("Göteborg")].name == "Göteborg"
    assert json.loads(cached.read_text())["goteborg"][0] == "Göteborg"


async def test_geocode_finds_a_swedish_town_offline(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/geocode", params={"q": "Storgatan 1, 441 30 Alingsås"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert near(body, ALINGSAS) and body["place"] == "Alingsås" and body["source"] == "offline"


async def test_geocode_takes_the_originals_address_parameters(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/geocode", params={"address": "Storgatan 1", "city": "alingsas", "postalCode": "44130"}
    )
    assert response.status_code == 200 and near(response.json(), ALINGSAS)


async def test_an_unknown_place_is_a_404_and_no_place_a_422(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/api/geocode", params={"q": "Ingenstansby"})
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "Kunde inte hitta platsen", "code": "PLACE_NOT_FOUND"}
    empty = await client.get("/api/geocode", params={"q": "  "})
    assert empty.status_code == 422 and empty.json()["code"] == "PLACE_REQUIRED"


async def test_geocode_has_its_own_limit_of_30_a_minute(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    limited = settings.model_copy(update={"rate_limit_multiplier": 1.0, "redis_url": None})
    async with client_for(limited, sessionmaker) as client:
        for _ in range(30):
            assert (await client.get("/api/geocode", params={"q": "Uppsala"})).status_code == 200
        refused = await client.get("/api/geocode", params={"q": "Uppsala"})
    assert refused.status_code == 429
    assert refused.json()["error"] == "För många geocoding-förfrågningar. Försök igen om en minut."
    assert "retry-after" in refused.headers


@pytest.fixture
def online_geocoder() -> Iterator[tuple[str, list[str]]]:
    asked: list[str] = []

    class Nominatim(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            body = json.dumps([{"lat": "59.8586", "lon": "17.6389", "display_name": "Gatan 1"}])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Nominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/search", asked
    finally:
        server.shutdown()


async def test_an_online_geocoder_is_used_only_when_configured(
    settings: Settings, online_geocoder: tuple[str, list[str]]
) -> None:
    url, asked = online_geocoder
    offline = await service.geocode(settings, "Gatan 1", "Uppsala")
    assert offline is not None and offline.source == "offline" and not asked
    online_settings = settings.model_copy(update={"geocoder_url": url})
    found = await service.geocode(online_settings, "Gatan 2", "Uppsala")
    assert found is not None and found.source == "online" and found.place == "Gatan 1"
    assert len(asked) == 1 and "countrycodes=se" in asked[0]


@pytest.mark.parametrize("route", ["own-profile", "provider-by-id"])
async def test_both_profile_routes_geocode_a_new_address_and_refuse_an_unknown_place(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, route: str
) -> None:
    owner = await provider_owner(db_session, settings, address="Gamla vägen 1", city="Uppsala",
                                 latitude=59.86, longitude=17.64)  # fmt: skip
    url = "/api/provider/profile" if route == "own-profile" else (
        f"/api/providers/{owner.provider.id}"
    )  # fmt: skip
    base = {"businessName": owner.provider.business_name} if route == "own-profile" else {}
    moved = await client.put(
        url, headers=owner.headers, json={**base, "address": "Storgatan 3", "city": "Alingsås"}
    )
    assert moved.status_code == 200, moved.text
    assert near(moved.json(), ALINGSAS)

    refused = await client.put(url, headers=owner.headers, json={**base, "city": "Ingenstansby"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "UNKNOWN_PLACE"
    await db_session.refresh(owner.provider)
    stored: Provider = owner.provider
    assert stored.city == "Alingsås"  # nothing of the refused change was written
    assert (round(stored.latitude or 0, 2), round(stored.longitude or 0, 2)) == ALINGSAS
