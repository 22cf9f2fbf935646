"""Money is exact and reads the Swedish way: receipts (with VAT), e-mails and notifications say
"12 345,67 kr"; the JSON API still sends numbers; a booking keeps the price it was made at."""

from __future__ import annotations

import re
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.models import Booking, Notification, Payment, Service
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, body_of, future_day, make_shop, read_outbox
from tests.payments.support import GatewayServer

NBSP = "\xa0"


def _pdf_text(pdf: bytes) -> str:
    """The text drawn on the PDF's pages (fpdf2 deflates each page's content stream)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    return b"".join(zlib.decompress(stream) for stream in streams).decode("latin-1")


async def _confirmed_at(db: AsyncSession, price: str) -> tuple[Any, Any, Any]:
    shop = await make_shop(db)
    service = await factories.service(db, shop.provider, name="Hovvård", price=Decimal(price))
    customer = await factories.customer(db, first_name="Karin", last_name="Ek")
    booking = await factories.booking(
        db, by=customer, at=shop.provider, for_service=service, day=future_day(),
        status="confirmed",
    )  # fmt: skip
    return shop, customer, booking


@pytest.mark.parametrize(
    ("price", "shown", "vat", "net"),
    [
        ("12345.67", "12 345,67 kr", "2 469,13 kr", "9 876,54 kr"),
        ("999999.99", "999 999,99 kr", "200 000,00 kr", "799 999,99 kr"),
    ],
)
async def test_large_amounts_read_the_swedish_way_in_receipt_email_and_notification(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    outbox: Path,
    price: str,
    shown: str,
    vat: str,
    net: str,
) -> None:
    shop, customer, booking = await _confirmed_at(db_session, price)
    headers = await auth(db_session, customer, settings)
    shown, vat, net = (text.replace(" ", NBSP) for text in (shown, vat, net))

    paid = await client.post(f"/api/bookings/{booking.id}/payment", headers=headers)

    assert paid.status_code == 200, paid.text
    assert paid.json()["payment"]["amount"] == float(price)  # a JSON number, to the öre
    receipt = await client.get(f"/api/bookings/{booking.id}/receipt", headers=headers)
    assert f"<th>Att betala</th><td>{shown}</td>" in receipt.text
    assert f"<th>varav moms 25{NBSP}%</th><td>{vat}</td>" in receipt.text
    assert f"<th>Belopp exkl. moms</th><td>{net}</td>" in receipt.text
    assert "1e+06" not in receipt.text and "12345.7" not in receipt.text
    pdf = await client.get(f"/api/bookings/{booking.id}/receipt?format=pdf", headers=headers)
    # fpdf2 draws a no-break space as a space (it only keeps the words together).
    drawn = _pdf_text(pdf.content).replace(NBSP, " ")
    for amount in (shown, vat, net):
        assert f"({amount.replace(NBSP, ' ')})" in drawn
    assert "(varav moms 25 %)" in drawn
    [message] = read_outbox(outbox)
    assert f"Belopp: {shown}" in body_of(message, "plain")
    assert f"Belopp: {shown}" in body_of(message, "html")
    note = await db_session.scalar(
        select(Notification.message).where(Notification.user_id == shop.provider_user.id)
    )
    assert note is not None and f"Karin Ek betalade {shown} för Hovvård" in note
    stored = await db_session.scalar(select(Payment.amount).where(Payment.booking_id == booking.id))
    assert stored == Decimal(price)


async def test_the_vat_rate_is_a_setting(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    payment_settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _shop, customer, booking = await _confirmed_at(db_session, "12345.67")
    headers = await auth(db_session, customer, payment_settings)
    assert (await client.post(f"/api/bookings/{booking.id}/payment", headers=headers)).is_success
    application = create_app(payment_settings.model_copy(update={"vat_rate": Decimal(12)}))
    async with LifespanManager(application):
        application.state.sessionmaker = sessionmaker
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as other:
            receipt = await other.get(f"/api/bookings/{booking.id}/receipt", headers=headers)
    # 12 345,67 × 12/112 = 1 322,75
    assert f"<th>varav moms 12{NBSP}%</th><td>1{NBSP}322,75{NBSP}kr</td>" in receipt.text
    assert f"<td>11{NBSP}022,92{NBSP}kr</td>" in receipt.text


async def test_the_api_sends_prices_as_json_numbers(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, customer, booking = await _confirmed_at(db_session, "12345.67")
    headers = await auth(db_session, customer, settings)

    [listed] = (await client.get("/api/bookings", headers=headers)).json()
    status = (await client.get(f"/api/bookings/{booking.id}/payment", headers=headers)).json()

    assert listed["priceAtBooking"] == 12345.67 and listed["service"]["price"] == 12345.67
    assert status == {"status": "unpaid", "amount": 12345.67, "currency": "SEK"}


async def test_a_later_price_change_does_not_change_what_the_customer_pays(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    demo_gateway: GatewayServer,
) -> None:
    shop = await make_shop(db_session)  # Skoning at 800 kr
    customer = await factories.customer(db_session)
    customer_headers = await auth(db_session, customer, settings)
    provider_headers = await auth(db_session, shop.provider_user, settings)
    created = await client.post(
        "/api/bookings",
        headers=customer_headers,
        json={
            "providerId": shop.provider.id,
            "serviceId": shop.service.id,
            "bookingDate": future_day().isoformat(),
            "startTime": "10:00",
        },
    )
    assert created.status_code == 201, created.text
    booking_id = created.json()["id"]
    assert created.json()["priceAtBooking"] == 800
    raised = await client.put(
        f"/api/services/{shop.service.id}",
        headers=provider_headers,
        json={"name": "Skoning", "price": 1250.50, "durationMinutes": 60},
    )
    assert raised.status_code == 200 and raised.json()["price"] == 1250.5
    confirmed = await client.put(
        f"/api/bookings/{booking_id}", headers=provider_headers, json={"status": "confirmed"}
    )
    assert confirmed.status_code == 200, confirmed.text

    paid = await client.post(f"/api/bookings/{booking_id}/payment", headers=customer_headers)

    assert paid.status_code == 200, paid.text
    assert paid.json()["payment"]["amount"] == 800
    [charge] = demo_gateway.charges_for(booking_id)
    assert Decimal(charge["amount"]) == Decimal("800.00")
    assert await db_session.scalar(select(Service.price).where(Service.id == shop.service.id)) == (
        Decimal("1250.50")
    )


async def test_a_manual_booking_keeps_its_price_too(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    response = await client.post(
        "/api/bookings/manual",
        headers=await auth(db_session, shop.provider_user, settings),
        json={
            "serviceId": shop.service.id,
            "bookingDate": future_day().isoformat(),
            "startTime": "10:00",
            "customerName": "Greta Gran",
        },
    )
    assert response.status_code == 201, response.text
    stored = await db_session.get(Booking, response.json()["id"])
    assert stored is not None and stored.price_at_booking == Decimal("800.00")


async def test_a_price_with_more_than_two_decimals_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    response = await client.put(
        f"/api/services/{shop.service.id}",
        headers=await auth(db_session, shop.provider_user, settings),
        json={"name": "Skoning", "price": 799.999, "durationMinutes": 60},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"
