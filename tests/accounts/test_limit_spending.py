"""Limits count what they name: "10 bokningar per timme" counts bookings made, so rejected
tries (409, 422, 404) spend nothing; the same for sign-ups, services, profile changes and
password resets. Login is the other way round: failures spend, a success spends nothing and
clears that e-mail's count. A foreign site cannot log a browser in, and `/metrics` needs its
token (or a loopback client) in production. Counts live in the real Redis of REDIS_URL."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.ops.metrics import may_read_metrics
from equinet.settings import Environment
from tests import factories
from tests.accounts.conftest import AppFactory, client_for
from tests.accounts.helpers import STRONG_PASSWORD, logged_in
from tests.bookings.support import future_day, make_shop
from tests.conftest import make_settings


def assert_counts_in_redis(app: FastAPI) -> None:
    if os.environ.get("REDIS_URL"):
        assert app.state.rate_limiter.uses_redis


async def test_rejected_booking_tries_do_not_use_up_the_hourly_bookings(
    app_factory: AppFactory, db_session: AsyncSession
) -> None:
    shop = await make_shop(db_session)
    headers = await logged_in(db_session, await factories.customer(db_session))

    def booking(start: str, **overrides: Any) -> dict[str, Any]:
        body = {
            "providerId": shop.provider.id,
            "serviceId": shop.service.id,
            "bookingDate": future_day().isoformat(),
            "startTime": start,
        }
        return {**body, **overrides}

    async with app_factory(rate_limits={"booking": "2/hour"}) as app, client_for(app) as client:
        assert_counts_in_redis(app)

        async def book(body: dict[str, Any]) -> int:
            return (await client.post("/api/bookings", json=body, headers=headers)).status_code

        assert await book(booking("10:00")) == 201
        rejected = [
            await book(booking("10:00")),  # taken
            await book(booking("10:30", startTime="25:00")),  # malformed
            await book(booking("10:00", serviceId="no-such-service")),
            await book(booking("10:00")),
        ]
        assert all(400 <= status < 500 and status != 429 for status in rejected), rejected
        assert await book(booking("13:00")) == 201  # the second booking of the hour
        assert await book(booking("15:30")) == 429  # and the third is one too many


async def test_failed_sign_ups_do_not_lock_registration(app_factory: AppFactory) -> None:
    def account(number: int, **overrides: Any) -> dict[str, Any]:
        body = {
            "email": f"ny{number}@example.se",
            "password": STRONG_PASSWORD,
            "firstName": "Ny",
            "lastName": "Kund",
            "userType": "customer",
        }
        return {**body, **overrides}

    async with (
        app_factory(rate_limits={"registration": "1/hour"}) as app,
        client_for(app) as client,
    ):
        failures = [
            (await client.post("/api/auth/register", json=account(i, password="kort"))).status_code
            for i in range(3)
        ]
        created = await client.post("/api/auth/register", json=account(10))
        over = await client.post("/api/auth/register", json=account(11))
    assert failures == [422, 422, 422]
    assert created.status_code == 201, created.text
    assert over.status_code == 429


async def test_invalid_services_and_profile_changes_spend_nothing(
    app_factory: AppFactory, db_session: AsyncSession
) -> None:
    owner = await factories.user(db_session, user_type="provider")
    await factories.provider(db_session, owner)
    headers = await logged_in(db_session, owner)
    service = {"name": "Verkning", "price": 600, "durationMinutes": 45}
    async with (
        app_factory(rate_limits={"serviceCreate": "1/hour", "profileUpdate": "1/hour"}) as app,
        client_for(app) as client,
    ):
        bad_services = [
            (
                await client.post("/api/services", json={**service, "price": -1}, headers=headers)
            ).status_code
            for _ in range(2)
        ]
        good_service = await client.post("/api/services", json=service, headers=headers)
        over_service = await client.post("/api/services", json=service, headers=headers)
        bad_profiles = [
            (await client.put("/api/profile", json={"firstName": ""}, headers=headers)).status_code
            for _ in range(2)
        ]
        profile = {"firstName": "Hanna", "lastName": "Hov"}
        good_profile = await client.put("/api/profile", json=profile, headers=headers)
        over_profile = await client.put("/api/profile", json=profile, headers=headers)
    assert bad_services == [422, 422]
    assert (good_service.status_code, over_service.status_code) == (201, 429)
    assert bad_profiles == [422, 422]
    assert (good_profile.status_code, over_profile.status_code) == (200, 429)


async def test_bad_reset_links_spend_nothing_and_a_reset_request_does(
    app_factory: AppFactory,
) -> None:
    async with (
        app_factory(rate_limits={"passwordReset": "1/hour"}) as app,
        client_for(app) as client,
    ):
        bad_links = [
            (
                await client.post(
                    "/api/auth/reset-password",
                    json={"token": "0" * 64, "password": STRONG_PASSWORD},
                )
            ).status_code
            for _ in range(3)
        ]
        asked = await client.post("/api/auth/forgot-password", json={"email": "a@example.se"})
        again = await client.post("/api/auth/forgot-password", json={"email": "a@example.se"})
    assert all(400 <= status < 500 and status != 429 for status in bad_links), bad_links
    assert (asked.status_code, again.status_code) == (200, 429)


async def test_successful_logins_do_not_spend_the_address_budget(
    app_factory: AppFactory, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session)
    good = {"email": user.email, "password": factories.DEFAULT_PASSWORD}
    bad = {"email": "okand@example.se", "password": "fel-fel-fel-1"}
    async with (
        app_factory(rate_limits={"login": "10/hour", "loginIp": "2/hour"}) as app,
        client_for(app) as client,
    ):
        successes = []
        for _ in range(4):
            successes.append((await client.post("/api/auth/login", json=good)).status_code)
            client.cookies.clear()
        failures = [(await client.post("/api/auth/login", json=bad)).status_code for _ in range(3)]
    assert successes == [200, 200, 200, 200]
    assert failures == [401, 401, 429]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "https://evil.example"}, 403),
        ({"Referer": "https://evil.example/login"}, 403),
        ({"Origin": "null"}, 403),
        ({"Origin": "http://testserver"}, 200),
        ({"Origin": "http://127.0.0.1:8000"}, 200),  # PUBLIC_BASE_URL
        ({}, 200),  # an API client names no origin
    ],
)
async def test_login_from_a_foreign_origin_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession, headers: dict[str, str], status: int
) -> None:
    user = await factories.customer(db_session)
    response = await client.post(
        "/api/auth/login",
        json={"email": user.email, "password": factories.DEFAULT_PASSWORD},
        headers=headers,
    )
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["code"] == "CSRF_REJECTED"
        assert "set-cookie" not in response.headers


# --- /metrics ----------------------------------------------------------------------------


def scope_from(address: str, token: str | None = None) -> dict[str, Any]:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    return {"type": "http", "client": (address, 40000), "headers": headers}


def test_in_production_metrics_need_the_token_or_a_loopback_client() -> None:
    production = make_settings(equinet_env=Environment.production, metrics_token="s3cret-token")
    assert may_read_metrics(scope_from("127.0.0.1"), production)
    assert may_read_metrics(scope_from("::1"), production)
    assert may_read_metrics(scope_from("203.0.113.9", "s3cret-token"), production)
    assert not may_read_metrics(scope_from("203.0.113.9"), production)
    assert not may_read_metrics(scope_from("203.0.113.9", "wrong"), production)
    no_token = make_settings(equinet_env=Environment.production)
    assert not may_read_metrics(scope_from("203.0.113.9"), no_token)
    assert may_read_metrics(scope_from("127.0.0.1"), no_token)
    # A forged X-Forwarded-For from an untrusted peer is not a loopback client.
    forged = scope_from("203.0.113.9")
    forged["headers"].append((b"x-forwarded-for", b"127.0.0.1"))
    assert not may_read_metrics(forged, no_token)


async def test_metrics_over_http_refuse_a_remote_scraper_without_the_token(
    app_factory: AppFactory,
) -> None:
    async with app_factory(metrics_token="s3cret-token") as app:
        remote = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=remote, base_url="http://testserver") as client:
            refused = await client.get("/metrics")
            allowed = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
        async with client_for(app) as local:  # the test transport's client is 127.0.0.1
            on_host = await local.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["code"] == "METRICS_TOKEN_REQUIRED"
    assert allowed.status_code == 200 and "equinet_http_requests_total" in allowed.text
    assert on_host.status_code == 200
