"""The nine rate limiters (S4): 429 with Retry-After and the Swedish message, keyed as §7.23
asks, applied before the body is read, shared through real Redis by several server processes,
and never a 500 when Redis is down."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.urls import DatabaseTarget
from equinet.kit.rate_limit import LIMITERS, RateLimiter
from equinet.kit.rate_limit_routes import limit_route
from tests import factories
from tests.accounts.conftest import AppFactory, client_for, free_port
from tests.accounts.helpers import logged_in
from tests.conftest import make_settings, url_of

REDIS_URL = os.environ.get("REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")
ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "login": ("För många inloggningsförsök. Försök igen om 15 minuter.", None),
    "registration": ("För många registreringsförsök. Försök igen om en timme.", None),
    "api": ("För många förfrågningar. Försök igen om en minut.", None),
    "booking": (
        "För många bokningar",
        "Du kan göra max 2 bokningar per timme. Försök igen senare.",
    ),
    "passwordReset": ("För många försök att återställa lösenord. Försök igen om en timme.", None),
    "profileUpdate": ("För många ändringar. Vänta en stund innan du gör fler ändringar.", None),
    "serviceCreate": (
        "För många tjänster skapade",
        "Du kan skapa max 2 tjänster per timme. Försök igen senare.",
    ),
    "geocode": ("För många geocoding-förfrågningar. Försök igen om en minut.", None),
    "resendVerification": ("För många försök. Vänta 15 minuter innan du försöker igen.", None),
}
PRODUCTION = {
    "login": (5, 15 * 60),
    "registration": (3, 3600),
    "api": (100, 60),
    "booking": (10, 3600),
    "passwordReset": (3, 3600),
    "profileUpdate": (20, 3600),
    "serviceCreate": (10, 3600),
    "geocode": (30, 60),
    "resendVerification": (3, 15 * 60),
}


def test_production_numbers_are_the_design_documents() -> None:
    limiter = RateLimiter(make_settings(rate_limit_multiplier=1, redis_url=None))
    for name, (amount, seconds) in PRODUCTION.items():
        item = limiter.items[name]
        assert (item.amount, item.get_expiry()) == (amount, seconds), name
    assert limiter.items["loginIp"].amount == 20  # 5 x RATE_LIMIT_LOGIN_IP_FACTOR (4)
    assert set(EXPECTED) == set(LIMITERS) == set(PRODUCTION)


def _tight(limit: str = "2/hour") -> dict[str, str]:
    limits = {name: limit for name in LIMITERS}
    limits["loginIp"] = limit
    return limits


@pytest.mark.parametrize("name", sorted(LIMITERS))
async def test_each_limiter_answers_429_with_retry_after_and_its_message(
    app_factory: AppFactory, db_session: AsyncSession, name: str
) -> None:
    async with app_factory(rate_limits=_tight()) as app:
        path = f"/api/test-limited/{name}"

        # A login's budget is spent by failures, every other by its successes (or by each call).
        answer = 401 if LIMITERS[name].spends == "failure" else 200

        @app.post(path)
        async def limited() -> JSONResponse:
            return JSONResponse({"ok": answer == 200}, status_code=answer)

        limit_route("POST", path, name)
        user = await factories.customer(db_session)
        headers = await logged_in(db_session, user)
        async with client_for(app) as client:
            statuses = [(await client.post(path, headers=headers)).status_code for _ in range(2)]
            refused = await client.post(path, headers=headers)
    assert statuses == [answer, answer]
    assert refused.status_code == 429
    message, details = EXPECTED[name]
    expected_body = {"error": message, "code": "RATE_LIMITED"}
    if details:
        expected_body["details"] = details
    assert refused.json() == expected_body
    assert 3500 <= int(refused.headers["retry-after"]) <= 3600
    assert refused.headers["x-frame-options"] == "DENY"  # security headers on 429s too


async def test_registration_is_refused_before_the_body_is_read(app_factory: AppFactory) -> None:
    async with (
        app_factory(rate_limits={"registration": "1/hour"}) as app,
        client_for(app) as client,
    ):
        malformed = await client.post("/api/auth/register", content=b"{not json")
        account = {
            "email": "forst@example.se",
            "password": "Grus-Hage-Sadel-77",
            "firstName": "A",
            "lastName": "B",
            "userType": "customer",
        }
        first = await client.post("/api/auth/register", json=account)
        second = await client.post("/api/auth/register", content=b"{not json")
    assert malformed.status_code == 422  # parsed (and refused): a failure spends nothing
    assert first.status_code == 201  # the one sign-up of the hour
    assert second.status_code == 429  # over the limit: the body was never looked at


async def test_forged_forwarded_for_does_not_escape_the_limit(app_factory: AppFactory) -> None:
    async with (
        app_factory(rate_limits={"resendVerification": "2/hour"}) as app,
        client_for(app) as client,
    ):
        statuses = [
            (
                await client.post(
                    "/api/auth/resend-verification",
                    json={"email": "a@example.se"},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"},
                )
            ).status_code
            for i in range(3)
        ]
    assert statuses == [200, 200, 429]


async def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(
    app_factory: AppFactory,
) -> None:
    async with (
        app_factory(
            rate_limits={"resendVerification": "1/hour"}, trusted_proxies=["127.0.0.1/32"]
        ) as app,
        client_for(app) as client,
    ):

        async def resend(ip: str) -> int:
            response = await client.post(
                "/api/auth/resend-verification",
                json={"email": "a@example.se"},
                headers={"X-Forwarded-For": ip},
            )
            return response.status_code

        assert [await resend("203.0.113.1"), await resend("203.0.113.2")] == [200, 200]
        assert await resend("203.0.113.1") == 429


async def test_login_is_limited_per_email_across_addresses_and_per_address(
    app_factory: AppFactory, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session)
    async with (
        app_factory(
            rate_limits={"login": "2/hour", "loginIp": "3/hour"}, trusted_proxies=["127.0.0.1/32"]
        ) as app,
        client_for(app) as client,
    ):

        async def attempt(email: str, ip: str) -> httpx.Response:
            return await client.post(
                "/api/auth/login",
                json={"email": email, "password": "fel-fel-fel-1"},
                headers={"X-Forwarded-For": ip},
            )

        # One account from three addresses: the per-e-mail limit (2) stops the third.
        results = [await attempt(user.email.upper(), f"198.51.100.{i}") for i in range(3)]
        assert [r.status_code for r in results] == [401, 401, 429]
        assert results[2].json()["error"] == EXPECTED["login"][0]
        # Many accounts from one address: the per-address limit (3) stops the fourth.
        spray = [await attempt(f"konto{i}@example.se", "192.0.2.50") for i in range(4)]
        assert [r.status_code for r in spray] == [401, 401, 401, 429]


async def test_successful_login_clears_the_email_counter(
    app_factory: AppFactory, db_session: AsyncSession
) -> None:
    user = await factories.customer(db_session)
    async with app_factory(rate_limits={"login": "2/hour"}) as app, client_for(app) as client:
        bad = {"email": user.email, "password": "fel-fel-fel-1"}
        good = {"email": user.email, "password": factories.DEFAULT_PASSWORD}
        assert (await client.post("/api/auth/login", json=bad)).status_code == 401
        assert (await client.post("/api/auth/login", json=good)).status_code == 200
        client.cookies.clear()
        assert (await client.post("/api/auth/login", json=bad)).status_code == 401
        assert (await client.post("/api/auth/login", json=bad)).status_code == 401
        assert (await client.post("/api/auth/login", json=bad)).status_code == 429


async def test_api_limit_counts_per_user_when_logged_in(
    app_factory: AppFactory, db_session: AsyncSession
) -> None:
    first = await logged_in(db_session, await factories.customer(db_session))
    second = await logged_in(db_session, await factories.customer(db_session))
    async with app_factory(rate_limits={"api": "2/minute"}) as app, client_for(app) as client:
        mine = [(await client.get("/api/profile", headers=first)).status_code for _ in range(3)]
        theirs = (await client.get("/api/profile", headers=second)).status_code
    assert mine == [200, 200, 429]
    assert theirs == 200  # same address, other user: their own budget


async def test_profile_updates_are_limited(
    app_factory: AppFactory, db_session: AsyncSession
) -> None:
    headers = await logged_in(db_session, await factories.customer(db_session))
    async with (
        app_factory(rate_limits={"profileUpdate": "1/hour"}) as app,
        client_for(app) as client,
    ):
        body = {"firstName": "A", "lastName": "B"}
        statuses = [
            (await client.put("/api/profile", json=body, headers=headers)).status_code
            for _ in range(2)
        ]
    assert statuses == [200, 429]


@needs_redis
async def test_counts_are_kept_in_redis(app_factory: AppFactory) -> None:
    from redis.asyncio import Redis

    prefix = f"test-{uuid.uuid4().hex}"
    async with app_factory(rate_limit_key_prefix=prefix) as app, client_for(app) as client:
        assert app.state.rate_limiter.uses_redis
        await client.post("/api/auth/resend-verification", json={"email": "a@example.se"})
    redis = Redis.from_url(REDIS_URL or "")
    try:
        keys = [k async for k in redis.scan_iter(match=f"*{prefix}*")]
    finally:
        await redis.aclose()
    assert keys, "no rate-limit key in Redis"


# --- several processes, Redis outages ------------------------------------------------------


@contextlib.contextmanager
def servers(count: int, env: dict[str, str], tmp: Path) -> Iterator[list[str]]:
    """`count` x `equinet serve` subprocesses on free ports, started together; their base URLs
    once all answer /api/health."""
    started: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for _ in range(count):
            port = free_port()
            log = tmp / f"serve-{port}.log"
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "equinet"), "serve", "--port", str(port)],
                cwd=tmp,  # no project .env
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log.open("wb"),
            )
            started.append((process, f"http://127.0.0.1:{port}", log))
        deadline = time.monotonic() + 90
        for process, base, log in started:
            while True:
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    text = log.read_text(errors="replace")
                    raise AssertionError(f"server did not start:\n{text[-3000:]}")
                time.sleep(0.2)
        yield [base for _, base, _ in started]
    finally:
        for process, _, _ in started:
            process.terminate()
        for process, _, _ in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@needs_redis
def test_two_server_processes_share_one_limit_through_redis(
    test_database: DatabaseTarget, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url_of(test_database),
        "EQUINET_ENV": "test",
        "REDIS_URL": REDIS_URL or "",
        "RATE_LIMITS": json.dumps({"passwordReset": "3/minute"}),
        "RATE_LIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "EMAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),  # this checkout's code, not an installed copy
    }
    env.pop("SMTP_HOST", None)
    with servers(2, env, tmp_path) as bases:
        statuses = []
        for i in range(6):
            base = bases[i % 2]
            response = httpx.post(
                f"{base}/api/auth/forgot-password", json={"email": "ingen@example.se"}, timeout=10
            )
            statuses.append(response.status_code)
    # Counted per process this would be six 200s; shared, the fourth request is refused.
    assert statuses == [200, 200, 200, 429, 429, 429]


async def test_redis_down_means_no_500_and_a_per_process_limit(
    app_factory: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="equinet.redis")
    closed = f"redis://127.0.0.1:{free_port()}/0"
    async with (
        app_factory(redis_url=closed, rate_limits={"resendVerification": "2/minute"}) as app,
        client_for(app) as client,
    ):
        statuses = [
            (
                await client.post("/api/auth/resend-verification", json={"email": "a@example.se"})
            ).status_code
            for _ in range(3)
        ]
        assert app.state.rate_limiter.counts_per_process
    assert statuses == [200, 200, 429]
    warnings = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(warnings) == 1


class _Forwarder:
    """A TCP relay to the real Redis that can be cut and restored (a network outage)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.links.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.links:
            writer.close()
        self.links.clear()
        await self.server.wait_closed()


