"""GET /api/providers: public search by city, free text and place, with page and enrichment."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import today_local
from equinet.providers.schemas import ProviderList
from tests import factories

UPPSALA = (59.8586, 17.6389)
STOCKHOLM = (59.3293, 18.0686)  # ~64 km from Uppsala
ENKOPING = (59.6356, 17.0764)  # ~38 km from Uppsala
GOTEBORG = (57.7089, 11.9746)


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["businessName"] for item in response.json()["data"]]


async def test_listing_shows_active_providers_with_public_fields_only(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.user(
        db_session, user_type="provider", first_name="Anna", last_name="Hov", phone="0701234567"
    )
    provider = await factories.provider(
        db_session, owner, business_name="Annas Hovslageri", city="Listastad",
        address="Stallgatan 1", postal_code="75320",
    )  # fmt: skip
    await factories.service(db_session, provider, name="Skoning", price=900.0)
    await factories.service(db_session, provider, name="Gammal tjänst", is_active=False)
    await factories.provider(db_session, business_name="Vilande firma", city="Listastad",
                             is_active=False)  # fmt: skip

    response = await client.get("/api/providers", params={"city": "listastad"})
    assert names(response) == ["Annas Hovslageri"]
    item = response.json()["data"][0]
    assert item["user"] == {"firstName": "Anna", "lastName": "Hov"}
    assert [s["name"] for s in item["services"]] == ["Skoning"]
    assert item["services"][0]["price"] == 900.0
    assert item["reviewStats"] == {"averageRating": None, "totalCount": 0}
    assert item["nextVisit"] is None
    assert item["createdAt"].endswith("Z")
    for private in ("address", "postalCode", "email", "phone"):
        assert private not in item and private not in item["user"]
    assert response.json()["pagination"] == {
        "total": 1, "limit": 100, "offset": 0, "hasMore": False,
    }  # fmt: skip


async def test_city_matches_the_start_of_the_name_in_any_case(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await factories.provider(db_session, business_name="Norr", city="Storvikby")
    await factories.provider(db_session, business_name="Söder", city="Lillstorvikby")
    assert names(await client.get("/api/providers", params={"city": "STORVIK"})) == ["Norr"]


async def test_city_prefix_handles_swedish_letters_and_takes_wildcards_literally(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await factories.provider(db_session, business_name="Örebroaren", city="Örebroköping")
    await factories.provider(db_session, business_name="Understreck", city="Ö_rebroköping")
    assert names(await client.get("/api/providers", params={"city": "öREBRO"})) == ["Örebroaren"]
    # "_" is a literal underscore, not LIKE's any-one-character.
    assert names(await client.get("/api/providers", params={"city": "ö_r"})) == ["Understreck"]


async def test_free_text_matches_name_description_and_service_names(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    by_name = await factories.provider(db_session, business_name="Zebrafix Hästvård", city="Qby")
    await factories.provider(db_session, business_name="Beskrivning", city="Qby",
                             description="Vi gör zebrafix-behandlingar")  # fmt: skip
    offers = await factories.provider(db_session, business_name="Tjänstefirma", city="Qby")
    await factories.service(db_session, offers, name="Zebrafix massage")
    retired = await factories.provider(db_session, business_name="Gammal", city="Qby")
    await factories.service(db_session, retired, name="Zebrafix", is_active=False)
    await factories.provider(db_session, business_name="Annat", city="Qby")

    found = names(await client.get("/api/providers", params={"city": "Qby", "q": "ZEBRAFIX"}))
    assert sorted(found) == sorted(["Zebrafix Hästvård", "Beskrivning", "Tjänstefirma"])
    assert by_name.business_name in found


async def test_free_text_without_a_place_also_matches_active_service_names(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    offers = await factories.provider(db_session, business_name="Utan ort", city="Xby")
    await factories.service(db_session, offers, name="Xylofonbeslag deluxe")
    retired = await factories.provider(db_session, business_name="Slutat", city="Yby")
    await factories.service(db_session, retired, name="Xylofonbeslag", is_active=False)

    assert names(await client.get("/api/providers", params={"q": "xylofonBESLAG"})) == ["Utan ort"]


async def test_wildcards_in_the_search_text_are_taken_literally(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await factories.provider(db_session, business_name="Hovslagare AB", city="Wby")
    assert names(await client.get("/api/providers", params={"city": "Wby", "search": "%"})) == [
        "Hovslagare AB"
    ]  # "%" is removed (§3.18): an empty search filters nothing
    assert names(await client.get("/api/providers", params={"city": "Wby", "search": "Hov_"})) == []


async def test_a_point_finds_providers_whose_service_area_covers_it(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await factories.provider(db_session, business_name="Uppsala nära", city="Geo",
                             latitude=UPPSALA[0], longitude=UPPSALA[1], service_area_km=20)  # fmt: skip
    await factories.provider(db_session, business_name="Enköping räcker", city="Geo",
                             latitude=ENKOPING[0], longitude=ENKOPING[1], service_area_km=50)  # fmt: skip
    await factories.provider(db_session, business_name="Enköping för kort", city="Geo",
                             latitude=ENKOPING[0], longitude=ENKOPING[1], service_area_km=30)  # fmt: skip
    await factories.provider(db_session, business_name="Stockholm för långt", city="Geo",
                             latitude=STOCKHOLM[0], longitude=STOCKHOLM[1], service_area_km=50)  # fmt: skip
    await factories.provider(db_session, business_name="Göteborg", city="Geo",
                             latitude=GOTEBORG[0], longitude=GOTEBORG[1], service_area_km=500)  # fmt: skip
    await factories.provider(db_session, business_name="Utan plats", city="Geo",
                             latitude=None, longitude=None)  # fmt: skip

    response = await client.get(
        "/api/providers",
        params={"city": "Geo", "latitude": UPPSALA[0], "longitude": UPPSALA[1]},
    )
    # Nearest first; Göteborg's 500 km area covers Uppsala, but it is beyond the 100 km cap.
    assert names(response) == ["Uppsala nära", "Enköping räcker"]
    distances = [item["distanceKm"] for item in response.json()["data"]]
    assert distances[0] == 0.0
    assert 35 < distances[1] < 42


async def test_a_search_radius_narrows_the_providers_found(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await factories.provider(db_session, business_name="Här", city="Rad",
                             latitude=UPPSALA[0], longitude=UPPSALA[1], service_area_km=80)  # fmt: skip
    await factories.provider(db_session, business_name="Där", city="Rad",
                             latitude=STOCKHOLM[0], longitude=STOCKHOLM[1], service_area_km=80)  # fmt: skip
    wide = {"city": "Rad", "latitude": UPPSALA[0], "longitude": UPPSALA[1], "radiusKm": 100}
    assert names(await client.get("/api/providers", params=wide)) == ["Här", "Där"]
    narrow = {**wide, "radiusKm": 30}
    assert names(await client.get("/api/providers", params=narrow)) == ["Här"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"latitude": "59"}, "Sökning nära en punkt kräver både latitude och longitude"),
        ({"radiusKm": "10"}, "Sökning nära en punkt kräver både latitude och longitude"),
        ({"latitude": "91", "longitude": "17"}, "Ogiltig latitude (måste vara mellan -90 och 90)"),
        ({"latitude": "abc", "longitude": "17"}, "Ogiltig latitude (måste vara mellan -90 och 90)"),
        (
            {"latitude": "59", "longitude": "181"},
            "Ogiltig longitude (måste vara mellan -180 och 180)",
        ),
        ({"latitude": "59", "longitude": "17", "radiusKm": "0"}, "radiusKm måste vara större än 0"),
        ({"latitude": "59", "longitude": "17", "radiusKm": "x"}, "radiusKm måste vara större än 0"),
        (
            {"latitude": "59", "longitude": "17", "radiusKm": "101"},
            "radiusKm får vara högst 100 km",
        ),
    ],
)
async def test_bad_geo_parameters_are_a_422_naming_the_problem(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    response = await client.get("/api/providers", params=params)
    assert response.status_code == 422
    assert response.json() == {"error": message, "code": "INVALID_QUERY"}


async def test_pages_follow_limit_and_offset(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    for n in range(5):
        await factories.provider(db_session, business_name=f"Sida {n}", city="Pageby",
                                 created_at=datetime(2026, 1, 1, 12, n))  # fmt: skip
    first = await client.get("/api/providers", params={"city": "Pageby", "limit": 2})
    assert names(first) == ["Sida 4", "Sida 3"]  # newest first
    assert first.json()["pagination"] == {"total": 5, "limit": 2, "offset": 0, "hasMore": True}
    last = await client.get("/api/providers", params={"city": "Pageby", "limit": 2, "offset": 4})
    assert names(last) == ["Sida 0"]
    assert last.json()["pagination"]["hasMore"] is False
    beyond = await client.get("/api/providers", params={"city": "Pageby", "offset": 10})
    assert beyond.json() == {
        "data": [], "pagination": {"total": 5, "limit": 100, "offset": 10, "hasMore": False},
    }  # fmt: skip


async def test_malformed_page_parameters_are_a_422_and_a_large_limit_is_capped(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await factories.provider(db_session, city="Oddby")
    for params in ({"limit": "abc"}, {"limit": "0"}, {"offset": "-3"}, {"offset": "2147483648"}):
        response = await client.get("/api/providers", params={"city": "Oddby", **params})
        assert response.status_code == 422, params
        assert response.json()["code"] == "VALIDATION_ERROR"
    capped = await client.get("/api/providers", params={"city": "Oddby", "limit": "500"})
    assert capped.status_code == 200
    assert capped.json()["pagination"]["limit"] == 100
    assert capped.headers["x-limit"] == "100"


async def test_listing_carries_review_average_and_next_announced_visit(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session, business_name="Omdömd", city="Revby")
    for rating in (4, 5):
        booking = await factories.booking(db_session, at=provider, status="completed",
                                          start_time=f"1{rating}:00", end_time=f"1{rating}:30")  # fmt: skip
        await factories.review(db_session, booking, rating=rating)
    today = today_local()
    await factories.availability_exception(db_session, provider, date=today - timedelta(days=1),
                                           is_closed=False, start_time="09:00", end_time="12:00",
                                           location="Igår")  # fmt: skip
    await factories.availability_exception(db_session, provider, date=today + timedelta(days=2),
                                           is_closed=True, location="Stängt")  # fmt: skip
    await factories.availability_exception(db_session, provider, date=today + timedelta(days=9),
                                           is_closed=False, start_time="09:00", end_time="12:00",
                                           location="Senare")  # fmt: skip
    await factories.availability_exception(db_session, provider, date=today + timedelta(days=4),
                                           is_closed=False, start_time="09:00", end_time="12:00",
                                           location="Knivsta ridklubb")  # fmt: skip

    item = (await client.get("/api/providers", params={"city": "Revby"})).json()["data"][0]
    assert item["reviewStats"] == {"averageRating": 4.5, "totalCount": 2}
    assert item["nextVisit"] == {
        "date": (today + timedelta(days=4)).isoformat(),
        "location": "Knivsta ridklubb",
    }


async def test_the_listing_body_is_exactly_what_its_response_model_writes(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session, business_name="Formad", city="Formby")
    await factories.service(db_session, provider, name="Skoning", price=1234.5)
    booking = await factories.booking(db_session, at=provider, status="completed")
    await factories.review(db_session, booking, rating=4)
    await factories.availability_exception(db_session, provider,
                                           date=today_local() + timedelta(days=3),
                                           is_closed=False, start_time="09:00", end_time="12:00",
                                           location="Knivsta")  # fmt: skip
    for params in ({"city": "Formby"}, {"latitude": "59.8586", "longitude": "17.6389"}):
        response = await client.get("/api/providers", params=params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert body["data"], params
        # The one-pass writer and the documented model agree field for field.
        assert ProviderList.model_validate(body).model_dump(mode="json") == body
