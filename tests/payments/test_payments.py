"""Paying a booking, its status and its receipt (spec §2.7, §3.17, §7.17)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import now_local
from equinet.models import Notification, Payment
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, body_of, future_day, make_shop, read_outbox


async def _confirmed(db: AsyncSession, **overrides: Any) -> tuple[Any, Any, Any]:
    shop = await make_shop(db)
    customer = await factories.customer(db, first_name="Karin", last_name="Ek")
    booking = await factories.booking(
        db, by=customer, at=shop.provider, for_service=shop.service, day=future_day(),
        **{"status": "confirmed", **overrides},
    )  # fmt: skip
    return shop, customer, booking


async def test_customer_pays_a_confirmed_booking_with_the_demo_gateway(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, outbox: Path
) -> None:
    shop, customer, booking = await _confirmed(db_session)

    response = await client.post(
        f"/api/bookings/{booking.id}/payment", headers=await auth(db_session, customer, settings)
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and body["message"] == "Betalning genomförd"
    assert body["demo"] is True and "Demobetalning" in body["notice"]
    payment = body["payment"]
    assert payment["amount"] == 800.0 and payment["currency"] == "SEK"
    assert payment["status"] == "succeeded" and payment["provider"] == "mock"
    assert re.fullmatch(rf"EQ-{now_local():%Y%m}-\d{{6}}", payment["invoiceNumber"])
    stored = (
        await db_session.execute(select(Payment).where(Payment.booking_id == booking.id))
    ).scalar_one()
    assert stored.provider_payment_id and stored.provider_payment_id.startswith("mock_pay_")
    assert stored.invoice_url and stored.invoice_url.endswith(f"/api/bookings/{booking.id}/receipt")

    note = (
        await db_session.execute(
            select(Notification).where(Notification.user_id == shop.provider_user.id)
        )
    ).scalar_one()
    months = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    day = future_day()
    assert note.type == "payment_received"
    assert note.message == (
        f"Betalning mottagen: Karin Ek betalade 800,00\xa0kr för Skoning "
        f"({day.day} {months[day.month - 1]})"
    )
    [message] = read_outbox(outbox)
    assert message["Subject"] == f"Betalningsbekräftelse - {payment['invoiceNumber']}"
    assert "Belopp: 800,00\xa0kr" in body_of(message, "plain")


async def test_second_payment_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, customer, booking = await _confirmed(db_session)
    headers = await auth(db_session, customer, settings)
    assert (
        await client.post(f"/api/bookings/{booking.id}/payment", headers=headers)
    ).status_code == 200
    again = await client.post(f"/api/bookings/{booking.id}/payment", headers=headers)
    assert again.status_code == 400
    assert again.json()["error"] == "Bokningen är redan betald"


async def test_pending_booking_cannot_be_paid(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, customer, booking = await _confirmed(db_session, status="pending")
    response = await client.post(
        f"/api/bookings/{booking.id}/payment", headers=await auth(db_session, customer, settings)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Bokningen måste vara bekräftad innan betalning kan göras"


async def test_only_the_bookings_customer_can_pay(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop, _customer, booking = await _confirmed(db_session)
    stranger = await factories.customer(db_session)
    for intruder in (stranger, shop.provider_user):
        response = await client.post(
            f"/api/bookings/{booking.id}/payment",
            headers=await auth(db_session, intruder, settings),
        )
        assert response.status_code == 404
        assert response.json()["error"] == "Bokningen hittades inte"
    assert (
        await db_session.scalar(select(Payment.id).where(Payment.booking_id == booking.id)) is None
    )


async def test_payment_status_for_both_parties(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop, customer, booking = await _confirmed(db_session)
    customer_headers = await auth(db_session, customer, settings)
    unpaid = await client.get(f"/api/bookings/{booking.id}/payment", headers=customer_headers)
    assert unpaid.json() == {"status": "unpaid", "amount": 800.0, "currency": "SEK"}
    await client.post(f"/api/bookings/{booking.id}/payment", headers=customer_headers)
    paid = await client.get(
        f"/api/bookings/{booking.id}/payment",
        headers=await auth(db_session, shop.provider_user, settings),
    )
    assert paid.status_code == 200
    assert paid.json()["status"] == "succeeded"
    assert paid.json()["invoiceUrl"].endswith("/receipt")
    stranger = await factories.customer(db_session)
    hidden = await client.get(
        f"/api/bookings/{booking.id}/payment", headers=await auth(db_session, stranger, settings)
    )
    assert hidden.status_code == 404


async def test_receipt_escapes_user_values(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, customer, booking = await _confirmed(db_session, horse_name="<script>alert(1)</script>")
    headers = await auth(db_session, customer, settings)
    paid = await client.post(f"/api/bookings/{booking.id}/payment", headers=headers)
    invoice = paid.json()["payment"]["invoiceNumber"]

    response = await client.get(f"/api/bookings/{booking.id}/receipt", headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert f"<title>Kvitto {invoice} - Equinet</title>" in response.text
    assert "KVITTO" in response.text and "Demobetalning" in response.text
    assert "Karin Ek" in response.text and "Hovslageri Hanna" in response.text


async def test_receipt_as_pdf(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop, customer, booking = await _confirmed(db_session, horse_name="Stjärna 🐴")
    headers = await auth(db_session, customer, settings)
    await client.post(f"/api/bookings/{booking.id}/payment", headers=headers)
    response = await client.get(
        f"/api/bookings/{booking.id}/receipt?format=pdf",
        headers=await auth(db_session, shop.provider_user, settings),
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "kvitto-EQ-" in response.headers["content-disposition"]


async def test_receipt_needs_a_succeeded_payment_and_a_party(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, customer, booking = await _confirmed(db_session)
    headers = await auth(db_session, customer, settings)
    unpaid = await client.get(f"/api/bookings/{booking.id}/receipt", headers=headers)
    assert unpaid.status_code == 400
    assert unpaid.json()["error"] == "Ingen betalning hittades för denna bokning"
    await client.post(f"/api/bookings/{booking.id}/payment", headers=headers)
    stranger = await factories.customer(db_session)
    hidden = await client.get(
        f"/api/bookings/{booking.id}/receipt", headers=await auth(db_session, stranger, settings)
    )
    assert hidden.status_code == 404
