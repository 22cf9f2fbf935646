"""GET /api/bookings (each party's own, filtered) and DELETE limits (spec §7.7)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import Booking, Notification
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop


async def _two_bookings(db: AsyncSession) -> tuple[Any, Any, Booking, Booking]:
    shop = await make_shop(db)
    customer = await factories.customer(db)
    early = await factories.booking(
        db, by=customer, at=shop.provider, for_service=shop.service, day=future_day(5),
        status="confirmed",
    )  # fmt: skip
    late = await factories.booking(
        db, by=customer, at=shop.provider, for_service=shop.service, day=future_day(20)
    )
    await factories.payment(db, early, invoice_number="EQ-TEST-1")
    return shop, customer, early, late


async def test_customer_sees_own_bookings_newest_date_first_with_relations(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, customer, early, late = await _two_bookings(db_session)
    await factories.booking(db_session)  # someone else's

    response = await client.get("/api/bookings", headers=await auth(db_session, customer, settings))

    assert response.status_code == 200
    body = response.json()
    assert [b["id"] for b in body] == [late.id, early.id]
    assert body[1]["payment"]["invoiceNumber"] == "EQ-TEST-1"
    assert "invoiceUrl" in body[1]["payment"]
    assert body[1]["provider"] == {
        "businessName": "Hovslageri Hanna",
        "user": {"firstName": "Hanna", "lastName": "Hov"},
    }
    assert body[0]["review"] is None
    assert "isManualBooking" not in body[0]


async def test_provider_sees_the_providers_bookings_with_customer_contact(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop, customer, early, late = await _two_bookings(db_session)
    response = await client.get(
        "/api/bookings", headers=await auth(db_session, shop.provider_user, settings)
    )
    assert response.status_code == 200
    body = response.json()
    assert {b["id"] for b in body} == {early.id, late.id}
    assert body[0]["customer"]["email"] == customer.email
    assert "isManualBooking" in body[0]


async def test_filters_by_status_and_date_range(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, customer, early, late = await _two_bookings(db_session)
    headers = await auth(db_session, customer, settings)
    by_status = await client.get("/api/bookings?status=confirmed", headers=headers)
    assert [b["id"] for b in by_status.json()] == [early.id]
    by_date = await client.get(
        f"/api/bookings?from={future_day(10).isoformat()}&to={future_day(30).isoformat()}",
        headers=headers,
    )
    assert [b["id"] for b in by_date.json()] == [late.id]
    bad = await client.get("/api/bookings?status=archived", headers=headers)
    assert bad.status_code == 400
    bad_date = await client.get("/api/bookings?from=tomorrow", headers=headers)
    assert bad_date.status_code == 400


async def test_provider_user_without_provider_row_gets_404(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    lonely = await factories.user(db_session, user_type="provider")
    response = await client.get("/api/bookings", headers=await auth(db_session, lonely, settings))
    assert response.status_code == 404
    assert response.json()["error"] == "Leverantören hittades inte"


async def test_pending_booking_can_be_deleted_and_the_provider_hears(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop, customer, _early, late = await _two_bookings(db_session)
    response = await client.delete(
        f"/api/bookings/{late.id}", headers=await auth(db_session, customer, settings)
    )
    assert response.status_code == 200
    assert response.json() == {"message": "Booking deleted"}
    assert await db_session.scalar(select(func.count()).where(Booking.id == late.id)) == 0
    types = (
        await db_session.scalars(
            select(Notification.type).where(Notification.user_id == shop.provider_user.id)
        )
    ).all()
    assert types == ["booking_cancelled"]


async def test_paid_confirmed_or_completed_bookings_are_never_hard_deleted(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop, customer, early, _late = await _two_bookings(db_session)
    completed = await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service,
        day=future_day(30), status="completed",
    )  # fmt: skip
    headers = await auth(db_session, customer, settings)
    for booking in (early, completed):
        response = await client.delete(f"/api/bookings/{booking.id}", headers=headers)
        assert response.status_code == 409
        assert response.json()["code"] == "BOOKING_NOT_DELETABLE"
    assert (
        await db_session.scalar(
            select(func.count()).where(Booking.id.in_([early.id, completed.id]))
        )
        == 2
    )


async def test_stranger_cannot_delete(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, _customer, _early, late = await _two_bookings(db_session)
    stranger = await factories.customer(db_session)
    response = await client.delete(
        f"/api/bookings/{late.id}", headers=await auth(db_session, stranger, settings)
    )
    assert response.status_code == 404
    assert await db_session.scalar(select(func.count()).where(Booking.id == late.id)) == 1
