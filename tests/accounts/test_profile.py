"""The user's and the provider's own profile, onboarding status, and role checks (spec §2.2,
§3.19)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from equinet.models import User
from tests import factories
from tests.accounts.helpers import logged_in


async def test_profile_shows_own_fields_and_provider_id(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    user = await db_session.get(User, provider.user_id)
    assert user is not None
    response = await client.get("/api/profile", headers=await logged_in(db_session, user))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id and body["email"] == user.email
    assert body["providerId"] == provider.id
    assert "passwordHash" not in body and "password_hash" not in body


async def test_profile_update_changes_given_fields_only(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session, city="Lund", phone="070-1")
    headers = await logged_in(db_session, user)
    response = await client.put(
        "/api/profile",
        json={
            "firstName": " Karin ",
            "lastName": "Berg",
            "phone": "070 123 45<b>",
            "latitude": 59.3,
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["firstName"] == "Karin" and body["phone"] == "070 123 45"
    assert body["city"] == "Lund"  # not in the body: unchanged
    assert body["latitude"] == 59.3
    assert "providerId" not in body


async def test_profile_update_cannot_change_email_or_take_bad_coordinates(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session)
    headers = await logged_in(db_session, user)
    for extra in ({"email": "ny@example.se"}, {"latitude": 91}, {"longitude": -181}):
        response = await client.put(
            "/api/profile", json={"firstName": "A", "lastName": "B", **extra}, headers=headers
        )
        assert response.status_code == 422, extra


async def test_provider_profile_read_and_update(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    user = await db_session.get(User, provider.user_id)
    assert user is not None
    headers = await logged_in(db_session, user)
    got = await client.get("/api/provider/profile", headers=headers)
    assert got.status_code == 200
    assert got.json()["id"] == provider.id
    assert got.json()["user"] == {
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "phone": user.phone,
    }
    put = await client.put(
        "/api/provider/profile",
        json={"businessName": "Nya Hovslageriet", "serviceAreaKm": 120, "postalCode": "75320"},
        headers=headers,
    )
    assert put.status_code == 200, put.text
    assert put.json()["businessName"] == "Nya Hovslageriet"
    assert put.json()["serviceAreaKm"] == 120
    bad = await client.put(
        "/api/provider/profile",
        json={"businessName": "X", "serviceAreaKm": 501},
        headers=headers,
    )
    assert bad.status_code == 422


async def test_customers_get_403_on_provider_routes(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    headers = await logged_in(db_session, await factories.customer(db_session))
    for method, path in [
        ("GET", "/api/provider/profile"),
        ("PUT", "/api/provider/profile"),
        ("GET", "/api/provider/onboarding-status"),
    ]:
        response = await client.request(method, path, json={"businessName": "X"}, headers=headers)
        assert response.status_code == 403, path
        assert response.json() == {
            "error": "Endast leverantörer kan göra detta",
            "code": "FORBIDDEN",
        }


async def test_onboarding_is_complete_with_profile_service_and_hours(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(
        db_session, description=None, address=None, postal_code=None, latitude=None, longitude=None
    )
    user = await db_session.get(User, provider.user_id)
    assert user is not None
    headers = await logged_in(db_session, user)
    before = (await client.get("/api/provider/onboarding-status", headers=headers)).json()
    assert before == {
        "profileComplete": False,
        "hasServices": False,
        "hasAvailability": False,
        "isActive": True,
        "allComplete": False,
    }
    await factories.service(db_session, of=provider)
    await factories.availability(db_session, of=provider)
    profile = {
        "businessName": provider.business_name,
        "description": "Hovslagare",
        "address": "Stallvägen 1",
        "city": "Uppsala",
        "postalCode": "75320",
        "latitude": 59.86,
        "longitude": 17.64,
    }
    assert (
        await client.put("/api/provider/profile", json=profile, headers=headers)
    ).status_code == 200
    after = (await client.get("/api/provider/onboarding-status", headers=headers)).json()
    assert after["allComplete"] is True


async def test_admin_check_for_maintenance_mode_reads_the_database(
    app: FastAPI, db_session: AsyncSession
) -> None:
    admin = await factories.customer(db_session, is_admin=True)
    plain = await factories.customer(db_session)

    def request_with(headers: dict[str, str]) -> Request:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        return Request({"type": "http", "headers": raw, "app": app, "method": "GET", "path": "/"})

    check = app.state.admin_check
    assert await check(request_with(await logged_in(db_session, admin))) is True
    assert await check(request_with(await logged_in(db_session, plain))) is False
    assert await check(request_with({})) is False
    # Revoking the flag takes effect at once: the session carries no copy of it (§7.24).
    admin.is_admin = False
    await db_session.flush()
    assert await check(request_with(await logged_in(db_session, admin))) is False
