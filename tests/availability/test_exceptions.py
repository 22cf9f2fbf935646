"""Date exceptions: closed days and other hours, one per date, the owner's to write (§2.5, §3.6)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import today_local
from equinet.models import AvailabilityException
from equinet.settings import Settings
from tests import factories
from tests.providers.support import auth, provider_owner


def day(offset: int) -> str:
    return (today_local() + timedelta(days=offset)).isoformat()


async def test_a_posted_exception_closes_the_day_by_default(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    response = await client.post(
        f"/api/providers/{owner.provider.id}/availability-exceptions",
        headers=owner.headers,
        json={"date": day(7), "startTime": "09:00", "endTime": "12:00",
              "reason": "  Semester  "},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["date"], body["isClosed"], body["startTime"], body["endTime"]) == (
        day(7), True, None, None,
    )  # fmt: skip
    assert body["reason"] == "Semester"
    assert body["providerId"] == owner.provider.id


async def test_posting_the_same_date_again_replaces_its_exception(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    url = f"/api/providers/{owner.provider.id}/availability-exceptions"
    first = await client.post(url, headers=owner.headers, json={"date": day(3)})
    assert first.status_code == 201
    second = await client.post(
        url,
        headers=owner.headers,
        json={"date": day(3), "isClosed": False, "startTime": "10:00", "endTime": "14:00",
              "reason": "   ", "location": "Knivsta", "latitude": 59.72, "longitude": 17.79},
    )  # fmt: skip
    assert second.status_code == 201, second.text  # an upsert answers 201 either way (§2.5)
    body = second.json()
    assert body["id"] == first.json()["id"]
    assert (body["isClosed"], body["startTime"], body["endTime"]) == (False, "10:00", "14:00")
    assert (body["reason"], body["location"], body["latitude"]) == (None, "Knivsta", 59.72)
    count = await db_session.scalar(
        select(func.count())
        .select_from(AvailabilityException)
        .where(AvailabilityException.provider_id == owner.provider.id)
    )
    assert count == 1


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"isClosed": False}, "Ange startTime och endTime när dagen inte är stängd"),
        ({"isClosed": False, "startTime": "10:00"}, "Ange startTime och endTime när dagen inte är stängd"),
        ({"isClosed": False, "startTime": "14:00", "endTime": "10:00"},
         "Starttid måste vara före sluttid"),
    ],
)  # fmt: skip
async def test_other_hours_need_a_start_before_the_end(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    payload: dict,  # type: ignore[type-arg]
    message: str,
) -> None:
    owner = await provider_owner(db_session, settings)
    response = await client.post(
        f"/api/providers/{owner.provider.id}/availability-exceptions",
        headers=owner.headers,
        json={"date": day(4), **payload},
    )
    assert response.status_code == 400
    assert response.json() == {"error": message, "code": "INVALID_EXCEPTION"}


async def test_a_past_date_cannot_get_an_exception(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    response = await client.post(
        f"/api/providers/{owner.provider.id}/availability-exceptions",
        headers=owner.headers,
        json={"date": day(-1)},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_EXCEPTION"
    today = await client.post(
        f"/api/providers/{owner.provider.id}/availability-exceptions",
        headers=owner.headers,
        json={"date": day(0)},
    )
    assert today.status_code == 201


@pytest.mark.parametrize(
    "payload",
    [
        {"date": "2026-1-05"},
        {"date": "tomorrow"},
        {"reason": "x" * 201},
        {"location": "y" * 101},
        {"latitude": 59.0},
        {"latitude": 91, "longitude": 17},
        {"isClosed": False, "startTime": "9:00", "endTime": "12:00"},
    ],
)
async def test_malformed_exceptions_are_refused(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    payload: dict,  # type: ignore[type-arg]
) -> None:
    owner = await provider_owner(db_session, settings)
    response = await client.post(
        f"/api/providers/{owner.provider.id}/availability-exceptions",
        headers=owner.headers,
        json={"date": day(5), **payload},
    )
    assert response.status_code in (400, 422), response.text
    assert response.json()["code"] in ("VALIDATION_ERROR", "INVALID_DATE")


async def test_an_impossible_calendar_date_is_a_400(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    response = await client.post(
        f"/api/providers/{owner.provider.id}/availability-exceptions",
        headers=owner.headers,
        json={"date": "2031-02-30"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_DATE"


async def test_exceptions_are_listed_by_inclusive_date_range(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    base = today_local()
    for offset in (9, 1, 5):
        await factories.availability_exception(
            db_session, provider, date=base + timedelta(days=offset)
        )
    url = f"/api/providers/{provider.id}/availability-exceptions"
    everything = await client.get(url)
    assert [e["date"] for e in everything.json()] == [day(1), day(5), day(9)]
    ranged = await client.get(url, params={"from": day(1), "to": day(5)})
    assert [e["date"] for e in ranged.json()] == [day(1), day(5)]


async def test_bad_range_dates_and_unknown_providers_are_refused(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    bad = await client.get(
        f"/api/providers/{provider.id}/availability-exceptions", params={"from": "igår"}
    )
    assert bad.status_code == 422
    assert bad.json()["error"] == "Ogiltiga parametrar: from och to anges som ÅÅÅÅ-MM-DD"
    unknown = await client.get("/api/providers/no-such-provider/availability-exceptions")
    assert unknown.status_code == 404


async def test_one_dates_exception_is_public(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    await factories.availability_exception(
        db_session, provider, date=today_local() + timedelta(days=2), reason="Kurs"
    )
    url = f"/api/providers/{provider.id}/availability-exceptions"
    found = await client.get(f"{url}/{day(2)}")
    assert found.status_code == 200
    assert (found.json()["date"], found.json()["reason"]) == (day(2), "Kurs")
    missing = await client.get(f"{url}/{day(3)}")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Undantaget hittades inte", "code": "EXCEPTION_NOT_FOUND"}
    malformed = await client.get(f"{url}/03-03-2026")
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "Ogiltigt datum. Använd formatet YYYY-MM-DD."


async def test_owner_deletes_an_exception(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    await factories.availability_exception(
        db_session, owner.provider, date=today_local() + timedelta(days=6)
    )
    url = f"/api/providers/{owner.provider.id}/availability-exceptions/{day(6)}"
    response = await client.delete(url, headers=owner.headers)
    assert response.status_code == 200
    assert response.json() == {"message": "Exception deleted", "date": day(6)}
    assert (await client.get(url)).status_code == 404
    again = await client.delete(url, headers=owner.headers)
    assert again.status_code == 404


async def test_only_the_owner_writes_exceptions(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    await factories.availability_exception(
        db_session, owner.provider, date=today_local() + timedelta(days=6)
    )
    base = f"/api/providers/{owner.provider.id}/availability-exceptions"
    assert (await client.post(base, json={"date": day(8)})).status_code == 401
    assert (await client.delete(f"{base}/{day(6)}")).status_code == 401
    customer = await factories.customer(db_session)
    as_customer = await auth(db_session, customer, settings)
    assert (await client.post(base, headers=as_customer, json={"date": day(8)})).status_code == 403
    intruder = await provider_owner(db_session, settings)
    posted = await client.post(base, headers=intruder.headers, json={"date": day(8)})
    assert posted.status_code == 404
    deleted = await client.delete(f"{base}/{day(6)}", headers=intruder.headers)
    assert deleted.status_code == 404
    assert (await client.get(f"{base}/{day(6)}")).status_code == 200
    assert (await client.get(f"{base}/{day(8)}")).status_code == 404
