"""Every model has a factory that produces a row the database accepts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import BASELINE_TABLES, Base
from tests import factories

FACTORIES = {
    "User": factories.user, "Provider": factories.provider, "Service": factories.service,
    "Availability": factories.availability, "AvailabilityException": factories.availability_exception,
    "Booking": factories.booking, "Horse": factories.horse, "HorsePassportToken": factories.horse_passport_token,
    "Upload": factories.upload, "FortnoxConnection": factories.fortnox_connection, "Payment": factories.payment,
    "Notification": factories.notification, "RouteOrder": factories.route_order, "Route": factories.route,
    "RouteStop": factories.route_stop, "EmailVerificationToken": factories.email_verification_token,
    "Review": factories.review, "HorseNote": factories.horse_note,
    "ProviderVerification": factories.provider_verification,
    "GroupBookingRequest": factories.group_booking_request,
    "GroupBookingParticipant": factories.group_booking_participant,
}  # fmt: skip


def test_every_baseline_table_has_a_factory() -> None:
    assert set(FACTORIES) == set(BASELINE_TABLES)


async def test_each_factory_inserts_a_row(db_session: AsyncSession) -> None:
    for table_name, factory in FACTORIES.items():
        row = await factory(db_session)  # type: ignore[operator]
        table = Base.metadata.tables[table_name]
        count = await db_session.scalar(
            select(func.count()).select_from(table).where(table.c.id == row.id)
        )
        assert count == 1, table_name


async def test_the_reminder_and_calendar_factories_make_valid_rows(
    db_session: AsyncSession,
) -> None:
    delivery = await factories.reminder_delivery(db_session)
    opt_out = await factories.reminder_opt_out(db_session)
    feed = await factories.calendar_feed(db_session)
    assert delivery.id and delivery.sent_at is not None
    assert opt_out.created_at is not None
    assert feed.revoked_at is None and len(feed.token_hash) == 64
