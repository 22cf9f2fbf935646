"""GET /api/providers/{id}/availability: the engine's slots of one date, for customers."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import today_local
from equinet.models import Provider
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth


def next_weekday(weekday: int, weeks_ahead: int = 3) -> date:
    start = today_local() + timedelta(weeks=weeks_ahead)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


async def open_tuesdays(db: AsyncSession) -> Provider:
    provider = await factories.provider(db)
    await factories.availability(db, provider, day_of_week=1, start_time="09:00", end_time="12:00")
    return provider


async def test_slots_of_an_open_day_with_a_booking(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await open_tuesdays(db_session)
    service = await factories.service(db_session, provider, name="Verkning", duration_minutes=60)
    tuesday = next_weekday(1)
    await factories.booking(db_session, at=provider, for_service=service, day=tuesday,
                            start_time="10:00", end_time="11:00", status="confirmed")  # fmt: skip
    response = await client.get(
        f"/api/providers/{provider.id}/availability",
        params={"date": tuesday.isoformat(), "serviceId": service.id},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["date"], body["dayOfWeek"], body["isClosed"]) == (tuesday.isoformat(), 1, False)
    assert (body["openingTime"], body["closingTime"]) == ("09:00", "12:00")
    assert body["slots"] == [
        {"startTime": "09:00", "endTime": "10:00", "isAvailable": False,
         "unavailableReason": "travel-time"},
        {"startTime": "10:00", "endTime": "11:00", "isAvailable": False,
         "unavailableReason": "booked"},
        {"startTime": "11:00", "endTime": "12:00", "isAvailable": False,
         "unavailableReason": "travel-time"},
    ]  # fmt: skip
    assert body["bookedSlots"] == [
        {"startTime": "10:00", "endTime": "11:00", "serviceName": "Verkning"}
    ]


async def test_the_default_slot_length_is_thirty_minutes_and_can_be_chosen(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await open_tuesdays(db_session)
    url = f"/api/providers/{provider.id}/availability"
    tuesday = next_weekday(1).isoformat()
    default = (await client.get(url, params={"date": tuesday})).json()["slots"]
    assert len(default) == 6 and default[1]["startTime"] == "09:30"
    chosen = (await client.get(url, params={"date": tuesday, "serviceDuration": 90})).json()
    assert [s["startTime"] for s in chosen["slots"]] == ["09:00", "10:30"]


async def test_a_closed_date_has_no_slots(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await open_tuesdays(db_session)
    tuesday = next_weekday(1)
    await factories.availability_exception(db_session, provider, date=tuesday, is_closed=True)
    for closed_day in (tuesday, next_weekday(2)):
        body = (
            await client.get(
                f"/api/providers/{provider.id}/availability",
                params={"date": closed_day.isoformat()},
            )
        ).json()
        assert (body["isClosed"], body["openingTime"], body["slots"]) == (True, None, [])


async def uppsala_tuesday_booked_at_nine(db: AsyncSession) -> tuple[str, dict[str, str]]:
    """An Uppsala provider open 08-16 on a Tuesday with a visit at 09; its availability query."""
    provider = await factories.provider(db, latitude=59.8586, longitude=17.6389)
    await factories.availability(db, provider, day_of_week=1, start_time="08:00", end_time="16:00")
    tuesday = next_weekday(1)
    await factories.booking(db, at=provider, day=tuesday, start_time="09:00", end_time="10:00")
    params = {"date": tuesday.isoformat(), "serviceDuration": "60"}
    return f"/api/providers/{provider.id}/availability", params


async def test_customer_coordinates_widen_the_gap_by_travel_time(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    url, params = await uppsala_tuesday_booked_at_nine(db_session)
    near = (await client.get(url, params=params)).json()["slots"]
    # ~50 km away: 72 minutes of driving on top of the hour of buffer.
    far = (await client.get(url, params={**params, "lat": 60.3083, "lng": 17.6389})).json()
    assert next(s for s in near if s["startTime"] == "11:00")["isAvailable"] is True
    assert next(s for s in far["slots"] if s["startTime"] == "11:00")["isAvailable"] is False
    assert next(s for s in far["slots"] if s["startTime"] == "13:00")["isAvailable"] is True


async def test_a_signed_in_customer_gets_slots_measured_from_their_own_stable(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    url, params = await uppsala_tuesday_booked_at_nine(db_session)
    far_customer = await factories.user(db_session, latitude=60.3083, longitude=17.6389)

    def at_eleven(response: httpx.Response) -> bool:
        return next(s for s in response.json()["slots"] if s["startTime"] == "11:00")["isAvailable"]

    headers = await auth(db_session, far_customer, settings)
    # Without lat/lng the slot the customer could not book (72 min of driving) is not offered.
    assert at_eleven(await client.get(url, params=params)) is True
    assert at_eleven(await client.get(url, params=params, headers=headers)) is False
    # Coordinates given explicitly still decide.
    near = {**params, "lat": "59.8586", "lng": "17.6389"}
    assert at_eleven(await client.get(url, params=near, headers=headers)) is True


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({}, 422, "Ange datum (date=ÅÅÅÅ-MM-DD)"),
        ({"date": "2026-13-01"}, 400, 'Ogiltigt datum: "2026-13-01". Använd formatet ÅÅÅÅ-MM-DD.'),
        ({"date": "imorgon"}, 400, 'Ogiltigt datum: "imorgon". Använd formatet ÅÅÅÅ-MM-DD.'),
        ({"date": "2031-01-07", "serviceId": "nope"}, 404, "Tjänsten hittades inte"),
        ({"date": "2031-01-07", "serviceDuration": "abc"}, 422,
         "serviceDuration måste vara ett helt antal minuter mellan 15 och 480"),
        ({"date": "2031-01-07", "serviceDuration": "5"}, 422,
         "serviceDuration måste vara ett helt antal minuter mellan 15 och 480"),
        ({"date": "2031-01-07", "lat": "59"}, 422, "lat och lng anges tillsammans"),
        ({"date": "2031-01-07", "lat": "99", "lng": "17"}, 422,
         "Ogiltig latitude (måste vara mellan -90 och 90)"),
    ],
)  # fmt: skip
async def test_bad_questions_get_clear_answers(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    params: dict[str, str],
    status: int,
    error: str,
) -> None:
    provider = await open_tuesdays(db_session)
    response = await client.get(f"/api/providers/{provider.id}/availability", params=params)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


async def test_another_providers_service_does_not_set_the_slot_length(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await open_tuesdays(db_session)
    foreign = await factories.service(db_session)
    response = await client.get(
        f"/api/providers/{provider.id}/availability",
        params={"date": next_weekday(1).isoformat(), "serviceId": foreign.id},
    )
    assert response.status_code == 404


async def test_unknown_and_inactive_providers_have_no_slots(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    inactive = await factories.provider(db_session, is_active=False)
    for provider_id in ("no-such-provider", inactive.id):
        response = await client.get(
            f"/api/providers/{provider_id}/availability", params={"date": "2031-01-07"}
        )
        assert response.status_code == 404
        assert response.json()["error"] == "Leverantören hittades inte"
