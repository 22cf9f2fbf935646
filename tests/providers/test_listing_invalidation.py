"""The listing cache drops only what a write changes, for every worker sharing Redis, and never
stores a page computed before a write it missed; its hits and misses are in /metrics."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.kit.dates import today_local
from equinet.models import Service
from equinet.providers.cache import ProviderListingCache, listing_scope
from equinet.settings import Settings
from tests import factories
from tests.ops.test_metrics import metric
from tests.providers.support import Owner, provider_owner

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")


@asynccontextmanager
async def worker(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], *, hears_writes: bool
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """One app process: its own cache object on the shared Redis."""
    application = create_app(
        settings.model_copy(update={"redis_url": os.environ["REDIS_URL"], "metrics_token": None})
    )
    async with LifespanManager(application):
        application.state.sessionmaker = sessionmaker
        if not hears_writes:
            # Another process: this one learns of writes only through Redis.
            application.state.provider_listings.close()
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield application, client


@pytest.fixture
async def workers(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        worker(settings, sessionmaker, hears_writes=True) as (_, first),
        worker(settings, sessionmaker, hears_writes=False) as (second_app, second),
    ):
        await second_app.state.provider_listings.invalidate_all()
        yield first, second


async def listing(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/providers", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def prices(body: dict[str, Any]) -> dict[str, float]:
    return {item["businessName"]: item["services"][0]["price"] for item in body["data"]}


async def shop(
    db: AsyncSession, settings: Settings, name: str, **place: Any
) -> tuple[Owner, Service]:
    owner = await provider_owner(db, settings, business_name=name, **place)
    service = await factories.service(db, owner.provider, name="Skoning", price=900.0)
    return owner, service


async def behind_the_back(db: AsyncSession, service: Service, price: float) -> None:
    """A change the application is not told about: visible only once the cache is dropped."""
    await db.execute(update(Service).where(Service.id == service.id).values(price=price))
    await db.flush()


async def test_a_price_change_refreshes_its_listing_on_every_worker_and_no_other(
    workers: tuple[httpx.AsyncClient, httpx.AsyncClient],
    db_session: AsyncSession,
    settings: Settings,
) -> None:
    first, second = workers
    owner_a, service_a = await shop(db_session, settings, "Alfa", city="Aby")
    _, service_b = await shop(db_session, settings, "Beta", city="Bby")
    for client in (first, second):
        assert prices(await listing(client, city="Aby")) == {"Alfa": 900.0}
        assert prices(await listing(client, city="Bby")) == {"Beta": 900.0}
    await behind_the_back(db_session, service_b, 1.0)

    changed = await first.put(
        f"/api/services/{service_a.id}",
        headers=owner_a.headers,
        json={"name": "Skoning", "price": 1250, "durationMinutes": 60},
    )
    assert changed.status_code == 200, changed.text
    # The other worker never heard of the write but reads the fresh page through Redis ...
    assert prices(await listing(second, city="Aby")) == {"Alfa": 1250.0}
    # ... and the listing without A is still the cached one (the hidden change stays hidden).
    assert prices(await listing(second, city="Bby")) == {"Beta": 900.0}
    assert prices(await listing(first, city="Bby")) == {"Beta": 900.0}


async def test_a_review_drops_the_listings_showing_the_provider_only(
    workers: tuple[httpx.AsyncClient, httpx.AsyncClient],
    db_session: AsyncSession,
    settings: Settings,
) -> None:
    first, second = workers
    owner_a, _ = await shop(db_session, settings, "Alfa", city="Cby")
    _, service_b = await shop(db_session, settings, "Beta", city="Cby")
    assert len((await listing(second, city="Cby"))["data"]) == 2
    assert prices(await listing(second, city="Cby", q="Beta")) == {"Beta": 900.0}
    await behind_the_back(db_session, service_b, 1.0)

    visit_day = (today_local() + timedelta(days=3)).isoformat()
    announced = await first.post(
        f"/api/providers/{owner_a.provider.id}/availability-exceptions",
        headers=owner_a.headers,
        json={"date": visit_day, "isClosed": False, "startTime": "09:00", "endTime": "15:00",
              "location": "Knivsta"},
    )  # fmt: skip
    assert announced.status_code == 201, announced.text
    # Same town, but the page without A is kept: an announced visit changes only A's entry.
    assert prices(await listing(second, city="Cby", q="Beta")) == {"Beta": 900.0}
    both = await listing(second, city="Cby")
    visits = {item["businessName"]: item["nextVisit"] for item in both["data"]}
    assert visits["Alfa"] == {"date": visit_day, "location": "Knivsta"}
    assert prices(both)["Beta"] == 1.0  # the page with A was rebuilt from the database


async def test_a_provider_moving_appears_near_its_new_point_and_leaves_the_old(
    workers: tuple[httpx.AsyncClient, httpx.AsyncClient],
    db_session: AsyncSession,
    settings: Settings,
) -> None:
    first, second = workers
    uppsala = {"latitude": 59.8586, "longitude": 17.6389}
    lulea = {"latitude": 65.5848, "longitude": 22.1547}
    malmo = {"latitude": 55.6050, "longitude": 13.0038}
    mover, _ = await shop(
        db_session, settings, "Flytt", city="Uppsala", service_area_km=30, **uppsala
    )
    _, service_far = await shop(db_session, settings, "Syd", city="Malmö", **malmo)
    assert prices(await listing(second, **uppsala)) == {"Flytt": 900.0}
    assert prices(await listing(second, **lulea)) == {}
    assert prices(await listing(second, **malmo)) == {"Syd": 900.0}
    await behind_the_back(db_session, service_far, 1.0)

    moved = await first.put(
        f"/api/providers/{mover.provider.id}",
        headers=mover.headers,
        json={"city": "Luleå", "address": "Storgatan 1", **lulea},
    )
    assert moved.status_code == 200, moved.text
    assert prices(await listing(second, **lulea)) == {"Flytt": 900.0}
    assert prices(await listing(second, **uppsala)) == {}
    assert prices(await listing(second, city="Lul")) == {"Flytt": 900.0}
    # Far from both points and in another town: still the cached page.
    assert prices(await listing(second, **malmo)) == {"Syd": 900.0}


async def test_a_page_read_before_a_write_is_never_stored_after_it(app: FastAPI) -> None:
    cache: ProviderListingCache = app.state.provider_listings
    assert cache.backend == "redis"
    await cache.invalidate_all()
    scope = listing_scope("uppsala", None)
    # A reader misses, queries (sees provider p1 before its write), and stores late.
    before = await cache.lookup("list", {"q": "race"}, scope)
    await cache.invalidate(["p1"])
    await cache.store("list", {"q": "race"}, before, b"stale", ["p1", "p2"])
    assert (await cache.lookup("list", {"q": "race"}, scope)).body is None
    # The same for a page that did not show the provider a write moved into its scope.
    before = await cache.lookup("list", {"q": "empty"}, scope)
    await cache.invalidate(["p3"], {scope})
    await cache.store("list", {"q": "empty"}, before, b"stale", [])
    assert (await cache.lookup("list", {"q": "empty"}, scope)).body is None
    # Read after the write: stored and served.
    after = await cache.lookup("list", {"q": "race"}, scope)
    await cache.store("list", {"q": "race"}, after, b"fresh", ["p1", "p2"])
    assert (await cache.lookup("list", {"q": "race"}, scope)).body == b"fresh"


@pytest.mark.parametrize("backend", ["redis", "memory"])
async def test_with_a_replica_a_page_read_before_it_replayed_the_write_is_dropped_soon(
    backend: str,
) -> None:
    redis = Redis.from_url(os.environ["REDIS_URL"]) if backend == "redis" else None
    cache = ProviderListingCache(
        redis=redis, namespace=f"replica-{uuid.uuid4()}", ttl_seconds=300,
        repeat_after_seconds=0.2,
    )  # fmt: skip
    scope = listing_scope("uppsala", None)
    try:
        await cache.invalidate(["p1"])  # the write, committed on the primary
        # A reader misses after the write but reads a replica that has not replayed it yet.
        late = await cache.lookup("list", {"q": "lag"}, scope)
        await cache.store("list", {"q": "lag"}, late, b"stale", ["p1"])
        assert (await cache.lookup("list", {"q": "lag"}, scope)).body == b"stale"
        # A reader that misses before the repeat and stores after it is refused.
        slow = await cache.lookup("list", {"q": "slow"}, scope)
        await asyncio.sleep(0.4)
        assert (await cache.lookup("list", {"q": "lag"}, scope)).body is None
        await cache.store("list", {"q": "slow"}, slow, b"stale", ["p1"])
        assert (await cache.lookup("list", {"q": "slow"}, scope)).body is None
        # Read once the replica has caught up: cached until the next write.
        fresh = await cache.lookup("list", {"q": "lag"}, scope)
        await cache.store("list", {"q": "lag"}, fresh, b"fresh", ["p1"])
        await asyncio.sleep(0.3)
        assert (await cache.lookup("list", {"q": "lag"}, scope)).body == b"fresh"
    finally:
        cache.close()
        if redis is not None:
            await redis.aclose()


async def test_hits_and_misses_move_in_metrics(
    workers: tuple[httpx.AsyncClient, httpx.AsyncClient],
    db_session: AsyncSession,
    settings: Settings,
) -> None:
    first, _ = workers
    await shop(db_session, settings, "Mätt", city="Metrikby")

    async def counts() -> tuple[float, float, str]:
        body = (await first.get("/metrics")).text
        hit = metric(body, "equinet_provider_cache_lookups_total", kind="list", result="hit")
        miss = metric(body, "equinet_provider_cache_lookups_total", kind="list", result="miss")
        return hit, miss, body

    hits, misses, _ = await counts()
    await listing(first, city="Metrikby")
    await listing(first, city="Metrikby")
    await listing(first, city="Metrikby")
    hits_after, misses_after, body = await counts()
    assert (hits_after - hits, misses_after - misses) == (2, 1)
    ratio = metric(body, "equinet_provider_cache_hit_ratio", kind="list")
    assert ratio == pytest.approx(hits_after / (hits_after + misses_after), abs=1e-3)


async def test_with_the_cache_off_the_listing_never_asks_redis(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], db_session: AsyncSession
) -> None:
    await shop(db_session, settings, "Utan", city="Nollby")
    off = settings.model_copy(update={"provider_cache_ttl_seconds": 0})
    async with worker(off, sessionmaker, hears_writes=True) as (application, client):

        class NoRedis:
            def __getattr__(self, name: str) -> Any:
                raise AssertionError(f"Redis asked for {name} with the cache off")

        application.state.provider_listings.redis = NoRedis()
        assert prices(await listing(client, city="Nollby")) == {"Utan": 900.0}
