"""CSRF, security headers and the client address behind proxies (spec §4.2, §7.23)."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.client_ip import client_ip
from equinet.kit.csrf import origin_of
from equinet.kit.security_headers import security_headers
from equinet.settings import Environment
from tests import factories
from tests.accounts.helpers import login
from tests.conftest import make_settings

PROFILE = {"firstName": "Eva", "lastName": "Ek"}


async def _cookie_client(client: httpx.AsyncClient, db_session: AsyncSession) -> str:
    user = await factories.customer(db_session)
    token = await login(client, user.email)
    client.cookies.set("equinet_session", token)
    return token


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/form.html"},
        {},  # neither Origin nor Referer
    ],
)
async def test_cookie_authenticated_write_from_a_foreign_origin_is_rejected(
    client: httpx.AsyncClient, db_session: AsyncSession, headers: dict[str, str]
) -> None:
    await _cookie_client(client, db_session)
    response = await client.put("/api/profile", json=PROFILE, headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "CSRF_REJECTED"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver"},
        {"Referer": "http://testserver/profil"},
        {"Origin": "http://127.0.0.1:8000"},  # PUBLIC_BASE_URL
    ],
)
async def test_cookie_authenticated_write_from_our_origin_is_accepted(
    client: httpx.AsyncClient, db_session: AsyncSession, headers: dict[str, str]
) -> None:
    await _cookie_client(client, db_session)
    response = await client.put("/api/profile", json=PROFILE, headers=headers)
    assert response.status_code == 200, response.text


async def test_bearer_requests_are_exempt_from_the_origin_check(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session)
    token = await login(client, user.email)
    response = await client.put(
        "/api/profile",
        json=PROFILE,
        headers={"Authorization": f"Bearer {token}", "Origin": "https://evil.example"},
    )
    assert response.status_code == 200


async def test_reads_with_a_cookie_need_no_origin(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    await _cookie_client(client, db_session)
    assert (await client.get("/api/profile")).status_code == 200


async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/api/health"),
        await client.get("/api/no-such-thing"),
        await client.post("/api/auth/login", json={}),
    ):
        headers = response.headers
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "camera=()" in headers["permissions-policy"]
        assert headers["cross-origin-opener-policy"] == "same-origin"
        # Not production: no HSTS, no upgrade-insecure-requests, no unsafe-eval (test env).
        assert "strict-transport-security" not in headers
        assert "upgrade-insecure-requests" not in headers["content-security-policy"]
        assert "'unsafe-eval'" not in headers["content-security-policy"]


async def test_api_docs_load_swagger_from_our_own_origin(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "cdn.jsdelivr.net" not in docs.text
    assert "jsdelivr" not in docs.headers["content-security-policy"]
    scripts = re.findall(r'<script src="([^"]+)"', docs.text)
    assert scripts and all(src.startswith("/") for src in scripts)
    for src in scripts:
        asset = await client.get(src)
        assert asset.status_code == 200 and len(asset.content) > 1000


def test_production_adds_hsts_and_upgrade_insecure_requests() -> None:
    headers = security_headers(make_settings(equinet_env=Environment.production))
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "upgrade-insecure-requests" in headers["Content-Security-Policy"]
    development = security_headers(make_settings(equinet_env=Environment.development))
    assert "'unsafe-eval'" in development["Content-Security-Policy"]


def test_production_session_cookie_is_host_bound_and_secure() -> None:
    production = make_settings(equinet_env=Environment.production)
    assert production.session_cookie_name == "__Host-equinet_session"
    assert production.session_cookie_secure


def _scope(peer: str, forwarded: str | None = None) -> dict[str, object]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return {"type": "http", "client": (peer, 5000), "headers": headers}


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() -> None:
    assert client_ip(_scope("198.51.100.7", "1.2.3.4"), []) == "198.51.100.7"
    assert client_ip(_scope("198.51.100.7", "1.2.3.4"), ["10.0.0.0/8"]) == "198.51.100.7"


def test_behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() -> None:
    trusted = ["10.0.0.0/8", "192.168.1.1"]
    # The client forged "6.6.6.6"; our proxies appended what they saw.
    scope = _scope("10.0.0.2", "6.6.6.6, 203.0.113.9, 192.168.1.1")
    assert client_ip(scope, trusted) == "203.0.113.9"
    assert client_ip(_scope("10.0.0.2", "2001:db8::1"), trusted) == "2001:db8::1"
    assert client_ip(_scope("10.0.0.2"), trusted) == "10.0.0.2"


def test_origins_are_compared_without_default_ports() -> None:
    assert origin_of("https://Equinet.se:443/a?b") == "https://equinet.se"
    assert origin_of("http://127.0.0.1:8000/x") == "http://127.0.0.1:8000"
    assert origin_of("null") is None
