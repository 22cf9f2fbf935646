"""The listing cache serves repeated searches and every write that changes a listing clears it,
with Redis (shared by workers) and with the in-process fallback."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.kit.dates import today_local
from equinet.models import Service
from equinet.settings import Settings
from tests import factories
from tests.providers.support import Owner, client_for, provider_owner


@pytest.fixture(params=["redis", "memory"])
async def cached_client(
    request: pytest.FixtureRequest,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[httpx.AsyncClient]:
    if request.param == "redis":
        if not os.environ.get("REDIS_URL"):
            pytest.skip("REDIS_URL is not set")
        chosen = settings.model_copy(update={"redis_url": os.environ["REDIS_URL"]})
    else:
        chosen = settings.model_copy(update={"redis_url": None})
    async with client_for(chosen, sessionmaker) as client:
        yield client


async def listed(client: httpx.AsyncClient, city: str) -> dict:  # type: ignore[type-arg]
    response = await client.get("/api/providers", params={"city": city})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert len(data) == 1
    return data[0]  # type: ignore[no-any-return]


async def shop(db: AsyncSession, settings: Settings, city: str) -> tuple[Owner, Service]:
    owner = await provider_owner(db, settings, city=city, business_name="Cachad")
    service = await factories.service(db, owner.provider, name="Skoning", price=900.0)
    return owner, service


async def test_a_repeated_search_is_answered_from_the_cache(
    cached_client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _, service = await shop(db_session, settings, "Cacheby")
    assert (await listed(cached_client, "Cacheby"))["services"][0]["price"] == 900.0
    # A change behind the application's back (no invalidation) is not seen until the TTL.
    await db_session.execute(update(Service).where(Service.id == service.id).values(price=1.0))
    await db_session.flush()
    assert (await listed(cached_client, "Cacheby"))["services"][0]["price"] == 900.0


async def test_a_price_change_shows_in_the_next_search(
    cached_client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner, service = await shop(db_session, settings, "Prisby")
    assert (await listed(cached_client, "Prisby"))["services"][0]["price"] == 900.0
    response = await cached_client.put(
        f"/api/services/{service.id}",
        headers=owner.headers,
        json={"name": "Skoning", "price": 1250, "durationMinutes": 60},
    )
    assert response.status_code == 200, response.text
    assert (await listed(cached_client, "Prisby"))["services"][0]["price"] == 1250.0


async def test_new_and_withdrawn_services_show_in_the_next_search(
    cached_client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner, service = await shop(db_session, settings, "Nyby")
    assert len((await listed(cached_client, "Nyby"))["services"]) == 1
    created = await cached_client.post(
        "/api/services",
        headers=owner.headers,
        json={"name": "Verkning", "price": 500, "durationMinutes": 30},
    )
    assert created.status_code == 201, created.text
    assert len((await listed(cached_client, "Nyby"))["services"]) == 2
    withdrawn = await cached_client.delete(f"/api/services/{service.id}", headers=owner.headers)
    assert withdrawn.status_code == 200
    assert [s["name"] for s in (await listed(cached_client, "Nyby"))["services"]] == ["Verkning"]


async def test_profile_and_announced_visit_changes_show_in_the_next_search(
    cached_client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner, _ = await shop(db_session, settings, "Profilby")
    before = await listed(cached_client, "Profilby")
    assert (before["businessName"], before["nextVisit"]) == ("Cachad", None)

    renamed = await cached_client.put(
        f"/api/providers/{owner.provider.id}", headers=owner.headers, json={"businessName": "Ny"}
    )
    assert renamed.status_code == 200, renamed.text
    assert (await listed(cached_client, "Profilby"))["businessName"] == "Ny"

    visit_day = (today_local() + timedelta(days=5)).isoformat()
    announced = await cached_client.post(
        f"/api/providers/{owner.provider.id}/availability-exceptions",
        headers=owner.headers,
        json={"date": visit_day, "isClosed": False, "startTime": "09:00", "endTime": "15:00",
              "location": "Knivsta"},
    )  # fmt: skip
    assert announced.status_code == 201, announced.text
    assert (await listed(cached_client, "Profilby"))["nextVisit"] == {
        "date": visit_day,
        "location": "Knivsta",
    }
    removed = await cached_client.delete(
        f"/api/providers/{owner.provider.id}/availability-exceptions/{visit_day}",
        headers=owner.headers,
    )
    assert removed.status_code == 200
    assert (await listed(cached_client, "Profilby"))["nextVisit"] is None


async def test_a_refused_write_leaves_the_cached_listing_alone(
    cached_client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner, service = await shop(db_session, settings, "Felby")
    await listed(cached_client, "Felby")
    # A refused request does not invalidate: a change behind its back stays hidden.
    await db_session.execute(update(Service).where(Service.id == service.id).values(price=2.0))
    await db_session.flush()
    refused = await cached_client.put(
        f"/api/services/{service.id}",
        headers=owner.headers,
        json={"name": "Skoning", "price": -5, "durationMinutes": 60},
    )
    assert refused.status_code == 422
    assert (await listed(cached_client, "Felby"))["services"][0]["price"] == 900.0