@pytest.fixture
async def redis_relay() -> AsyncIterator[_Forwarder]:
    target = httpx.URL((REDIS_URL or "redis://127.0.0.1:6379/0").replace("redis://", "http://"))
    relay = _Forwarder(target.host, target.port or 6379)
    await relay.start()
    yield relay
    with contextlib.suppress(Exception):
        await relay.stop()


@needs_redis
async def test_limiter_returns_to_redis_when_it_answers_again(
    redis_relay: _Forwarder, caplog: pytest.LogCaptureFixture, app: FastAPI
) -> None:
    caplog.set_level(logging.WARNING, logger="equinet.redis")
    db_index = (REDIS_URL or "").rsplit("/", 1)[-1] or "0"
    limiter = RateLimiter(
        make_settings(
            redis_url=f"redis://127.0.0.1:{redis_relay.port}/{db_index}",
            rate_limits={"geocode": "100/minute"},
            rate_limit_key_prefix=f"test-{uuid.uuid4().hex}",
            rate_limit_redis_probe_seconds=0.2,
            redis_recovery_seconds=0.3,
        )
    )
    try:
        assert await limiter.hit("geocode", "ip:1") is None and limiter.uses_redis
        await redis_relay.stop()
        for _ in range(3):  # the outage: answered from memory, warned about once
            assert await limiter.hit("geocode", "ip:1") is None
        assert not limiter.uses_redis
        await redis_relay.start()
        await asyncio.sleep(0.3)  # past the probe interval
        assert await limiter.hit("geocode", "ip:1") is None
        assert limiter.uses_redis and limiter.counts_per_process  # back, on probation
        await asyncio.sleep(0.35)  # past REDIS_RECOVERY_SECONDS
        assert await limiter.hit("geocode", "ip:1") is None
        assert not limiter.counts_per_process
    finally:
        await limiter.aclose()
    messages = [r.getMessage() for r in caplog.records]
    assert sum("Redis unreachable" in m for m in messages) == 1
    assert any("Redis answers again" in m for m in messages)


async def test_refusals_are_counted_under_their_route_and_limiter(
    app_factory: AppFactory,
) -> None:
    from prometheus_client import REGISTRY

    def value(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    route = {"method": "POST", "route": "/api/auth/resend-verification", "status": "4xx"}
    before_route = value("equinet_http_requests_total", **route)
    before = value("equinet_rate_limit_rejections_total", limiter="resendVerification")
    async with (
        app_factory(rate_limits={"resendVerification": "1/hour"}) as app,
        client_for(app) as client,
    ):
        for _ in range(3):
            await client.post("/api/auth/resend-verification", json={"email": "a@example.se"})
    assert value("equinet_rate_limit_rejections_total", limiter="resendVerification") == before + 2
    assert value("equinet_http_requests_total", **route) == before_route + 2
