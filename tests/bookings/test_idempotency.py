"""`Idempotency-Key` on POST /api/bookings: replay, mismatch, expiry."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.models import Booking, IdempotencyKey
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop


async def test_same_key_and_body_replays_the_first_response_without_a_second_booking(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    headers = {**await auth(db_session, customer, settings), "Idempotency-Key": "abc-123"}
    body = {
        "providerId": shop.provider.id,
        "serviceId": shop.service.id,
        "bookingDate": future_day().isoformat(),
        "startTime": "10:00",
    }
    first = await client.post("/api/bookings", json=body, headers=headers)
    second = await client.post("/api/bookings", json=body, headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    count = await db_session.scalar(
        select(func.count()).select_from(Booking).where(Booking.customer_id == customer.id)
    )
    assert count == 1


async def test_same_key_with_a_different_body_is_409(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    headers = {**await auth(db_session, customer, settings), "Idempotency-Key": "k-1"}
    body = {
        "providerId": shop.provider.id,
        "serviceId": shop.service.id,
        "bookingDate": future_day().isoformat(),
        "startTime": "10:00",
    }
    assert (await client.post("/api/bookings", json=body, headers=headers)).status_code == 201
    other = await client.post("/api/bookings", json={**body, "startTime": "14:00"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_keys_are_per_user_and_a_failed_request_does_not_use_up_its_key(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    first, second = await factories.customer(db_session), await factories.customer(db_session)
    body = {
        "providerId": shop.provider.id,
        "serviceId": shop.service.id,
        "bookingDate": future_day().isoformat(),
        "startTime": "10:00",
    }
    a = await client.post(
        "/api/bookings", json=body,
        headers={**await auth(db_session, first, settings), "Idempotency-Key": "same"},
    )  # fmt: skip
    assert a.status_code == 201
    clash = await client.post(
        "/api/bookings", json=body,
        headers={**await auth(db_session, second, settings), "Idempotency-Key": "same"},
    )  # fmt: skip
    assert clash.status_code == 409 and clash.json()["code"] == "OVERLAP"
    retry = await client.post(
        "/api/bookings", json={**body, "startTime": "14:00"},
        headers={**await auth(db_session, second, settings), "Idempotency-Key": "same"},
    )  # fmt: skip
    assert retry.status_code == 201


async def test_expired_keys_are_purged_and_can_be_reused(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    headers = {**await auth(db_session, customer, settings), "Idempotency-Key": "old"}
    body = {
        "providerId": shop.provider.id,
        "serviceId": shop.service.id,
        "bookingDate": future_day().isoformat(),
        "startTime": "10:00",
    }
    assert (await client.post("/api/bookings", json=body, headers=headers)).status_code == 201
    stored = await db_session.scalar(
        select(IdempotencyKey.expires_at).where(IdempotencyKey.user_id == customer.id)
    )
    assert stored is not None and stored - utcnow() > timedelta(hours=23)
    await db_session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.user_id == customer.id)
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    again = await client.post("/api/bookings", json={**body, "startTime": "14:00"}, headers=headers)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers


async def test_overlong_key_is_rejected(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    response = await client.post(
        "/api/bookings",
        json={"providerId": shop.provider.id, "serviceId": shop.service.id,
              "bookingDate": future_day().isoformat(), "startTime": "10:00"},
        headers={**await auth(db_session, customer, settings), "Idempotency-Key": "x" * 300},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_IDEMPOTENCY_KEY"
