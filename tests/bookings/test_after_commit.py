"""E-mails and notifications of a booking exist only if its transaction commits."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.dependencies import CurrentUser
from equinet.bookings import service
from equinet.bookings.schemas import CreateBookingIn
from equinet.db.session import DbSession
from equinet.kit.errors import EquinetError
from equinet.models import Booking, Notification
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop, read_outbox


async def test_a_booking_whose_request_fails_later_sends_no_mail_and_leaves_no_rows(
    app: FastAPI,
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    outbox: Path,
) -> None:
    async def book_then_fail(
        request: Request, db: DbSession, user: CurrentUser, body: CreateBookingIn
    ) -> None:
        await service.create_booking(db, request.app.state.settings, user, body)
        raise EquinetError("något annat gick fel efteråt", code="LATER_FAILURE")

    app.add_api_route("/test/book-then-fail", book_then_fail, methods=["POST"])
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    body = {
        "providerId": shop.provider.id,
        "serviceId": shop.service.id,
        "bookingDate": future_day().isoformat(),
        "startTime": "10:00",
    }

    response = await client.post(
        "/test/book-then-fail", json=body, headers=await auth(db_session, customer, settings)
    )

    assert response.status_code == 400
    assert read_outbox(outbox) == []
    assert (
        await db_session.scalar(
            select(func.count()).select_from(Booking).where(Booking.customer_id == customer.id)
        )
        == 0
    )
    assert (
        await db_session.scalar(
            select(func.count()).where(Notification.user_id == shop.provider_user.id)
        )
        == 0
    )
    # The same request through the real route commits, and then the mail goes out.
    ok = await client.post(
        "/api/bookings", json=body, headers=await auth(db_session, customer, settings)
    )
    assert ok.status_code == 201
    assert len(read_outbox(outbox)) == 1
