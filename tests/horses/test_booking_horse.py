"""A horse is attached to a booking only by its owner, so nobody can buy themself (or a
provider) a view of someone else's horse; the booking form offers the customer's horses."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import Booking
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop


async def _bookings(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Booking)) or 0)


async def test_a_customer_books_with_an_own_horse_but_not_a_strangers_or_a_removed_one(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    headers = await auth(db_session, customer, settings)
    mine = await factories.horse(db_session, customer, name="Egen")
    removed = await factories.horse(db_session, customer, is_active=False)
    strangers = await factories.horse(db_session)

    offered = await client.get("/api/horses", headers=headers)
    assert [h["id"] for h in offered.json()] == [mine.id]

    body = {
        "providerId": shop.provider.id,
        "serviceId": shop.service.id,
        "bookingDate": future_day().isoformat(),
        "startTime": "10:00",
    }
    before = await _bookings(db_session)
    for horse in (strangers, removed):
        refused = await client.post(
            "/api/bookings", headers=headers, json={**body, "horseId": horse.id}
        )
        assert refused.status_code == 404 and refused.json()["code"] == "HORSE_NOT_FOUND"
    assert await _bookings(db_session) == before
    booked = await client.post("/api/bookings", headers=headers, json={**body, "horseId": mine.id})
    assert booked.status_code == 201, booked.text
    assert booked.json()["horse"]["id"] == mine.id


async def test_a_provider_cannot_attach_another_owners_horse_to_a_manual_booking(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    customer = await factories.customer(db_session)
    await factories.booking(db_session, by=customer, at=shop.provider, for_service=shop.service)
    strangers = await factories.horse(db_session)
    before = await _bookings(db_session)
    response = await client.post(
        "/api/bookings/manual",
        headers=headers,
        json={
            "serviceId": shop.service.id,
            "bookingDate": future_day(12).isoformat(),
            "startTime": "09:00",
            "customerId": customer.id,
            "horseId": strangers.id,
        },
    )
    assert response.status_code == 404 and response.json()["code"] == "HORSE_NOT_FOUND"
    assert await _bookings(db_session) == before
    # So the provider has not gained the stranger horse's timeline.
    timeline = await client.get(f"/api/horses/{strangers.id}/timeline", headers=headers)
    assert timeline.status_code == 404
