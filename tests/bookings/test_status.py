"""PUT /api/bookings/{id}: ownership first (404), the §3.1 machine, notifications, e-mails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import Booking, Notification, Payment
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, body_of, future_day, make_shop, read_outbox

MONTHS = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


async def _booking(db: AsyncSession, shop: Any, customer: Any, **overrides: Any) -> Booking:
    return await factories.booking(
        db, by=customer, at=shop.provider, for_service=shop.service, day=future_day(), **overrides
    )


async def _put(
    client: httpx.AsyncClient, headers: dict[str, str], booking_id: str, **body: Any
) -> httpx.Response:
    return await client.put(f"/api/bookings/{booking_id}", json=body, headers=headers)


async def test_provider_confirms_and_the_customer_is_told(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, outbox: Path
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    booking = await _booking(db_session, shop, customer)

    response = await _put(
        client, await auth(db_session, shop.provider_user, settings), booking.id, status="confirmed"
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "confirmed"
    assert response.json()["provider"]["businessName"] == "Hovslageri Hanna"
    day = future_day()
    note = (
        await db_session.execute(select(Notification).where(Notification.user_id == customer.id))
    ).scalar_one()
    assert note.type == "booking_confirmed"
    assert note.message == (
        f"Skoning hos Hovslageri Hanna den {day.day} {MONTHS[day.month - 1]} kl 10:00 "
        "har blivit bekräftad"
    )
    [message] = read_outbox(outbox)
    assert message["Subject"] == "Bokningsuppdatering - Bekräftad"
    assert "Ren och torr häst" in body_of(message, "plain")


async def test_customer_cancels_with_a_message_and_the_provider_is_told(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, outbox: Path
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session, first_name="Karin", last_name="Ek")
    booking = await _booking(db_session, shop, customer, status="confirmed")

    response = await _put(
        client,
        await auth(db_session, customer, settings),
        booking.id,
        status="cancelled",
        cancellationMessage="  Hästen  är\n halt \x07 ",
    )

    assert response.status_code == 200, response.text
    assert response.json()["cancellationMessage"] == "Hästen är halt"
    day = future_day()
    note = (
        await db_session.execute(
            select(Notification).where(Notification.user_id == shop.provider_user.id)
        )
    ).scalar_one()
    assert note.type == "booking_cancelled"
    assert note.message == (
        f"Karin Ek har avbokat Skoning den {day.day} {MONTHS[day.month - 1]}. "
        'Meddelande: "Hästen är halt"'
    )
    [message] = read_outbox(outbox)
    assert message["Subject"] == "Bokningsuppdatering - Avbokad"
    assert "Hästen är halt" in body_of(message, "plain")


async def test_customer_cannot_confirm(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    booking = await _booking(db_session, shop, customer)
    response = await _put(
        client, await auth(db_session, customer, settings), booking.id, status="confirmed"
    )
    assert response.status_code == 400
    assert response.json()["error"] == (
        'Kunder kan inte ändra status till "confirmed". '
        "Bara leverantörer kan bekräfta och slutföra bokningar."
    )


async def test_terminal_status_cannot_change(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    booking = await _booking(db_session, shop, customer, status="cancelled")
    response = await _put(
        client, await auth(db_session, shop.provider_user, settings), booking.id, status="confirmed"
    )
    assert response.status_code == 400
    assert response.json()["error"] == (
        'Kan inte ändra status från "cancelled" till "confirmed". '
        "Tillåtna övergångar: inga (terminal status)"
    )


async def test_stranger_gets_404_without_learning_the_status(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    booking = await _booking(db_session, shop, customer, status="cancelled")
    stranger = await factories.customer(db_session)
    other_provider = await make_shop(db_session)
    for intruder in (stranger, other_provider.provider_user):
        response = await _put(
            client, await auth(db_session, intruder, settings), booking.id, status="cancelled"
        )
        assert response.status_code == 404
        assert response.json()["error"] == "Bokningen hittades inte"
        assert "cancelled" not in response.text


async def test_cancelling_a_paid_booking_refunds_the_payment(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    booking = await _booking(db_session, shop, customer, status="confirmed")
    await factories.payment(db_session, booking)
    response = await _put(
        client, await auth(db_session, customer, settings), booking.id, status="cancelled"
    )
    assert response.status_code == 200
    status = await db_session.scalar(select(Payment.status).where(Payment.booking_id == booking.id))
    assert status == "refunded"


async def test_status_change_is_a_compare_and_swap(
    db_session: AsyncSession, settings: Settings
) -> None:
    """The UPDATE only applies while the booking still has the status the check saw."""
    from equinet.bookings import repository

    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    booking = await _booking(db_session, shop, customer, status="pending")
    moved = await repository.compare_and_set_status(
        db_session, booking.id, provider_id=shop.provider.id, customer_id=None,
        expected="confirmed", target="completed", cancellation_message=None,
    )  # fmt: skip
    assert moved is False
    assert await db_session.scalar(select(Booking.status).where(Booking.id == booking.id)) == (
        "pending"
    )


async def test_cancelled_slot_can_be_booked_again(
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
    created = await client.post(
        "/api/bookings", json=body, headers=await auth(db_session, first, settings)
    )
    assert created.status_code == 201
    cancelled = await _put(
        client, await auth(db_session, first, settings), created.json()["id"], status="cancelled"
    )
    assert cancelled.status_code == 200
    again = await client.post(
        "/api/bookings", json=body, headers=await auth(db_session, second, settings)
    )
    assert again.status_code == 201, again.text


async def test_unknown_status_is_a_validation_error(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    booking = await _booking(db_session, shop, customer)
    response = await _put(
        client, await auth(db_session, customer, settings), booking.id, status="archived"
    )
    assert response.status_code == 422
