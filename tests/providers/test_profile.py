"""Provider profile, owner update, public reviews and announced visits (§2.3)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import today_local
from equinet.settings import Settings
from tests import factories
from tests.providers.support import auth, provider_owner


async def test_profile_shows_services_hours_approved_verifications_and_contact(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.user(db_session, user_type="provider", first_name="Per",
                                 last_name="Smed", phone="0701112233")  # fmt: skip
    provider = await factories.provider(db_session, owner, address="Smedjan 2", postal_code="75000")
    await factories.service(db_session, provider, name="Verkning", duration_minutes=45)
    await factories.service(db_session, provider, name="Borttagen", is_active=False)
    await factories.availability(db_session, provider, day_of_week=2)
    await factories.availability(db_session, provider, day_of_week=0, is_closed=True)
    approved = await factories.provider_verification(db_session, provider, status="approved")
    await factories.upload(db_session, owner, bucket="verifications", verification_id=approved.id)
    await factories.provider_verification(db_session, provider, title="Väntar", status="pending")

    response = await client.get(f"/api/providers/{provider.id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["address"] == "Smedjan 2" and body["postalCode"] == "75000"
    assert body["user"] == {"firstName": "Per", "lastName": "Smed", "phone": "0701112233"}
    assert [(s["name"], s["durationMinutes"]) for s in body["services"]] == [("Verkning", 45)]
    assert [(a["dayOfWeek"], a["isClosed"]) for a in body["availability"]] == [
        (0, True),
        (2, False),
    ]
    assert [v["title"] for v in body["verifications"]] == ["Hovslagarexamen"]
    assert len(body["verifications"][0]["images"]) == 1
    assert "email" not in body["user"]


async def test_inactive_and_unknown_providers_are_not_found(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    hidden = await factories.provider(db_session, is_active=False)
    for provider_id in (hidden.id, "no-such-provider"):
        response = await client.get(f"/api/providers/{provider_id}")
        assert response.status_code == 404
        assert response.json() == {
            "error": "Leverantören hittades inte",
            "code": "PROVIDER_NOT_FOUND",
        }


async def test_owner_updates_their_profile(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings, business_name="Före")
    response = await client.put(
        f"/api/providers/{owner.provider.id}",
        headers=owner.headers,
        json={"businessName": "  Efter  ", "description": "Ny text", "serviceAreaKm": 75},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["businessName"], body["description"], body["serviceAreaKm"]) == (
        "Efter", "Ny text", 75.0,
    )  # fmt: skip
    assert body["city"] == owner.provider.city  # fields left out are kept
    shown = await client.get(f"/api/providers/{owner.provider.id}")
    assert shown.json()["businessName"] == "Efter"


async def test_a_new_address_is_placed_from_the_swedish_place_data(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings, address="Gamla vägen 1", city="Uppsala")
    url = f"/api/providers/{owner.provider.id}"
    placed = await client.put(
        url, headers=owner.headers, json={"address": "Storgatan 3", "city": "Alingsås"}
    )
    assert placed.status_code == 200, placed.text
    # Alingsås, not the old Uppsala point.
    assert abs(placed.json()["latitude"] - 57.93) < 0.05
    assert abs(placed.json()["longitude"] - 12.53) < 0.05
    moved = await client.put(
        url,
        headers=owner.headers,
        json={"address": "Nya vägen 9", "city": "Enköping", "latitude": 59.63,
              "longitude": 17.07},
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert (moved.json()["latitude"], moved.json()["longitude"]) == (59.63, 17.07)
    same = await client.put(url, headers=owner.headers, json={"address": "Nya vägen 9"})
    assert same.status_code == 200  # unchanged address: coordinates kept


async def test_someone_elses_provider_is_the_same_404_as_an_unknown_one(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    other = await factories.provider(db_session, business_name="Inte din")
    for provider_id in (other.id, "no-such-provider"):
        response = await client.put(
            f"/api/providers/{provider_id}", headers=owner.headers, json={"businessName": "X"}
        )
        assert response.status_code == 404
        assert response.json() == {
            "error": "Leverantören hittades inte",
            "code": "PROVIDER_NOT_FOUND",
        }
    await db_session.refresh(other)
    assert other.business_name == "Inte din"


async def test_profile_update_needs_a_login_and_valid_fields(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    url = f"/api/providers/{owner.provider.id}"
    assert (await client.put(url, json={"businessName": "X"})).status_code == 401
    for bad in ({"businessName": ""}, {"serviceAreaKm": -1}, {"profileImageUrl": "not a url"},
                {"latitude": 59.0}):  # fmt: skip
        response = await client.put(url, headers=owner.headers, json=bad)
        assert response.status_code == 422, bad
        assert response.json()["code"] == "VALIDATION_ERROR"


async def test_reviews_are_listed_newest_first_with_paging_and_average(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    service = await factories.service(db_session, provider, name="Massage")
    customer = await factories.customer(db_session, first_name="Kim", last_name="Ek")
    for n, rating in enumerate((3, 4, 5)):
        booking = await factories.booking(db_session, at=provider, by=customer,
                                          for_service=service, status="completed",
                                          start_time=f"1{n}:00", end_time=f"1{n}:30")  # fmt: skip
        await factories.review(db_session, booking, rating=rating, comment=f"Nummer {n}",
                               created_at=datetime(2026, 5, 1 + n))  # fmt: skip

    response = await client.get(f"/api/providers/{provider.id}/reviews", params={"limit": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["comment"] for r in body["reviews"]] == ["Nummer 2", "Nummer 1"]
    assert body["reviews"][0]["customer"] == {"firstName": "Kim", "lastName": "Ek"}
    assert body["reviews"][0]["booking"] == {"service": {"name": "Massage"}}
    assert (body["totalCount"], body["averageRating"], body["page"], body["limit"]) == (
        3, 4.0, 1, 2,
    )  # fmt: skip
    second = await client.get(
        f"/api/providers/{provider.id}/reviews", params={"limit": 2, "page": 2}
    )
    assert [r["comment"] for r in second.json()["reviews"]] == ["Nummer 0"]


async def test_reviews_of_an_unknown_provider_are_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/providers/no-such-provider/reviews")
    assert response.status_code == 404


async def test_visiting_area_lists_each_providers_next_visit_to_the_place(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    today = today_local()
    visiting = await factories.provider(db_session, business_name="Besökaren")
    await factories.service(db_session, visiting, name="Skoning")
    for days, location in ((10, "Knivsta Ridklubb"), (3, "Stall KNIVSTA norra")):
        await factories.availability_exception(
            db_session, visiting, date=today + timedelta(days=days), is_closed=False,
            start_time="09:00", end_time="15:00", location=location,
        )  # fmt: skip
    closed = await factories.provider(db_session, business_name="Stängd dag")
    await factories.availability_exception(
        db_session, closed, date=today + timedelta(days=2), location="Knivsta"
    )
    past = await factories.provider(db_session, business_name="Redan varit")
    await factories.availability_exception(
        db_session, past, date=today - timedelta(days=2), is_closed=False,
        start_time="09:00", end_time="15:00", location="Knivsta",
    )  # fmt: skip
    inactive = await factories.provider(db_session, business_name="Vilande", is_active=False)
    await factories.availability_exception(
        db_session, inactive, date=today + timedelta(days=2), is_closed=False,
        start_time="09:00", end_time="15:00", location="Knivsta",
    )  # fmt: skip

    response = await client.get("/api/providers/visiting-area", params={"location": " knivsta "})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["searchedLocation"], body["total"]) == ("knivsta", 1)
    entry = body["data"][0]
    assert entry["provider"]["businessName"] == "Besökaren"
    assert [s["name"] for s in entry["provider"]["services"]] == ["Skoning"]
    assert entry["nextVisit"] == {
        "date": (today + timedelta(days=3)).isoformat(),
        "location": "Stall KNIVSTA norra",
        "startTime": "09:00",
        "endTime": "15:00",
    }


async def test_visiting_area_needs_two_characters(client: httpx.AsyncClient) -> None:
    for location in (None, " k ", "%%"):
        params = {"location": location} if location is not None else {}
        response = await client.get("/api/providers/visiting-area", params=params)
        assert response.status_code == 422
        assert response.json()["error"] == "Ange location (minst 2 tecken)"


async def test_a_customer_session_cannot_edit_a_provider(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    provider = await factories.provider(db_session)
    customer = await factories.customer(db_session)
    response = await client.put(
        f"/api/providers/{provider.id}",
        headers=await auth(db_session, customer, settings),
        json={"businessName": "Kapad"},
    )
    assert response.status_code == 404
