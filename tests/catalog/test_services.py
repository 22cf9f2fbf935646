"""/api/services: a provider manages their own services; delete keeps the row (§2.4, §7.26)."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.models import Service
from equinet.settings import Settings
from tests import factories
from tests.providers.support import auth, client_for, provider_owner

VALID = {"name": "Skoning", "price": 1200, "durationMinutes": 60}


async def test_a_provider_creates_a_service(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    response = await client.post(
        "/api/services",
        headers=owner.headers,
        json={**VALID, "name": " Skoning ", "description": "Fyra skor",
              "recommendedIntervalWeeks": 8},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["providerId"] == owner.provider.id
    assert (body["name"], body["price"], body["durationMinutes"]) == ("Skoning", 1200.0, 60)
    assert (body["isActive"], body["recommendedIntervalWeeks"]) == (True, 8)
    assert body["description"] == "Fyra skor"
    stored = await db_session.get(Service, body["id"])
    assert stored is not None and stored.provider_id == owner.provider.id


async def test_optional_fields_default_to_null(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    body = (await client.post("/api/services", headers=owner.headers, json=VALID)).json()
    assert (body["description"], body["recommendedIntervalWeeks"]) == (None, None)


@pytest.mark.parametrize(
    "bad",
    [
        {"name": ""},
        {"name": "   "},
        {"price": 0},
        {"price": -10},
        {"durationMinutes": 0},
        {"durationMinutes": 30.5},
        {"durationMinutes": 481},
        {"recommendedIntervalWeeks": 0},
        {"recommendedIntervalWeeks": 53},
    ],
)
async def test_invalid_services_are_refused(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, bad: dict
) -> None:  # type: ignore[type-arg]
    owner = await provider_owner(db_session, settings)
    response = await client.post("/api/services", headers=owner.headers, json={**VALID, **bad})
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"


async def test_missing_fields_and_bad_json_are_refused(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    missing = await client.post("/api/services", headers=owner.headers, json={"name": "X"})
    assert missing.status_code == 422
    broken = await client.post(
        "/api/services",
        headers={**owner.headers, "content-type": "application/json"},
        content=b"{not json",
    )
    assert broken.status_code == 422
    assert broken.json()["code"] == "VALIDATION_ERROR"


async def test_only_logged_in_providers_with_a_profile_manage_services(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    assert (await client.get("/api/services")).status_code == 401
    assert (await client.post("/api/services", json=VALID)).status_code == 401
    customer = await factories.customer(db_session)
    as_customer = await auth(db_session, customer, settings)
    assert (await client.get("/api/services", headers=as_customer)).status_code == 403
    assert (await client.post("/api/services", headers=as_customer, json=VALID)).status_code == 403
    without_profile = await factories.user(db_session, user_type="provider")
    response = await client.get(
        "/api/services", headers=await auth(db_session, without_profile, settings)
    )
    assert response.status_code == 404
    assert response.json()["error"] == "Leverantören hittades inte"


async def test_the_list_holds_all_my_services_newest_first_and_nobody_elses(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    await factories.service(db_session, owner.provider, name="Äldst",
                            created_at=datetime(2026, 1, 1))  # fmt: skip
    await factories.service(db_session, owner.provider, name="Vilande", is_active=False,
                            created_at=datetime(2026, 2, 1))  # fmt: skip
    await factories.service(db_session, owner.provider, name="Nyast",
                            created_at=datetime(2026, 3, 1))  # fmt: skip
    await factories.service(db_session, name="Någon annans")
    response = await client.get("/api/services", headers=owner.headers)
    assert response.status_code == 200
    assert [s["name"] for s in response.json()] == ["Nyast", "Vilande", "Äldst"]


async def test_put_replaces_the_whole_service(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    service = await factories.service(db_session, owner.provider, description="Gammal",
                                      recommended_interval_weeks=6)  # fmt: skip
    response = await client.put(
        f"/api/services/{service.id}",
        headers=owner.headers,
        json={"name": "Verkning", "price": 650.5, "durationMinutes": 45, "isActive": False},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["price"], body["durationMinutes"], body["isActive"]) == (
        "Verkning", 650.5, 45, False,
    )  # fmt: skip
    # A full replacement: optional fields left out are cleared.
    assert (body["description"], body["recommendedIntervalWeeks"]) == (None, None)
    partial = await client.put(
        f"/api/services/{service.id}", headers=owner.headers, json={"price": 700}
    )
    assert partial.status_code == 422


async def test_another_providers_service_is_not_found(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    theirs = await factories.service(db_session, name="Deras", price=100.0)
    for service_id in (theirs.id, "no-such-service"):
        put = await client.put(f"/api/services/{service_id}", headers=owner.headers, json=VALID)
        assert put.status_code == 404
        assert put.json() == {"error": "Tjänsten hittades inte", "code": "SERVICE_NOT_FOUND"}
        deleted = await client.delete(f"/api/services/{service_id}", headers=owner.headers)
        assert deleted.status_code == 404
    await db_session.refresh(theirs)
    assert (theirs.name, theirs.price, theirs.is_active) == ("Deras", 100.0, True)


async def test_delete_withdraws_the_service_but_keeps_it_for_its_bookings(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await provider_owner(db_session, settings)
    service = await factories.service(db_session, owner.provider)
    booking = await factories.booking(db_session, at=owner.provider, for_service=service)
    response = await client.delete(f"/api/services/{service.id}", headers=owner.headers)
    assert response.status_code == 200
    assert response.json() == {"message": "Service deleted"}
    await db_session.refresh(service)
    assert service.is_active is False
    await db_session.refresh(booking)
    assert booking.service_id == service.id
    listed = await client.get(f"/api/providers/{owner.provider.id}")
    assert listed.json()["services"] == []


async def test_creating_services_is_rate_limited_per_provider(
    db_session: AsyncSession,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    tight = settings.model_copy(
        update={
            "rate_limits": {"serviceCreate": "2/hour"},
            "rate_limit_key_prefix": f"test-{uuid.uuid4().hex}",
        }
    )
    owner = await provider_owner(db_session, settings)
    async with client_for(tight, sessionmaker) as client:
        for _ in range(2):
            ok = await client.post("/api/services", headers=owner.headers, json=VALID)
            assert ok.status_code == 201, ok.text
        refused = await client.post("/api/services", headers=owner.headers, json=VALID)
        assert refused.status_code == 429
        assert refused.json()["error"] == "För många tjänster skapade"
        # Reading is not limited by serviceCreate.
        assert (await client.get("/api/services", headers=owner.headers)).status_code == 200
