"""A hung Redis costs nothing: a real redis-server of the test's own, stopped with SIGSTOP
(hung: the socket accepts, nothing answers) and resumed with SIGCONT. Limiter and listing
cache give up after REDIS_TIMEOUT_SECONDS once, then stop asking for a while; one WARNING per
outage; the limits still hold, counted per process, and stay counted per process for
REDIS_RECOVERY_SECONDS after Redis is back, so a flapping Redis never resets a budget."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from equinet.kit.rate_limit import RateLimiter
from equinet.kit.redis_breaker import RedisBreaker
from equinet.providers.cache import ALL, ProviderListingCache
from tests.accounts.conftest import free_port
from tests.conftest import make_settings

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


class RedisProcess:
    """A redis-server on its own port: stop() hangs it, resume() wakes it, kill() ends it."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                *(str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        import redis

        while True:
            try:
                redis.Redis(port=self.port, socket_timeout=0.5).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def hang(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        self.resume()
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path)
    try:
        yield server
    finally:
        server.close()


def limiter_on(server: RedisProcess, **overrides: Any) -> RateLimiter:
    values: dict[str, Any] = {
        "redis_url": server.url,
        "rate_limits": {"login": "3/minute"},
        "rate_limit_key_prefix": f"test-{uuid.uuid4().hex}",
        "redis_timeout_seconds": 0.2,
        "rate_limit_redis_probe_seconds": 0.5,
        "redis_recovery_seconds": 1.0,
        **overrides,
    }
    return RateLimiter(make_settings(**values))


def redis_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "equinet.redis"]


async def timed_hit(limiter: RateLimiter, key: str) -> tuple[float, bool]:
    started = time.perf_counter()
    refused = await limiter.hit("login", key) is not None
    return time.perf_counter() - started, refused


async def test_a_hung_redis_costs_one_timeout_then_nothing_and_limits_hold(
    redis_server: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    limiter = limiter_on(redis_server)
    try:
        assert await limiter.hit("login", "ip:a") is None and limiter.uses_redis
        redis_server.hang()
        first, _ = await timed_hit(limiter, "ip:b")
        later = [await timed_hit(limiter, "ip:b") for _ in range(20)]
        assert first < 0.5  # the timeout (0.2 s), not redis-py's default seconds
        assert sum(seconds for seconds, _ in later) < 0.1  # the breaker is open: no waiting
        # The limit still holds, counted in this process: 3 allowed, then refused.
        assert [refused for _, refused in later[:3]] == [False, False, True]
        assert limiter.counts_per_process
    finally:
        redis_server.resume()
        await limiter.aclose()
    warnings = redis_warnings(caplog)
    assert len(warnings) == 1 and "Redis unreachable" in warnings[0]
    assert not [r for r in caplog.records if r.exc_info]  # no traceback per request


async def test_back_in_redis_only_after_the_recovery_time_and_a_flap_keeps_the_count(
    redis_server: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    limiter = limiter_on(redis_server)
    try:
        redis_server.hang()
        for _ in range(3):  # the outage spends this key's whole budget in this process
            await limiter.hit("login", "email:x")
        redis_server.resume()
        await asyncio.sleep(0.6)  # past the open time: the next call probes Redis and it answers
        assert await limiter.hit("login", "ip:other") is None
        assert limiter.uses_redis and limiter.counts_per_process  # back, still on probation
        # Redis holds no count for email:x, yet the per-process count still refuses it.
        assert await limiter.hit("login", "email:x") is not None
        redis_server.hang()  # a flap inside the recovery time: the same outage
        await limiter.hit("login", "ip:other")
        assert await limiter.hit("login", "email:x") is not None
        redis_server.resume()
        await asyncio.sleep(0.6)
        await limiter.hit("login", "ip:other")  # probe answers: probation starts again
        assert limiter.counts_per_process
        await asyncio.sleep(1.1)  # past REDIS_RECOVERY_SECONDS without a failure
        await limiter.hit("login", "ip:other")
        assert not limiter.counts_per_process
    finally:
        redis_server.resume()
        await limiter.aclose()
    warnings = redis_warnings(caplog)
    assert sum("Redis unreachable" in w for w in warnings) == 1
    assert sum("Redis answers again" in w for w in warnings) == 1
    assert warnings[-1].startswith("Redis answers again")


@asynccontextmanager
async def app_on(
    test_database: DatabaseTarget,
    sessionmaker: async_sessionmaker[AsyncSession],
    server: RedisProcess,
) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        test_database,
        redis_url=server.url,
        redis_timeout_seconds=0.2,
        rate_limit_redis_probe_seconds=5,
        rate_limit_key_prefix=f"test-{uuid.uuid4().hex}",
    )
    application = create_app(settings)
    async with LifespanManager(application):
        application.state.sessionmaker = sessionmaker
        yield application


async def test_provider_listing_with_a_hung_redis_answers_without_waiting(
    test_database: DatabaseTarget,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis_server: RedisProcess,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with app_on(test_database, sessionmaker, redis_server) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/api/providers")).status_code == 200
            redis_server.hang()
            try:
                timings = []
                for _ in range(10):
                    started = time.perf_counter()
                    response = await client.get("/api/providers?city=Uppsala")
                    timings.append(time.perf_counter() - started)
                    assert response.status_code == 200
            finally:
                redis_server.resume()
    # The first request pays one timeout (limiter and cache share the breaker); no other does.
    assert timings[0] < 0.6
    assert max(timings[1:]) < 0.15, timings
    warnings = redis_warnings(caplog)
    assert len(warnings) == 1, warnings
    assert not [r for r in caplog.records if r.exc_info]


async def test_an_invalidation_redis_missed_is_made_when_it_is_back(
    test_database: DatabaseTarget,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis_server: RedisProcess,
) -> None:
    async with app_on(test_database, sessionmaker, redis_server) as app:
        cache = app.state.provider_listings
        cache.breaker.open_seconds = 0.3
        # A second worker on the same Redis, which never hears of the missed write itself.
        other = ProviderListingCache(
            redis=cache.redis, namespace="", ttl_seconds=300, breaker=RedisBreaker(
                timeout_seconds=0.25, open_seconds=0.3, recovery_seconds=0.0
            ),
        )  # fmt: skip
        other.prefix = cache.prefix
        other.close()
        before = await cache.lookup("list", {"q": 1}, ALL)
        await cache.store("list", {"q": 1}, before, b"old", ["p1"])
        assert (await other.lookup("list", {"q": 1}, ALL)).body == b"old"
        redis_server.hang()
        try:
            await cache.invalidate(["p1"])  # a provider changed while Redis was hung
        finally:
            redis_server.resume()
        # Until the missed invalidation lands, this process does not use the cache ...
        assert (await cache.lookup("list", {"q": 1}, ALL)).body is None
        for _ in range(50):
            if cache._pending is None:
                break
            await asyncio.sleep(0.1)
        # ... and once it has, the stale page is gone for every worker.
        assert cache._pending is None
        assert (await other.lookup("list", {"q": 1}, ALL)).body is None
