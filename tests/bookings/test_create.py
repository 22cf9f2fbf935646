"""POST /api/bookings: the checks of spec §3.2 in order, the response, notification, e-mail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import Booking, Notification
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, body_of, future_day, make_shop, read_outbox


def payload(shop: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "providerId": shop.provider.id,
        "serviceId": shop.service.id,
        "bookingDate": future_day().isoformat(),
        "startTime": "10:00",
    }
    body.update(overrides)
    return body


async def test_customer_books_a_free_time_and_gets_a_pending_booking(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session, first_name="Karin", last_name="Ek")
    horse = await factories.horse(db_session, customer, name="Stjärna")
    headers = await auth(db_session, customer, settings)

    response = await client.post(
        "/api/bookings",
        json=payload(shop, horseId=horse.id, horseName="Stjärna", customerNotes="Lugn häst"),
        headers=headers,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending"
    assert body["startTime"] == "10:00" and body["endTime"] == "11:00"
    assert body["bookingDate"] == future_day().isoformat()
    assert body["customerId"] == customer.id
    assert body["isManualBooking"] is False
    assert "routeOrderId" in body and "travelTimeMinutes" in body
    assert body["customer"]["firstName"] == "Karin"
    assert body["service"] == {"name": "Skoning", "price": 800.0, "durationMinutes": 60}
    assert body["provider"]["businessName"] == "Hovslageri Hanna"
    assert body["horse"]["name"] == "Stjärna"


async def test_new_booking_notifies_the_provider_in_swedish(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session, first_name="Karin", last_name="Ek")
    day = future_day()
    response = await client.post(
        "/api/bookings",
        json=payload(shop, horseName="Stjärna"),
        headers=await auth(db_session, customer, settings),
    )
    assert response.status_code == 201

    months = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    note = (
        await db_session.execute(
            select(Notification).where(Notification.user_id == shop.provider_user.id)
        )
    ).scalar_one()
    assert note.type == "booking_created"
    assert note.message == (
        f"Ny bokning: Karin Ek har bokat Skoning den {day.day} {months[day.month - 1]} "
        "kl 10:00 för Stjärna"
    )
    assert note.link_url == "/provider/bookings"


async def test_new_booking_emails_the_customer_a_confirmation_after_commit(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, outbox: Path
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session, first_name="<b>Karin</b>")
    response = await client.post(
        "/api/bookings", json=payload(shop), headers=await auth(db_session, customer, settings)
    )
    assert response.status_code == 201

    [message] = read_outbox(outbox)
    assert message["To"] == customer.email
    assert message["Subject"] == "Bokningsbekräftelse - Skoning"
    assert "Pris: 800,00\xa0kr" in body_of(message, "plain")
    html = body_of(message, "html")
    assert "&lt;b&gt;Karin&lt;/b&gt;" in html and "<b>Karin</b>" not in html


async def test_end_time_defaults_to_start_plus_the_service_duration(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    response = await client.post(
        "/api/bookings",
        json=payload(shop, startTime="13:30:45"),
        headers=await auth(db_session, customer, settings),
    )
    assert response.status_code == 201
    assert (response.json()["startTime"], response.json()["endTime"]) == ("13:30", "14:30")


async def _post(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings, user: Any, body: Any
) -> httpx.Response:
    return await client.post("/api/bookings", json=body, headers=await auth(db, user, settings))


async def test_inactive_service_is_rejected_before_anything_else(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    shop.service.is_active = False
    shop.provider.is_active = False
    await db_session.flush()
    customer = await factories.customer(db_session)
    response = await _post(client, db_session, settings, customer, payload(shop))
    assert response.status_code == 400
    assert response.json()["error"] == "Tjänsten är inte längre tillgänglig"
    assert response.json()["code"] == "INACTIVE_SERVICE"


async def test_service_of_another_provider_is_rejected(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    other = await make_shop(db_session)
    customer = await factories.customer(db_session)
    response = await _post(
        client, db_session, settings, customer, payload(shop, serviceId=other.service.id)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Ogiltig tjänst"


async def test_inactive_provider_is_rejected(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    shop.provider.is_active = False
    await db_session.flush()
    customer = await factories.customer(db_session)
    response = await _post(client, db_session, settings, customer, payload(shop))
    assert response.status_code == 400
    assert response.json()["error"] == "Leverantören är för närvarande inte tillgänglig"


async def test_provider_cannot_book_their_own_service(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    response = await _post(client, db_session, settings, shop.provider_user, payload(shop))
    assert response.status_code == 400
    assert response.json()["error"] == "Du kan inte boka din egen tjänst"


async def test_provider_may_book_another_provider(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    other = await make_shop(db_session)
    response = await _post(client, db_session, settings, other.provider_user, payload(shop))
    assert response.status_code == 201


async def test_a_client_end_time_that_disagrees_with_the_service_is_422(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    short = await factories.service(db_session, shop.provider, name="Verkning", duration_minutes=45)
    customer = await factories.customer(db_session)
    for end in ("16:45", "09:00", "09:30"):  # the whole day, before the start, too short
        response = await _post(
            client, db_session, settings, customer,
            payload(shop, serviceId=short.id, startTime="09:00", endTime=end),
        )  # fmt: skip
        assert response.status_code == 422, end
        body = response.json()
        assert body["code"] == "END_TIME_MISMATCH"
        assert body["error"].startswith("Sluttiden stämmer inte med tjänstens längd")
        assert body["details"] == {"expectedEndTime": "09:45", "durationMinutes": 45}


async def test_the_server_derives_the_end_time_from_the_service(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    short = await factories.service(db_session, shop.provider, name="Verkning", duration_minutes=45)
    customer = await factories.customer(db_session)
    for end in (None, "09:45"):
        day = future_day(12 if end else 13)
        body = payload(shop, serviceId=short.id, startTime="09:00", bookingDate=day.isoformat())
        if end:
            body["endTime"] = end
        else:
            body.pop("endTime", None)
        response = await _post(client, db_session, settings, customer, body)
        assert response.status_code == 201, response.text
        assert (response.json()["startTime"], response.json()["endTime"]) == ("09:00", "09:45")


async def test_a_service_shorter_than_a_quarter_cannot_be_booked(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    tiny = await factories.service(db_session, shop.provider, name="Koll", duration_minutes=10)
    customer = await factories.customer(db_session)
    response = await _post(
        client, db_session, settings, customer, payload(shop, serviceId=tiny.id, endTime=None)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Bokning måste vara minst 15 minuter"


async def test_booking_outside_the_days_opening_window_is_rejected(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    response = await _post(
        client, db_session, settings, customer, payload(shop, startTime="17:30", endTime="18:30")
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Bokning måste vara inom öppettider (08:00-18:00)"


async def test_booking_on_a_closed_exception_day_is_rejected(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await factories.availability_exception(db_session, shop.provider, date=future_day())
    customer = await factories.customer(db_session)
    response = await _post(client, db_session, settings, customer, payload(shop))
    assert response.status_code == 400
    assert response.json()["code"] == "CLOSED_DAY"


async def test_booking_in_the_past_is_rejected(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    response = await _post(
        client,
        db_session,
        settings,
        customer,
        payload(shop, bookingDate=future_day(-1).isoformat()),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Kan inte boka i det förflutna"


async def test_someone_elses_horse_cannot_be_attached(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    strangers_horse = await factories.horse(db_session)
    response = await _post(
        client, db_session, settings, customer, payload(shop, horseId=strangers_horse.id)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "HORSE_NOT_FOUND"


async def test_overlapping_booking_gets_409_overlap(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    first, second = await factories.customer(db_session), await factories.customer(db_session)
    assert (await _post(client, db_session, settings, first, payload(shop))).status_code == 201
    response = await _post(client, db_session, settings, second, payload(shop, startTime="10:30"))
    assert response.status_code == 409
    assert response.json() == {
        "error": "Leverantören är redan bokad under den valda tiden",
        "code": "OVERLAP",
        "details": "Vänligen välj en annan tid eller datum",
    }


async def test_back_to_back_booking_needs_the_travel_buffer(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    first, second = await factories.customer(db_session), await factories.customer(db_session)
    assert (await _post(client, db_session, settings, first, payload(shop))).status_code == 201
    response = await _post(client, db_session, settings, second, payload(shop, startTime="11:00"))
    assert response.status_code == 409
    assert response.json()["code"] == "INSUFFICIENT_TRAVEL_TIME"
    assert response.json()["details"]["actualGapMinutes"] == 0


async def test_the_same_horse_cannot_be_in_two_places_at_once(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop, other = await make_shop(db_session), await make_shop(db_session)
    customer = await factories.customer(db_session)
    horse = await factories.horse(db_session, customer)
    first = await _post(client, db_session, settings, customer, payload(shop, horseId=horse.id))
    assert first.status_code == 201
    response = await _post(
        client, db_session, settings, customer, payload(other, horseId=horse.id, startTime="10:30")
    )
    assert response.status_code == 409
    assert response.json()["code"] == "HORSE_OVERLAP"


async def test_unknown_fields_and_bad_ids_are_validation_errors(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    for body in (
        payload(shop, price=1),
        payload(shop, providerId="not-a-uuid"),
        payload(shop, startTime="25:00"),
        payload(shop, bookingDate="2026-13-45"),
    ):
        response = await _post(client, db_session, settings, customer, body)
        assert response.status_code == 422, body
        assert response.json()["code"] == "VALIDATION_ERROR"
    count = await db_session.scalar(
        select(func.count()).select_from(Booking).where(Booking.provider_id == shop.provider.id)
    )
    assert count == 0


async def test_anonymous_booking_is_401(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    shop = await make_shop(db_session)
    response = await client.post("/api/bookings", json=payload(shop))
    assert response.status_code == 401


async def test_route_order_announcement_rules(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    closed = await factories.route_order(
        db_session, provider_id=shop.provider.id, customer_id=None, status="closed",
        announcement_type="provider_announced",
    )  # fmt: skip
    response = await _post(
        client, db_session, settings, customer, payload(shop, routeOrderId=closed.id)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Rutten är inte längre öppen för bokningar"
    missing = await _post(
        client, db_session, settings, customer,
        payload(shop, routeOrderId="00000000-0000-4000-8000-000000000000"),
    )  # fmt: skip
    assert missing.json()["error"] == "RouteOrder hittades inte"
