"""DATABASE_REPLICA_URL: the public listings read the replica, a booking is judged on the primary.

The "replica" here is a second database built by the migrations whose rows deliberately differ
from the primary's (a real streaming replica is shown by bench/scale_out.py): the same provider
and service ids under another name, one provider only the replica has, and no bookings, no
customers and no sessions at all.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import create_session
from equinet.app import create_app
from equinet.db.engine import create_engine
from equinet.db.urls import DatabaseTarget
from equinet.models import Booking, Provider, Service
from equinet.ops import database
from equinet.ops.scratch import scratch_database
from tests import factories
from tests.bookings.support import future_day, open_every_day
from tests.conftest import make_settings, url_of

PRIMARY_NAME = "Primärstallet"
REPLICA_NAME = "Replikstallet"
REPLICA_ONLY = "Bara på repliken"


@dataclass(frozen=True)
class Pair:
    primary: DatabaseTarget
    replica: DatabaseTarget
    provider_id: str
    service_id: str
    token: str


async def _shared_provider(db: AsyncSession, name: str, ids: dict[str, str]) -> None:
    """The same owner, provider and service ids in both databases, under different names."""
    owner = await factories.user(db, user_type="provider", id=ids["owner"], email=ids["email"])
    provider = await factories.provider(db, owner, id=ids["provider"], business_name=name)
    await open_every_day(db, provider)
    await factories.service(db, provider, id=ids["service"], duration_minutes=60)


@pytest.fixture(scope="module")
async def pair(database_server: DatabaseTarget) -> AsyncIterator[Pair]:
    async with (
        scratch_database(database_server, "primary") as primary,
        scratch_database(database_server, "replica") as replica,
    ):
        for target in (primary, replica):
            await database.migrate(target, make_settings(target))
        ids = {
            "owner": str(uuid.uuid4()),
            "email": "delad@example.se",
            "provider": str(uuid.uuid4()),
            "service": str(uuid.uuid4()),
        }
        settings = make_settings(primary)
        primary_engine = create_engine(primary, settings)
        replica_engine = create_engine(replica, settings)
        try:
            async with AsyncSession(primary_engine, expire_on_commit=False) as db:
                await _shared_provider(db, PRIMARY_NAME, ids)
                customer = await factories.customer(db)
                token = await create_session(db, customer, settings)
                # The slot that is taken on the primary and looks free on the replica.
                await factories.booking(
                    db,
                    at=await db.get(Provider, ids["provider"]),
                    for_service=await db.get(Service, ids["service"]),
                    day=future_day(9),
                    start_time="10:00",
                    end_time="11:00",
                    status="confirmed",
                )
                await db.commit()
            async with AsyncSession(replica_engine, expire_on_commit=False) as db:
                await _shared_provider(db, REPLICA_NAME, ids)
                await factories.provider(db, business_name=REPLICA_ONLY)
                await db.commit()
        finally:
            await primary_engine.dispose()
            await replica_engine.dispose()
        yield Pair(primary, replica, ids["provider"], ids["service"], token)


@pytest.fixture
async def replica_app(pair: Pair, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        pair.primary,
        database_replica_url=url_of(pair.replica),
        provider_cache_ttl_seconds=0,  # every listing read reaches a database
        email_outbox_dir=tmp_path / "outbox",
    )
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def _names(client: httpx.AsyncClient) -> set[str]:
    response = await client.get("/api/providers")
    assert response.status_code == 200, response.text
    return {provider["businessName"] for provider in response.json()["data"]}


async def test_listing_profile_and_reviews_read_the_replica(
    pair: Pair, replica_app: FastAPI
) -> None:
    async with await _client(replica_app) as client:
        assert await _names(client) == {REPLICA_NAME, REPLICA_ONLY}
        profile = await client.get(f"/api/providers/{pair.provider_id}")
        assert profile.status_code == 200
        assert profile.json()["businessName"] == REPLICA_NAME
        reviews = await client.get(f"/api/providers/{pair.provider_id}/reviews")
        assert reviews.status_code == 200


async def test_without_a_replica_the_listing_reads_the_primary(pair: Pair, tmp_path: Path) -> None:
    application = create_app(
        make_settings(
            pair.primary, provider_cache_ttl_seconds=0, email_outbox_dir=tmp_path / "outbox"
        )
    )
    async with LifespanManager(application), await _client(application) as client:
        assert await _names(client) == {PRIMARY_NAME}
        profile = await client.get(f"/api/providers/{pair.provider_id}")
        assert profile.json()["businessName"] == PRIMARY_NAME


async def test_a_booking_is_validated_against_the_primary_not_the_replica(
    pair: Pair, replica_app: FastAPI
) -> None:
    headers = {"Authorization": f"Bearer {pair.token}"}  # the session exists on the primary only
    body = {
        "providerId": pair.provider_id,
        "serviceId": pair.service_id,
        "bookingDate": future_day(9).isoformat(),
    }
    async with await _client(replica_app) as client:
        taken = await client.post(
            "/api/bookings", json={**body, "startTime": "10:00"}, headers=headers
        )
        assert taken.status_code == 409, taken.text
        free = await client.post(
            "/api/bookings", json={**body, "startTime": "14:00"}, headers=headers
        )
        assert free.status_code == 201, free.text
        booking_id = free.json()["id"]

    settings = make_settings(pair.primary)
    for target, expected in ((pair.primary, 1), (pair.replica, 0)):
        engine = create_engine(target, settings)
        try:
            async with engine.connect() as connection:
                found = await connection.scalar(
                    select(func.count()).select_from(Booking).where(Booking.id == booking_id)
                )
        finally:
            await engine.dispose()
        assert found == expected, target.database
