"""No 500 for faults or bad input: a database failing inside middleware is the documented
503/504 JSON; NUL characters, huge numbers, explicit nulls, oversized and slow bodies are
4xx with a Swedish message, refused before anything is parsed or written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.db.engine import create_engine, create_sessionmaker
from equinet.db.urls import DatabaseTarget, parse_database_url
from equinet.models import User
from tests import factories
from tests.accounts.conftest import free_port
from tests.accounts.helpers import logged_in
from tests.conftest import make_settings

NUL_MESSAGE = "Texten innehåller ett otillåtet tecken (NUL)."


@asynccontextmanager
async def app_with(
    test_database: DatabaseTarget,
    maker: async_sessionmaker[AsyncSession],
    **overrides: Any,
) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(test_database, **overrides))
    async with LifespanManager(application):
        application.state.sessionmaker = maker
        yield application


def client_for(application: FastAPI) -> httpx.AsyncClient:
    # Exceptions that escape the app would raise here: every answer below is a real response.
    transport = httpx.ASGITransport(app=application)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def assert_nul_refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert body["details"][0]["field"] == field
    assert body["details"][0]["message"] == NUL_MESSAGE


async def test_nul_in_a_json_field_is_422_and_nothing_is_written(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    before = await db_session.scalar(select(func.count()).select_from(User))
    response = await client.post(
        "/api/auth/register",
        content=b'{"email": "a\\u0000b@x.se", "password": "Grus-Hage-Sadel-77",'
        b' "firstName": "A", "lastName": "B", "userType": "customer"}',
        headers={"Content-Type": "application/json"},
    )
    assert_nul_refused(response, "email")
    assert await db_session.scalar(select(func.count()).select_from(User)) == before


async def test_nul_in_a_nested_json_field_names_its_path(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"email": "a@x.se", "password": "p\0"})
    assert_nul_refused(response, "password")


async def test_an_escaped_backslash_before_u0000_is_plain_text(client: httpx.AsyncClient) -> None:
    # "\\u0000" in JSON is the six characters \u0000, not a NUL: validation decides.
    response = await client.post(
        "/api/auth/login",
        content=b'{"email": "a\\\\u0000b@x.se", "password": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code != 500
    assert response.json().get("details", [{}])[0].get("type") != "string_nul"


async def test_nul_in_a_query_parameter_is_422(client: httpx.AsyncClient) -> None:
    assert_nul_refused(await client.get("/api/providers?city=a%00b"), "city")


async def test_nul_in_a_path_parameter_is_422(client: httpx.AsyncClient) -> None:
    assert_nul_refused(await client.get("/api/providers/a%00b"), "path")


async def test_nul_in_a_form_body_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", data={"email": "a\0b@x.se"})
    assert_nul_refused(response, "email")


@pytest.mark.parametrize(
    "url", ["/api/providers?offset=2147483648", "/api/providers?offset=99999999999999999999"]
)
async def test_an_offset_past_any_page_is_422(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code == 422, response.text
    assert response.json()["details"][0]["field"] == "offset"


async def test_a_page_past_any_page_is_422(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    response = await client.get(f"/api/providers/{provider.id}/reviews?page=2147483647")
    assert response.status_code == 422, response.text
    assert response.json()["details"][0]["field"] == "page"


async def test_removing_the_business_name_is_422_and_keeps_it(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.user(db_session, user_type="provider")
    provider = await factories.provider(db_session, owner, business_name="Hovslageri Hanna")
    headers = await logged_in(db_session, owner)
    response = await client.put(
        f"/api/providers/{provider.id}", json={"businessName": None}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["details"][0]["field"] == "businessName"
    await db_session.refresh(provider)
    assert provider.business_name == "Hovslageri Hanna"


async def test_a_body_over_the_cap_is_413_before_it_is_read(
    test_database: DatabaseTarget, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with (
        app_with(test_database, sessionmaker, request_max_body_bytes=1000) as app,
        client_for(app) as client,
    ):
        declared = await client.post("/api/auth/login", content=b"x" * 1001)

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(5):
                yield b"y" * 300

        streamed = await client.post(
            "/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
        small = await client.post("/api/auth/login", json={"email": "a@x.se", "password": "x"})
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json() == {
            "error": "Förfrågans innehåll är för stort.",
            "code": "PAYLOAD_TOO_LARGE",
            "details": {"maxBytes": 1000},
        }
    assert small.status_code == 401  # under the cap: the route ran


async def test_a_body_that_trickles_in_is_408(
    test_database: DatabaseTarget, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with (
        app_with(test_database, sessionmaker, request_body_timeout_seconds=0.3) as app,
        client_for(app) as client,
    ):

        async def slowly() -> AsyncIterator[bytes]:
            yield b'{"email": '
            await asyncio.sleep(1.0)
            yield b'"a@x.se", "password": "x"}'

        response = await client.post(
            "/api/auth/login", content=slowly(), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 408
    assert response.json()["code"] == "REQUEST_TIMEOUT"


async def test_english_messages_for_the_guard(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/providers?city=a%00b", headers={"Accept-Language": "en"})
    assert (
        response.json()["details"][0]["message"] == "The text contains a forbidden character (NUL)."
    )


# --- database faults inside middleware -----------------------------------------------------


@pytest.fixture
async def unreachable_maker() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a database port nobody listens on (PostgreSQL down)."""
    target = parse_database_url(f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
    engine = create_engine(target, make_settings(target))
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_database_down_in_the_rate_limiters_session_lookup_is_503(
    test_database: DatabaseTarget,
    unreachable_maker: async_sessionmaker[AsyncSession],
    db_session: AsyncSession,
) -> None:
    headers = await logged_in(db_session, await factories.customer(db_session))
    async with app_with(test_database, unreachable_maker) as app, client_for(app) as client:
        response = await client.get("/api/profile", headers=headers)  # per-user "api" limit
        english = await client.get("/api/profile", headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 503
    assert response.json() == {
        "error": "Databasen går inte att nå just nu. Försök igen om en stund.",
        "code": "DATABASE_UNAVAILABLE",
    }
    assert response.headers["retry-after"] == "5"
    assert english.json()["code"] == "DATABASE_UNAVAILABLE"


async def test_database_down_in_the_login_gate_is_503(
    test_database: DatabaseTarget, unreachable_maker: async_sessionmaker[AsyncSession]
) -> None:
    # A malformed body on a protected route asks the login gate (a session lookup) first.
    async with app_with(test_database, unreachable_maker) as app, client_for(app) as client:
        response = await client.put(
            "/api/profile",
            content=b"{not json",
            headers={"Authorization": "Bearer abc", "Content-Type": "application/json"},
        )
    assert response.status_code == 503
    assert response.json()["code"] == "DATABASE_UNAVAILABLE"


async def test_an_exhausted_pool_in_the_session_lookup_is_503_database_busy(
    test_database: DatabaseTarget, db_session: AsyncSession
) -> None:
    headers = await logged_in(db_session, await factories.customer(db_session))
    settings = make_settings(test_database, db_pool_timeout_seconds=0.2)
    engine = create_engine(test_database, settings, pool_size=1)
    try:
        async with (
            engine.connect(),  # the only connection, held
            app_with(test_database, create_sessionmaker(engine)) as app,
            client_for(app) as client,
        ):
            response = await client.get("/api/profile", headers=headers)
    finally:
        await engine.dispose()
    assert response.status_code == 503
    assert response.json()["code"] == "DATABASE_BUSY"
