"""Reminders and calendar feeds in real Chromium: the rebooking reminder reaches the customer
over SMTP, its unsubscribe link opened in the browser (sv and en) stops the next ones; the
secret calendar address on the profile page serves the bookings as iCal, a new address ends
the old one and revoking ends it."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from icalendar import Calendar
from playwright.async_api import expect
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.kit.dates import today_local
from equinet.models import User
from equinet.reminders import service as reminders
from tests import factories
from tests.web import scenes
from tests.web.live import LiveApp

pytestmark = pytest.mark.browser


def _unsubscribe_links(live: LiveApp, address: str, wanted: int = 1) -> list[str]:
    """The unsubscribe links of the e-mails to `address` (waits for `wanted` of them)."""
    pattern = re.compile(re.escape(live.url) + r"/unsubscribe\?token=[0-9A-Za-z._-]+")
    for _attempt in range(100):
        found = []
        for message in live.mailbox.to(address):
            body = message.get_body(preferencelist=("plain",))
            hit = pattern.search(str(body.get_content())) if body is not None else None  # type: ignore[attr-defined]
            if hit:
                found.append(hit.group(0))
        if len(found) >= wanted:
            return found
        threading.Event().wait(0.1)
    raise AssertionError(f"no reminder with an unsubscribe link to {address}")


async def _due_again(db: AsyncSession, customer: User, name: str) -> None:
    """A completed visit of a six-weekly service, six weeks and a day ago."""
    shop = await scenes.stable(db, name=name)
    shop.service.recommended_interval_weeks = 6
    done = utcnow() - timedelta(weeks=6, days=1)
    await factories.booking(
        db, by=customer, at=shop.provider, for_service=shop.service, day=done.date(),
        status="completed", completed_at=done,
    )  # fmt: skip


def _send_reminders(live: LiveApp) -> reminders.ReminderRun:
    # What `equinet jobs send-reminders` and the cron route run; the live worker mails them.
    return live.run(lambda db: reminders.send_reminders(db, live.settings))


async def test_a_rebooking_reminder_is_unsubscribed_from_its_link_and_the_next_run_sends_none(
    browser: Any, page: Any, live: LiveApp
) -> None:
    tag = uuid.uuid4().hex[:6]
    customer = live.run(lambda db: scenes.customer(db, first_name="Ronja"))
    live.run(lambda db: _due_again(db, customer, f"Påminnelse Hovslageri {tag}"))

    assert _send_reminders(live).rebooking >= 1
    [link] = _unsubscribe_links(live, customer.email)
    [mail] = live.mailbox.to(customer.email)
    assert mail["Subject"] == "Dags att boka Skoning igen!"
    assert mail["List-Unsubscribe"] == f"<{link}>"

    english = await browser.new_context(base_url=live.url, locale="en-GB")
    try:
        reader = await english.new_page()
        await reader.goto(link)
        await expect(reader.get_by_role("heading", level=1)).to_have_text("Stop reminders")
        await expect(reader.locator("main")).to_contain_text(
            "Do you want to stop getting reminders to book again?"
        )
    finally:
        await english.close()

    # Opening the link (as the English reader just did) stops nothing; the button does.
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Avsluta påminnelser")
    await expect(page.locator("main")).to_contain_text(
        "Vill du sluta få påminnelser om att boka igen?"
    )
    await page.get_by_role("button", name="Ja, avsluta").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Klart. Du får inte längre påminnelser om att boka igen."
    )

    # Another due visit at another stable would be reminded of, but not to this customer now;
    # a customer who did not unsubscribe still gets theirs in the same run.
    live.run(lambda db: _due_again(db, customer, f"Andra Hovslageriet {tag}"))
    other = live.run(lambda db: scenes.customer(db, first_name="Ove"))
    live.run(lambda db: _due_again(db, other, f"Ovesmedjan {tag}"))
    assert _send_reminders(live).rebooking >= 1
    _unsubscribe_links(live, other.email)
    threading.Event().wait(0.5)  # the worker has sent everything of the run by now
    assert len(live.mailbox.to(customer.email)) == 1


async def _upcoming(db: AsyncSession, tag: str) -> tuple[User, User, str, date]:
    shop = await scenes.stable(db, name=f"Kalender Hovslageri {tag}")
    customer = await scenes.customer(db, first_name="Kalle")
    day = today_local() + timedelta(days=4)
    booking = await factories.booking(
        db, by=customer, at=shop.provider, for_service=shop.service, day=day,
        status="confirmed", start_time="09:00", end_time="10:00",
    )  # fmt: skip
    return customer, shop.provider_user, booking.id, day


async def _feed_of(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


async def _status_of(url: str) -> int:
    async with httpx.AsyncClient() as client:
        return (await client.get(url)).status_code


@pytest.mark.parametrize("who", ["customer", "provider"])
async def test_the_profile_shows_a_secret_calendar_feed_that_a_new_address_or_revoking_ends(
    context: Any, page: Any, live: LiveApp, who: str
) -> None:
    tag = uuid.uuid4().hex[:6]
    customer, provider_user, booking_id, day = live.run(lambda db: _upcoming(db, tag))
    await context.add_cookies(
        [live.session_cookie(customer if who == "customer" else provider_user)]
    )

    await page.goto("/profile")
    feed = page.locator("#calendar-feed")
    await feed.get_by_role("button", name="Skapa kalenderadress").click()
    address = page.get_by_label("Din hemliga kalenderadress (visas bara nu)")
    first = await address.input_value()
    assert re.fullmatch(re.escape(live.url) + r"/api/calendar/[^/]+\.ics", first), first

    events = await _feed_of(first)
    uid = f"booking-{booking_id}@equinet.se"
    assert list(events) == [uid]
    start = events[uid].decoded("DTSTART")
    assert (start.date(), start.strftime("%H:%M"), str(start.tzinfo)) == (
        day, "09:00", "Europe/Stockholm"
    )  # fmt: skip
    assert (await _feed_of(first)).keys() == {uid}  # the same UID on every fetch

    await page.goto("/profile")
    await expect(feed).to_contain_text("Du har en aktiv kalenderadress sedan")
    await expect(address).to_have_count(0)  # only a hash is kept: never shown again
    await feed.get_by_role("button", name="Skapa en ny adress").click()
    second = await address.input_value()
    assert second != first
    assert await _status_of(first) == 404
    assert list(await _feed_of(second)) == [uid]

    await feed.get_by_role("button", name="Återkalla").click()
    await expect(page.get_by_role("status")).to_have_text("Kalenderflödet har återkallats.")
    await expect(feed.get_by_role("button", name="Skapa kalenderadress")).to_be_visible()
    assert await _status_of(second) == 404
