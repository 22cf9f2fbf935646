"""Errors as pages for browsers: 429 says when to retry, 503 maintenance carries the
operator's message, an unexpected exception is the 500 page, a foreign form post is the 403
page; each in the visitor's language while the API keeps its JSON."""

from __future__ import annotations

import uuid

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from equinet.ops.maintenance import write_state
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth
from tests.conftest import make_settings

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_too_many_logins_is_a_429_page_saying_when_to_retry(
    test_database: DatabaseTarget, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    settings = make_settings(
        test_database,
        rate_limit_multiplier=1,
        rate_limits={"login": "2/15 minutes"},
        rate_limit_login_ip_factor=1,
        rate_limit_key_prefix=f"web-429-{uuid.uuid4().hex}",
    )
    app = create_app(settings)
    async with LifespanManager(app), _client(app) as client:
        app.state.sessionmaker = sessionmaker
        statuses = []
        for _attempt in range(3):
            response = await client.post(
                "/login", data={"email": "a@example.se", "password": "fel"}, headers=BROWSER
            )
            statuses.append(response.status_code)
        assert statuses[:2] == [401, 401] and statuses[2] == 429, statuses
        assert response.headers["content-type"].startswith("text/html")
        assert "För många försök" in response.text
        assert "Försök igen om" in response.text
        assert int(response.headers["Retry-After"]) > 0
        api = await client.post("/api/auth/login", json={"email": "a@example.se", "password": "x"})
        assert api.status_code == 429 and api.json()["code"]


@pytest.mark.usefixtures("maintenance_switched_off")
async def test_maintenance_is_a_503_page_with_the_message(
    test_database: DatabaseTarget, engine: AsyncEngine
) -> None:
    app = create_app(make_settings(test_database, maintenance_cache_seconds=0))
    async with LifespanManager(app), _client(app) as client:
        async with engine.begin() as connection:
            await write_state(
                connection, enabled=True, message="Vi byter server.", changed_by="tests"
            )
        page = await client.get("/", headers={**BROWSER, "Accept-Language": "en"})
        assert page.status_code == 503
        assert page.headers["content-type"].startswith("text/html")
        assert "Maintenance in progress" in page.text
        assert "Vi byter server." in page.text
        assert page.headers["Retry-After"] == "120"
        api = await client.get("/api/providers", headers={"Accept": "application/json"})
        assert api.status_code == 503 and api.json()["code"] == "MAINTENANCE"


async def test_an_unexpected_error_is_the_500_page_and_json_for_the_api(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    app = create_app(settings)

    @app.get("/broken-page")
    @app.get("/api/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    async with LifespanManager(app):
        app.state.sessionmaker = sessionmaker
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            page = await client.get("/broken-page", headers=BROWSER)
            assert page.status_code == 500
            assert "Ett internt fel uppstod" in page.text
            assert "a bug" not in page.text
            api = await client.get("/api/broken", headers=BROWSER)
            assert api.status_code == 500
            assert api.json()["code"] == "INTERNAL_ERROR"


async def test_a_form_posted_from_another_site_is_refused_with_the_403_page(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    customer = await factories.customer(db_session)
    token = (await auth(db_session, customer, settings))["Authorization"].split()[1]
    client.cookies.set(settings.session_cookie_name, token)
    refused = await client.post(
        "/profile", data={"firstName": "X", "lastName": "Y"},
        headers={**BROWSER, "Origin": "https://evil.example"},
    )  # fmt: skip
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "Förfrågan kom inte från Equinets egen webbplats" in refused.text
