"""Booking times are checked: the end comes from the service, a time the clock skips in spring
is refused, and a time the clock shows twice in autumn means its first occurrence."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import local_instant
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, open_every_day

SPRING_FORWARD = date(2027, 3, 28)  # 02:00 becomes 03:00 in Europe/Stockholm
FALL_BACK = date(2027, 10, 31)  # 03:00 becomes 02:00: 02:00-02:59 happens twice


async def _night_shop(db: AsyncSession) -> tuple[Any, Any, Any]:
    owner = await factories.user(db, user_type="provider")
    provider = await factories.provider(db, owner, business_name="Nattjouren")
    await open_every_day(db, provider, start="00:00", end="23:59")
    service = await factories.service(db, provider, name="Akutbesök", duration_minutes=60)
    return owner, provider, service


def _body(provider: Any, service: Any, day: date, start: str, **extra: Any) -> dict[str, Any]:
    return {
        "providerId": provider.id,
        "serviceId": service.id,
        "bookingDate": day.isoformat(),
        "startTime": start,
        **extra,
    }


async def test_a_start_in_the_spring_forward_gap_is_422(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _owner, provider, service = await _night_shop(db_session)
    headers = await auth(db_session, await factories.customer(db_session), settings)
    for start in ("02:30", "02:00", "01:30"):  # 01:30 + 60 min ends in the gap
        response = await client.post(
            "/api/bookings", headers=headers, json=_body(provider, service, SPRING_FORWARD, start)
        )
        assert response.status_code == 422, start
        assert response.json()["code"] == "TIME_IN_DST_GAP"
        assert response.json()["error"].startswith("Tiden finns inte det här datumet")
    after = await client.post(
        "/api/bookings", headers=headers, json=_body(provider, service, SPRING_FORWARD, "03:00")
    )
    assert after.status_code == 201, after.text


async def test_a_manual_booking_in_the_gap_is_422_too(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner, _provider, service = await _night_shop(db_session)
    response = await client.post(
        "/api/bookings/manual",
        headers=await auth(db_session, owner, settings),
        json={
            "serviceId": service.id,
            "bookingDate": SPRING_FORWARD.isoformat(),
            "startTime": "02:15",
            "customerName": "Greta Gran",
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "TIME_IN_DST_GAP"


async def test_a_time_in_the_autumn_fold_is_one_booking_at_its_first_occurrence(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _owner, provider, service = await _night_shop(db_session)
    first = await auth(db_session, await factories.customer(db_session), settings)
    second = await auth(db_session, await factories.customer(db_session), settings)

    booked = await client.post(
        "/api/bookings", headers=first, json=_body(provider, service, FALL_BACK, "02:30")
    )
    again = await client.post(
        "/api/bookings", headers=second, json=_body(provider, service, FALL_BACK, "02:30")
    )

    assert booked.status_code == 201, booked.text
    assert (booked.json()["startTime"], booked.json()["endTime"]) == ("02:30", "03:30")
    # There is no "second 02:30" to book: the slot is taken.
    assert again.status_code == 409
    # 02:30 that night is summer time (UTC+2): 00:30 UTC, not 01:30.
    assert local_instant(FALL_BACK, 150).astimezone(UTC) == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC
    )
