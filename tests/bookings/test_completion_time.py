"""The completion time of a booking: recorded when the provider marks it completed, not moved
by later updates, and filled in for the completed bookings that existed before revision 0012."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.db.urls import DatabaseTarget
from equinet.models import Booking
from equinet.ops import database
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop
from tests.conftest import make_settings
from tests.db.support import sql, value


async def test_completing_a_booking_records_when_and_later_updates_leave_it(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    booking = await factories.booking(
        db_session, at=shop.provider, for_service=shop.service, day=future_day(),
        status="confirmed",
    )  # fmt: skip
    headers = await auth(db_session, shop.provider_user, settings)
    before = utcnow()
    response = await client.put(
        f"/api/bookings/{booking.id}", headers=headers, json={"status": "completed"}
    )
    assert response.status_code == 200, response.text
    await db_session.refresh(booking)
    assert booking.completed_at is not None
    assert before <= booking.completed_at <= utcnow()
    completed_at = booking.completed_at

    await db_session.execute(
        update(Booking)
        .where(Booking.id == booking.id)
        .values(customer_notes="senare ändring", updated_at=utcnow() + timedelta(days=3))
    )
    await db_session.refresh(booking)
    assert booking.completed_at == completed_at


async def test_other_status_changes_record_no_completion_time(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    booking = await factories.booking(db_session, at=shop.provider, for_service=shop.service)
    headers = await auth(db_session, shop.provider_user, settings)
    for status in ("confirmed", "cancelled"):
        response = await client.put(
            f"/api/bookings/{booking.id}", headers=headers, json={"status": status}
        )
        assert response.status_code == 200, response.text
    await db_session.refresh(booking)
    assert booking.completed_at is None


@pytest.mark.schema
async def test_revision_0012_backfills_completed_bookings_from_the_visit(
    scratch: DatabaseTarget,
) -> None:
    await database.migrate(scratch, make_settings(scratch), "0011")
    await sql(
        scratch,
        """
        INSERT INTO "User" (id, email, "passwordHash", "userType", "firstName", "lastName",
                            "updatedAt")
        VALUES ('u1', 'a@b.se', 'x', 'provider', 'A', 'B', now());
        INSERT INTO "Provider" (id, "userId", "businessName", "updatedAt")
        VALUES ('p1', 'u1', 'Hov AB', now());
        INSERT INTO "Service" (id, "providerId", name, price, "durationMinutes")
        VALUES ('s1', 'p1', 'Skoning', 800, 60);
        INSERT INTO "Booking" (id, "customerId", "providerId", "serviceId", "bookingDate",
                               "startTime", "endTime", status, "updatedAt", "priceAtBooking")
        VALUES
          -- completed long after the visit and touched again later: the visit's end counts
          ('late', 'u1', 'p1', 's1', '2026-06-10', '09:00', '10:00', 'completed',
           '2026-09-01 12:00:00', 800),
          -- marked completed before the visit was over: its update time is earlier
          ('early', 'u1', 'p1', 's1', '2026-06-11', '09:00', '10:00', 'completed',
           '2026-06-11 07:30:00', 800),
          ('open', 'u1', 'p1', 's1', '2026-06-12', '09:00', '10:00', 'confirmed',
           '2026-06-01 08:00:00', 800);
        """,
    )
    await database.migrate(scratch, make_settings(scratch), "0012")
    query = 'SELECT "completedAt" FROM "Booking" WHERE id = $1'
    # 10:00 in Stockholm in June (UTC+2) is 08:00 UTC.
    assert await value(scratch, query, "late") == datetime(2026, 6, 10, 8, 0)
    assert await value(scratch, query, "early") == datetime(2026, 6, 11, 7, 30)
    assert await value(scratch, query, "open") is None
