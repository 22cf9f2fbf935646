"""No double booking, ever (design.md rule 4): real concurrent transactions, not the shared
rolled-back test connection. Each test commits its own rows and deletes them afterwards."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from equinet.accounts.sessions import create_session
from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from equinet.models import Booking, Notification, Payment, Provider, User
from tests import factories
from tests.bookings.support import future_day, open_every_day
from tests.conftest import make_settings

CROWD = 100


@dataclass
class World:
    provider: Provider
    service_id: str
    tokens: list[str] = field(default_factory=list)
    customer_ids: list[str] = field(default_factory=list)
    user_ids: list[str] = field(default_factory=list)


async def _build_world(engine: AsyncEngine, customers: int, settings: Any) -> World:
    async with AsyncSession(engine, expire_on_commit=False) as db:
        owner = await factories.user(db, user_type="provider")
        provider = await factories.provider(db, owner)
        await open_every_day(db, provider)
        service = await factories.service(db, provider, price=500.0)
        world = World(provider=provider, service_id=service.id, user_ids=[owner.id])
        for _ in range(customers):
            customer = await factories.customer(db)
            world.customer_ids.append(customer.id)
            world.user_ids.append(customer.id)
            world.tokens.append(await create_session(db, customer, settings))
        await db.commit()
        return world


async def _tear_down(engine: AsyncEngine, world: World) -> None:
    async with AsyncSession(engine) as db:
        await db.execute(delete(Notification).where(Notification.user_id.in_(world.user_ids)))
        booking_ids = select(Booking.id).where(Booking.provider_id == world.provider.id)
        await db.execute(delete(Payment).where(Payment.booking_id.in_(booking_ids)))
        await db.execute(delete(Booking).where(Booking.provider_id == world.provider.id))
        await db.execute(delete(Provider).where(Provider.id == world.provider.id))
        await db.execute(delete(User).where(User.id.in_(world.user_ids)))
        await db.commit()


@pytest.fixture
async def live_app(test_database: DatabaseTarget, tmp_path: Path) -> AsyncIterator[FastAPI]:
    """The app on its own pool of real connections: every request is its own transaction."""
    settings = make_settings(
        test_database,
        db_pool_size=20,
        db_pool_timeout_seconds=60,
        email_outbox_dir=tmp_path / "outbox",
    )
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def crowd(engine: AsyncEngine, live_app: FastAPI) -> AsyncIterator[World]:
    world = await _build_world(engine, CROWD, live_app.state.settings)
    try:
        yield world
    finally:
        await _tear_down(engine, world)


async def _fire(app: FastAPI, requests: list[tuple[str, dict[str, Any]]]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return list(
            await asyncio.gather(
                *(
                    client.post(
                        "/api/bookings", json=body, headers={"Authorization": f"Bearer {token}"}
                    )
                    for token, body in requests
                )
            )
        )


async def test_hundred_identical_requests_give_exactly_one_booking(
    live_app: FastAPI, crowd: World, engine: AsyncEngine
) -> None:
    body = {
        "providerId": crowd.provider.id,
        "serviceId": crowd.service_id,
        "bookingDate": future_day(12).isoformat(),
        "startTime": "10:00",
    }
    responses = await _fire(live_app, [(token, body) for token in crowd.tokens])

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: CROWD - 1}, statuses
    assert all(r.headers["content-type"].startswith("application/json") for r in responses)
    async with engine.connect() as connection:
        rows = await connection.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.provider_id == crowd.provider.id)
        )
    assert rows == 1


async def test_concurrent_overlapping_intervals_leave_no_overlap_in_the_database(
    live_app: FastAPI, crowd: World, engine: AsyncEngine
) -> None:
    day = future_day(13).isoformat()
    requests = []
    for index, token in enumerate(crowd.tokens):
        minutes = 8 * 60 + (index * 5) % (9 * 60)  # 08:00, 08:05, ... all inside the day
        start = f"{minutes // 60:02d}:{minutes % 60:02d}"
        requests.append(
            (token, {"providerId": crowd.provider.id, "serviceId": crowd.service_id,
                     "bookingDate": day, "startTime": start})
        )  # fmt: skip
    responses = await _fire(live_app, requests)

    assert not [r for r in responses if r.status_code >= 500]
    created = sum(1 for r in responses if r.status_code == 201)
    assert created >= 1
    async with engine.connect() as connection:
        overlaps = await connection.scalar(
            text(
                'SELECT count(*) FROM "Booking" a JOIN "Booking" b ON a."providerId" = b."providerId"'
                ' AND a."bookingDate" = b."bookingDate" AND a.id < b.id'
                ' AND a."startTime" < b."endTime" AND b."startTime" < a."endTime"'
                ' WHERE a."providerId" = :provider'
                " AND a.status IN ('pending','confirmed') AND b.status IN ('pending','confirmed')"
            ),
            {"provider": crowd.provider.id},
        )
        rows = await connection.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.provider_id == crowd.provider.id)
        )
    assert overlaps == 0
    assert rows == created
