"""POST /api/bookings/manual (spec §2.6 fixed per §7.10) and the provider's customer tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import Booking, Notification, User
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop, read_outbox


def manual(shop: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "serviceId": shop.service.id,
        "bookingDate": future_day().isoformat(),
        "startTime": "10:00",
        "customerName": "Greta Gran",
        "customerPhone": "070-123 45 67",
    }
    body.update(overrides)
    return body


async def test_manual_booking_creates_a_confirmed_booking_for_a_ghost_customer(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, outbox: Path
) -> None:
    shop = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)

    response = await client.post("/api/bookings/manual", json=manual(shop), headers=headers)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["isManualBooking"] is True
    assert body["createdByProviderId"] == shop.provider.id
    ghost = await db_session.get(User, body["customerId"])
    assert ghost is not None and ghost.is_manual_customer and not ghost.email_verified
    assert (ghost.first_name, ghost.last_name) == ("Greta", "Gran")
    assert ghost.email.endswith("@ghost.equinet.se")
    assert read_outbox(outbox) == []  # never mail a ghost
    notes = await db_session.scalar(
        select(func.count()).where(Notification.user_id == shop.provider_user.id)
    )
    assert notes == 0  # the provider does not notify themself


async def test_manual_booking_respects_overlap_but_not_the_travel_buffer(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    assert (
        await client.post("/api/bookings/manual", json=manual(shop), headers=headers)
    ).status_code == 201
    overlap = await client.post(
        "/api/bookings/manual", json=manual(shop, startTime="10:30"), headers=headers
    )
    assert overlap.status_code == 409 and overlap.json()["code"] == "OVERLAP"
    adjacent = await client.post(
        "/api/bookings/manual", json=manual(shop, startTime="11:00"), headers=headers
    )
    assert adjacent.status_code == 201


async def test_manual_booking_needs_a_customer_of_this_provider(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    stranger = await factories.customer(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    response = await client.post(
        "/api/bookings/manual", json=manual(shop, customerId=stranger.id), headers=headers
    )
    assert response.status_code == 404
    assert response.json()["code"] == "CUSTOMER_NOT_FOUND"

    regular = await factories.customer(db_session)
    await factories.booking(
        db_session, by=regular, at=shop.provider, for_service=shop.service, day=future_day(30)
    )
    ok = await client.post(
        "/api/bookings/manual", json=manual(shop, customerId=regular.id), headers=headers
    )
    assert ok.status_code == 201
    assert ok.json()["customerId"] == regular.id


async def test_manual_booking_never_takes_over_an_existing_account_by_email(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    real = await factories.customer(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    response = await client.post(
        "/api/bookings/manual", json=manual(shop, customerEmail=real.email.upper()), headers=headers
    )
    assert response.status_code == 409
    assert response.json()["code"] == "CUSTOMER_EMAIL_TAKEN"
    assert await db_session.scalar(select(func.count()).where(Booking.customer_id == real.id)) == 0


async def test_manual_booking_validates_the_body(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    nobody = manual(shop)
    del nobody["customerName"]
    for body in (nobody, manual(shop, customerPhone="12"), manual(shop, bookingDate="snart")):
        response = await client.post("/api/bookings/manual", json=body, headers=headers)
        assert response.status_code == 422, body
    past = await client.post(
        "/api/bookings/manual", json=manual(shop, bookingDate=future_day(-2).isoformat()),
        headers=headers,
    )  # fmt: skip
    assert past.status_code == 400


async def test_only_providers_make_manual_bookings(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    response = await client.post(
        "/api/bookings/manual",
        json=manual(shop),
        headers=await auth(db_session, customer, settings),
    )
    assert response.status_code == 403
    assert response.json()["error"] == "Bara leverantörer kan skapa manuella bokningar"


async def test_customer_search_finds_only_this_providers_real_customers(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    mine = await factories.customer(db_session, first_name="Ingrid", last_name="Sökbar")
    ghost = await factories.customer(db_session, first_name="Ingrid", is_manual_customer=True)
    stranger = await factories.customer(db_session, first_name="Ingrid", last_name="Annan")
    for who, start in ((mine, "09:00"), (ghost, "13:00")):
        await factories.booking(
            db_session, by=who, at=shop.provider, for_service=shop.service, day=future_day(3),
            start_time=start, end_time=start.replace(":00", ":45"),
        )  # fmt: skip
    await factories.booking(db_session, by=stranger)
    headers = await auth(db_session, shop.provider_user, settings)

    response = await client.get("/api/customers/search?q=ingr", headers=headers)

    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [mine.id]
    assert set(response.json()[0]) == {"id", "firstName", "lastName", "email", "phone"}
    short = await client.get("/api/customers/search?q=%25", headers=headers)
    assert short.status_code == 400
    assert short.json()["error"] == "Sökfråga måste vara minst 2 tecken"


async def test_customer_search_is_for_providers_only(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    customer = await factories.customer(db_session)
    response = await client.get(
        "/api/customers/search?q=anna", headers=await auth(db_session, customer, settings)
    )
    assert response.status_code == 403
    assert response.json()["error"] == "Bara leverantörer kan söka kunder"


async def test_provider_sees_horses_only_of_own_customers(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    mine, stranger = await factories.customer(db_session), await factories.customer(db_session)
    await factories.booking(
        db_session, by=mine, at=shop.provider, for_service=shop.service, day=future_day(3)
    )
    await factories.horse(db_session, mine, name="Bella")
    await factories.horse(db_session, mine, name="Adam")
    await factories.horse(db_session, mine, name="Gammal", is_active=False)
    await factories.horse(db_session, stranger, name="Hemlig")
    headers = await auth(db_session, shop.provider_user, settings)

    response = await client.get(f"/api/customers/{mine.id}/horses", headers=headers)
    assert response.status_code == 200
    assert [h["name"] for h in response.json()] == ["Adam", "Bella"]
    assert "specialNeeds" not in response.json()[0]

    hidden = await client.get(f"/api/customers/{stranger.id}/horses", headers=headers)
    assert hidden.status_code == 404
