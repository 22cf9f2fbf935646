"""Reminders: a rebooking reminder when a recurring service is due again and a reminder the
day before each confirmed visit, each sent once, never to manual customers, and stopped by
the unsubscribe link in the e-mail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from equinet.db.base import utcnow
from equinet.models import Booking, Notification, ReminderDelivery
from equinet.reminders import service as reminders
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import Shop, auth, body_of, future_day, make_shop, read_outbox
from tests.reminders.conftest import CRON_SECRET
from tests.web.test_page_queries import counting

CRON = {"Authorization": f"Bearer {CRON_SECRET}"}


async def _recurring_shop(db: AsyncSession) -> Shop:
    shop = await make_shop(db)
    shop.service.recommended_interval_weeks = 6
    await db.flush()
    return shop


async def _completed(
    db: AsyncSession, shop: Shop, customer: Any = None, *, weeks_ago: float = 6.2, **extra: Any
) -> Booking:
    customer = customer or await factories.customer(db, first_name="Rut")
    completed_at = utcnow() - timedelta(weeks=weeks_ago)
    return await factories.booking(
        db, by=customer, at=shop.provider, for_service=shop.service,
        day=completed_at.date(), status="completed", completed_at=completed_at, **extra,
    )  # fmt: skip


async def _run(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/cron/send-reminders", headers=CRON)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_due_rebooking_reminder_is_sent_once(
    client: httpx.AsyncClient, db_session: AsyncSession, outbox: Path
) -> None:
    shop = await _recurring_shop(db_session)
    booking = await _completed(db_session, shop)

    first = await _run(client)
    assert (first["success"], first["remindersSent"], first["rebooking"]) == (True, 1, 1)
    [message] = read_outbox(outbox)
    assert message["Subject"] == "Dags att boka Skoning igen!"
    assert "Hovslageri Hanna" in body_of(message, "plain")
    assert message["List-Unsubscribe"].startswith("<http")
    note = await db_session.scalar(
        select(Notification).where(Notification.user_id == booking.customer_id)
    )
    assert note is not None and note.type == "reminder_rebook"
    assert note.link_url == f"/providers/{shop.provider.id}"

    second = await _run(client)
    assert second["remindersSent"] == 0
    assert len(read_outbox(outbox)) == 1
    deliveries = await db_session.scalar(
        select(func.count()).select_from(ReminderDelivery).where(
            ReminderDelivery.booking_id == booking.id
        )
    )  # fmt: skip
    assert deliveries == 1


@pytest.mark.parametrize(
    "case",
    ["not_due_yet", "long_overdue", "rebooked", "manual_customer", "ghost_address",
     "no_interval", "withdrawn_service"],
)  # fmt: skip
async def test_no_rebooking_reminder_when_it_is_not_wanted(
    db_session: AsyncSession, settings: Settings, case: str
) -> None:
    shop = await _recurring_shop(db_session)
    customer = await factories.customer(db_session)
    weeks_ago = {"not_due_yet": 5.5, "long_overdue": 9}.get(case, 6.2)
    if case == "manual_customer":
        customer.is_manual_customer = True
    if case == "ghost_address":
        customer.email = f"manual-{customer.id}@ghost.equinet.se"
    if case == "no_interval":
        shop.service.recommended_interval_weeks = None
    if case == "withdrawn_service":
        shop.service.is_active = False
    await _completed(db_session, shop, customer, weeks_ago=weeks_ago)
    if case == "rebooked":
        await factories.booking(
            db_session, by=customer, at=shop.provider, for_service=shop.service,
            day=future_day(3), status="pending",
        )  # fmt: skip
    await db_session.flush()
    run = await reminders.send_reminders(db_session, settings)
    assert run.rebooking == 0, case


async def test_a_visit_tomorrow_is_announced_to_customer_and_provider_once(
    client: httpx.AsyncClient, db_session: AsyncSession, outbox: Path
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session, first_name="Vera", address="Stallv. 1")
    booking = await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service, day=future_day(1),
        status="confirmed",
    )  # fmt: skip
    await factories.booking(  # not confirmed: no reminder
        db_session, at=shop.provider, for_service=shop.service, day=future_day(1),
        status="pending", start_time="13:00", end_time="14:00",
    )  # fmt: skip
    await factories.booking(  # the day after tomorrow: not yet
        db_session, at=shop.provider, for_service=shop.service, day=future_day(2),
        status="confirmed",
    )  # fmt: skip

    assert (await _run(client))["dayBefore"] == 2
    messages = {m["To"]: m for m in read_outbox(outbox)}
    assert set(messages) == {customer.email, shop.provider_user.email}
    to_customer = messages[customer.email]
    assert to_customer["Subject"] == "Påminnelse: Skoning hos Hovslageri Hanna i morgon"
    assert "Plats: Stallv. 1" in body_of(to_customer, "plain")
    to_provider = messages[shop.provider_user.email]
    assert to_provider["Subject"] == "Påminnelse: Skoning i morgon kl 10:00"
    assert "Vera" in body_of(to_provider, "plain")
    [attachment] = list(to_provider.iter_attachments())
    [event] = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")
    assert str(event["UID"]) == f"booking-{booking.id}@equinet.se"

    assert (await _run(client))["remindersSent"] == 0
    assert len(read_outbox(outbox)) == 2


async def test_a_manual_customers_visit_is_announced_to_the_provider_only(
    db_session: AsyncSession, settings: Settings, outbox: Path
) -> None:
    shop = await make_shop(db_session)
    ghost = await factories.customer(db_session, is_manual_customer=True)
    await factories.booking(
        db_session, by=ghost, at=shop.provider, for_service=shop.service, day=future_day(1),
        status="confirmed",
    )  # fmt: skip
    run = await reminders.send_reminders(db_session, settings)
    assert run.day_before == 1
    [delivery] = (await db_session.scalars(select(ReminderDelivery))).all()
    assert delivery.user_id == shop.provider_user.id


async def test_the_unsubscribe_link_stops_that_kind_of_reminder(
    client: httpx.AsyncClient, db_session: AsyncSession, outbox: Path
) -> None:
    shop = await _recurring_shop(db_session)
    customer = await factories.customer(db_session)
    await _completed(db_session, shop, customer)
    await _run(client)
    [message] = read_outbox(outbox)
    link = message["List-Unsubscribe"].strip("<>")
    assert link in body_of(message, "plain")
    parts = urlsplit(link)

    assert parts.path == "/unsubscribe"
    # Opening the link (as a mail scanner does) only asks; the confirm button's POST, like a
    # mail client's one-click POST to the same URL, unsubscribes.
    opened = await client.get(f"{parts.path}?{parts.query}", headers={"Accept": "text/html"})
    assert opened.status_code == 200 and "Ja, avsluta" in opened.text
    checked = await client.get(f"/api/reminders/unsubscribe?{parts.query}")
    assert checked.json()["unsubscribed"] is False and checked.json()["kind"] == "rebooking"
    followed = await client.post(
        f"{parts.path}?{parts.query}", data={"List-Unsubscribe": "One-Click"}
    )
    assert followed.status_code == 200, followed.text
    # Following it again (or the API's one-click POST) is harmless.
    again = await client.post(f"/api/reminders/unsubscribe?{parts.query}")
    assert again.status_code == 200, again.text
    assert again.json()["unsubscribed"] is True

    # A later due booking of the same customer: no rebooking reminder any more...
    other = await make_shop(db_session)
    other.service.recommended_interval_weeks = 4
    await _completed(db_session, other, customer, weeks_ago=4.2)
    # ...but the visit tomorrow is still announced (another kind).
    await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service,
        day=future_day(1), status="confirmed",
    )  # fmt: skip
    run = await _run(client)
    assert (run["rebooking"], run["dayBefore"]) == (0, 2)


async def test_a_forged_or_missing_unsubscribe_token_is_refused(
    client: httpx.AsyncClient,
) -> None:
    for query in ("", "?token=", "?token=eyJ1IjoieCIsImsiOiJyZWJvb2tpbmcifQ.forged"):
        response = await client.get(f"/api/reminders/unsubscribe{query}")
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "INVALID_UNSUBSCRIBE_TOKEN"


async def test_the_cron_route_needs_the_exact_secret(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, outbox: Path
) -> None:
    shop = await _recurring_shop(db_session)
    await _completed(db_session, shop)
    admin = await factories.customer(db_session, is_admin=True)
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {CRON_SECRET}x"},
        {"Authorization": CRON_SECRET},
        await auth(db_session, admin, settings),
    ):
        response = await client.get("/api/cron/send-reminders", headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["code"] == "UNAUTHORIZED"
    assert read_outbox(outbox) == []


async def test_finding_the_due_reminders_costs_the_same_few_statements_for_any_history(
    db_session: AsyncSession, engine: AsyncEngine, settings: Settings
) -> None:
    shop = await _recurring_shop(db_session)
    await _completed(db_session, shop, weeks_ago=5.5)
    await db_session.flush()
    with counting(engine) as few:
        assert (await reminders.send_reminders(db_session, settings)).total == 0
    for weeks_ago in (1, 2, 3, 4, 5, 5.5, 9, 12, 20, 30, 52):  # not due, or stale
        await _completed(db_session, shop, weeks_ago=weeks_ago)
    await db_session.flush()
    with counting(engine) as many:
        assert (await reminders.send_reminders(db_session, settings)).total == 0
    # One query per kind of reminder, never one per completed booking.
    assert len(many) == len(few) <= 2, many
