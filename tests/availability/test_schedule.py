"""The weekly schedule: public read, owner replaces the whole week atomically (§2.5, C2)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.availability import repository
from equinet.models import Availability
from equinet.settings import Settings
from tests import factories
from tests.providers.support import Owner, auth, provider_owner

WEEKDAYS = [
    {"dayOfWeek": d, "startTime": "08:00", "endTime": "16:00", "isClosed": False} for d in range(5)
]


async def old_week(db: AsyncSession, settings: Settings) -> Owner:
    owner = await provider_owner(db, settings)
    await factories.availability(db, owner.provider, day_of_week=0, start_time="09:00",
                                 end_time="17:00")  # fmt: skip
    await factories.availability(db, owner.provider, day_of_week=6, start_time="10:00",
                                 end_time="12:00")  # fmt: skip
    return owner


def hours(response: httpx.Response) -> list[tuple[int, str, str, bool]]:
    assert response.status_code == 200, response.text
    return [(d["dayOfWeek"], d["startTime"], d["endTime"], d["isClosed"]) for d in response.json()]


async def test_schedule_is_public_and_ordered_by_weekday(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await old_week(db_session, settings)
    await factories.availability(db_session, owner.provider, day_of_week=3, is_active=False)
    response = await client.get(f"/api/providers/{owner.provider.id}/availability-schedule")
    assert hours(response) == [(0, "09:00", "17:00", False), (6, "10:00", "12:00", False)]
    assert response.json()[0]["providerId"] == owner.provider.id


async def test_schedule_of_an_unknown_provider_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/providers/no-such-provider/availability-schedule")
    assert response.status_code == 404


async def test_owner_replaces_the_week(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await old_week(db_session, settings)
    url = f"/api/providers/{owner.provider.id}/availability-schedule"
    saturday_closed = {"dayOfWeek": 5, "startTime": "00:00", "endTime": "00:00", "isClosed": True}
    response = await client.put(url, headers=owner.headers,
                                json={"schedule": [saturday_closed, *WEEKDAYS]})  # fmt: skip
    expected = [(d, "08:00", "16:00", False) for d in range(5)] + [(5, "00:00", "00:00", True)]
    assert hours(response) == expected
    assert hours(await client.get(url)) == expected
    # Sunday is no longer part of the week; its row is kept, deactivated (A6).
    sunday = await db_session.scalar(
        select(Availability).where(
            Availability.provider_id == owner.provider.id, Availability.day_of_week == 6
        )
    )
    assert sunday is not None
    await db_session.refresh(sunday)
    assert sunday.is_active is False


async def test_an_empty_schedule_closes_every_day(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await old_week(db_session, settings)
    url = f"/api/providers/{owner.provider.id}/availability-schedule"
    assert hours(await client.put(url, headers=owner.headers, json={"schedule": []})) == []
    assert hours(await client.get(url)) == []


@pytest.mark.parametrize(
    ("day", "code_fragment"),
    [
        ({"dayOfWeek": 2, "startTime": "12:00", "endTime": "12:00", "isClosed": False}, "före"),
        ({"dayOfWeek": 2, "startTime": "15:00", "endTime": "09:00", "isClosed": False}, "före"),
        ({"dayOfWeek": 0, "startTime": "10:00", "endTime": "11:00", "isClosed": False}, "mer än"),
    ],
)
async def test_a_bad_day_is_a_400_and_the_old_week_stays(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    day: dict,  # type: ignore[type-arg]
    code_fragment: str,
) -> None:
    owner = await old_week(db_session, settings)
    url = f"/api/providers/{owner.provider.id}/availability-schedule"
    response = await client.put(url, headers=owner.headers,
                                json={"schedule": [*WEEKDAYS, day]})  # fmt: skip
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "INVALID_SCHEDULE"
    assert code_fragment in response.json()["error"]
    assert hours(await client.get(url)) == [
        (0, "09:00", "17:00", False),
        (6, "10:00", "12:00", False),
    ]


async def test_a_week_that_fails_in_the_database_leaves_the_old_week_whole(
    db_session: AsyncSession, settings: Settings
) -> None:
    # Past the request checks, a duplicate weekday makes the upsert statement fail after the
    # deactivation already ran; the transaction must take both back.
    owner = await old_week(db_session, settings)
    provider_id = owner.provider.id
    days = [
        repository.WeekDay(1, "08:00", "12:00", False),
        repository.WeekDay(1, "13:00", "17:00", False),
    ]
    savepoint = await db_session.begin_nested()
    with pytest.raises(sa_exc.DBAPIError):
        await repository.replace_week(db_session, provider_id, days)
    await savepoint.rollback()
    week = await repository.active_week(db_session, provider_id)
    assert [(d.day_of_week, d.start_time) for d in week] == [(0, "09:00"), (6, "10:00")]


@pytest.mark.parametrize(
    "day",
    [
        {"dayOfWeek": 7, "startTime": "08:00", "endTime": "16:00"},
        {"dayOfWeek": 1, "startTime": "24:00", "endTime": "16:00"},
        {"dayOfWeek": 1, "startTime": "8:00", "endTime": "16:00"},
    ],
)
async def test_malformed_days_are_refused(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    day: dict,  # type: ignore[type-arg]
) -> None:
    owner = await old_week(db_session, settings)
    response = await client.put(
        f"/api/providers/{owner.provider.id}/availability-schedule",
        headers=owner.headers,
        json={"schedule": [day]},
    )
    assert response.status_code == 422


async def test_only_the_owner_replaces_the_week(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await old_week(db_session, settings)
    url = f"/api/providers/{owner.provider.id}/availability-schedule"
    body = {"schedule": WEEKDAYS}
    assert (await client.put(url, json=body)).status_code == 401
    customer = await factories.customer(db_session)
    as_customer = await auth(db_session, customer, settings)
    assert (await client.put(url, headers=as_customer, json=body)).status_code == 403
    intruder = await provider_owner(db_session, settings)
    response = await client.put(url, headers=intruder.headers, json=body)
    assert response.status_code == 404
    assert response.json()["error"] == "Leverantören hittades inte"
    assert hours(await client.get(url)) == [
        (0, "09:00", "17:00", False),
        (6, "10:00", "12:00", False),
    ]
