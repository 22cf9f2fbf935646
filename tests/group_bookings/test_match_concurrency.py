"""Two providers match the same group visit at the same moment: one wins, the other books
nobody. Real concurrent transactions on their own connections, committed and cleaned up."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from equinet.accounts.sessions import create_session
from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from equinet.models import (
    Booking,
    GroupBookingParticipant,
    GroupBookingRequest,
    Notification,
    Provider,
    User,
)
from tests import factories
from tests.bookings.support import future_day, open_every_day
from tests.conftest import make_settings

PARTICIPANTS = 4


@dataclass
class World:
    group_id: str
    providers: list[tuple[str, str, str]] = field(default_factory=list)  # id, service, token
    user_ids: list[str] = field(default_factory=list)


@pytest.fixture
async def live_app(test_database: DatabaseTarget, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        test_database, db_pool_size=10, db_pool_timeout_seconds=60,
        email_outbox_dir=tmp_path / "outbox",
    )  # fmt: skip
    application = create_app(settings)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def world(engine: AsyncEngine, live_app: FastAPI) -> AsyncIterator[World]:
    settings = live_app.state.settings
    async with AsyncSession(engine, expire_on_commit=False) as db:
        creator = await factories.customer(db)
        group = await factories.group_booking_request(
            db, creator, latitude=59.87, longitude=17.66, status="open"
        )
        built = World(group_id=group.id, user_ids=[creator.id])
        await factories.group_booking_participant(db, group, creator)
        for _ in range(PARTICIPANTS - 1):
            member = await factories.customer(db)
            built.user_ids.append(member.id)
            await factories.group_booking_participant(db, group, member)
        for _ in range(2):
            owner = await factories.user(db, user_type="provider")
            provider = await factories.provider(db, owner)
            await open_every_day(db, provider)
            service = await factories.service(db, provider, name="Skoning")
            built.user_ids.append(owner.id)
            built.providers.append(
                (provider.id, service.id, await create_session(db, owner, settings))
            )
        await db.commit()
    try:
        yield built
    finally:
        async with AsyncSession(engine) as db:
            await db.execute(delete(Notification).where(Notification.user_id.in_(built.user_ids)))
            await db.execute(
                delete(GroupBookingRequest).where(GroupBookingRequest.id == built.group_id)
            )
            provider_ids = [p[0] for p in built.providers]
            await db.execute(delete(Booking).where(Booking.provider_id.in_(provider_ids)))
            await db.execute(delete(Provider).where(Provider.id.in_(provider_ids)))
            await db.execute(delete(User).where(User.id.in_(built.user_ids)))
            await db.commit()


async def test_two_providers_matching_one_group_at_once_give_one_winner_and_no_partial_bookings(
    live_app: FastAPI, world: World, engine: AsyncEngine
) -> None:
    day = future_day(9).isoformat()
    transport = httpx.ASGITransport(app=live_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/api/group-bookings/{world.group_id}/match",
                    json={"serviceId": service_id, "bookingDate": day, "startTime": "09:00"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                for _, service_id, token in world.providers
            )
        )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 404: 1}, [r.text for r in responses]
    winner = world.providers[[r.status_code for r in responses].index(200)][0]
    async with engine.connect() as connection:
        booked = (
            await connection.execute(
                select(Booking.provider_id, Booking.id).where(
                    Booking.provider_id.in_([p[0] for p in world.providers])
                )
            )
        ).all()
        participants = (
            await connection.execute(
                select(GroupBookingParticipant.status, GroupBookingParticipant.booking_id).where(
                    GroupBookingParticipant.group_booking_request_id == world.group_id
                )
            )
        ).all()
        group = (
            await connection.execute(
                select(GroupBookingRequest.status, GroupBookingRequest.provider_id).where(
                    GroupBookingRequest.id == world.group_id
                )
            )
        ).one()
    assert len(booked) == PARTICIPANTS
    assert {provider for provider, _ in booked} == {winner}
    assert {status for status, _ in participants} == {"booked"}
    assert {booking for _, booking in participants} == {booking for _, booking in booked}
    assert tuple(group) == ("matched", winner)
