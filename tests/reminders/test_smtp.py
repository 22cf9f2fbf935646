"""Reminder e-mails over real SMTP (a local aiosmtpd server): sent after the commit, with the
unsubscribe headers and the visit's .ics."""

from __future__ import annotations

from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.accounts.conftest import (
    AppFactory,
    Mailbox,
    app_factory,
    client_for,
    mailbox,
    smtp_server,
)
from tests.bookings.support import future_day, make_shop
from tests.reminders.conftest import CRON_SECRET

__all__ = ["app_factory", "mailbox", "smtp_server"]


async def test_day_before_reminders_reach_the_smtp_server_once(
    app_factory: AppFactory, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    booking = await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service, day=future_day(1),
        status="confirmed",
    )  # fmt: skip
    async with app_factory(cron_secret=CRON_SECRET) as app, client_for(app) as client:
        for _ in range(2):
            response = await client.get(
                "/api/cron/send-reminders", headers={"Authorization": f"Bearer {CRON_SECRET}"}
            )
            assert response.status_code == 200, response.text
    [to_customer] = mailbox.to(customer.email)
    [to_provider] = mailbox.to(shop.provider_user.email)
    for message in (to_customer, to_provider):
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        [attachment] = list(message.iter_attachments())
        [event] = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")
        assert str(event["UID"]) == f"booking-{booking.id}@equinet.se"
    assert str(
        Calendar.from_ical(next(to_provider.iter_attachments()).get_payload(decode=True)).walk(
            "VEVENT"
        )[0]["SUMMARY"]
    ).startswith("Skoning - ")
