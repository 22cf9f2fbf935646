"""Calendar feeds, tested by parsing them back: a user's secret URL lists their upcoming
confirmed bookings (cancelled ones as CANCELLED) with stable UIDs in Europe/Stockholm time."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import CalendarFeed
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop, read_outbox

STOCKHOLM = ZoneInfo("Europe/Stockholm")


async def _feed_path(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    created = await client.post("/api/calendar-feed", headers=headers)
    assert created.status_code == 201, created.text
    return urlsplit(created.json()["url"]).path


async def _events(client: httpx.AsyncClient, path: str) -> dict[str, object]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


async def test_the_customers_feed_lists_upcoming_confirmed_and_cancelled_bookings(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    day = future_day(5)
    made = {
        status: await factories.booking(
            db_session, by=customer, at=shop.provider, for_service=shop.service, day=day,
            status=status, start_time=start, end_time=end,
        )
        for status, start, end in (
            ("confirmed", "09:00", "10:00"), ("cancelled", "11:00", "12:00"),
            ("pending", "13:00", "14:00"),
        )
    }  # fmt: skip
    await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service, day=future_day(-3),
        status="confirmed",
    )  # fmt: skip
    path = await _feed_path(client, await auth(db_session, customer, settings))

    events = await _events(client, path)
    confirmed_uid = f"booking-{made['confirmed'].id}@equinet.se"
    cancelled_uid = f"booking-{made['cancelled'].id}@equinet.se"
    assert set(events) == {confirmed_uid, cancelled_uid}
    confirmed = events[confirmed_uid]
    assert str(confirmed["STATUS"]) == "CONFIRMED"  # type: ignore[index]
    assert str(events[cancelled_uid]["STATUS"]) == "CANCELLED"  # type: ignore[index]
    start = confirmed.decoded("DTSTART")  # type: ignore[attr-defined]
    assert start == datetime(day.year, day.month, day.day, 9, 0, tzinfo=STOCKHOLM)
    assert str(start.tzinfo) == "Europe/Stockholm"
    assert str(confirmed["SUMMARY"]) == "Skoning hos Hovslageri Hanna"  # type: ignore[index]
    # Stable: the same UIDs on the next read.
    assert set(await _events(client, path)) == set(events)


async def test_the_providers_feed_names_the_customer(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session, first_name="Kim", last_name="Kund")
    booking = await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service, day=future_day(),
        status="confirmed",
    )  # fmt: skip
    other_customer = await factories.customer(db_session)
    path = await _feed_path(client, await auth(db_session, shop.provider_user, settings))
    events = await _events(client, path)
    event = events[f"booking-{booking.id}@equinet.se"]
    assert str(event["SUMMARY"]) == "Skoning - Kim Kund"  # type: ignore[index]
    # Another user's feed does not carry it.
    theirs = await _feed_path(client, await auth(db_session, other_customer, settings))
    assert await _events(client, theirs) == {}


async def test_the_token_is_kept_hashed_and_a_new_url_or_a_revoke_ends_the_old_one(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    customer = await factories.customer(db_session)
    headers = await auth(db_session, customer, settings)
    first = await _feed_path(client, headers)
    token = first.removeprefix("/api/calendar/").removesuffix(".ics")
    assert len(token) >= 43
    [stored] = (
        await db_session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == customer.id))
    ).all()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (await client.get("/api/calendar-feed", headers=headers)).json()["active"] is True

    second = await _feed_path(client, headers)
    assert second != first
    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200

    assert (await client.delete("/api/calendar-feed", headers=headers)).status_code == 200
    gone = await client.get(second)
    assert gone.status_code == 404 and gone.json()["code"] == "CALENDAR_FEED_NOT_FOUND"
    assert (await client.get("/api/calendar-feed", headers=headers)).json() == {
        "active": False,
        "createdAt": None,
    }
    assert (await client.delete("/api/calendar-feed", headers=headers)).status_code == 404


async def test_booking_emails_carry_the_booking_as_an_ics_attachment(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, outbox: Path
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    headers = await auth(db_session, customer, settings)
    day = future_day()
    created = await client.post(
        "/api/bookings",
        headers=headers,
        json={"providerId": shop.provider.id, "serviceId": shop.service.id,
              "bookingDate": day.isoformat(), "startTime": "10:00"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    booking_id = created.json()["id"]
    cancelled = await client.put(
        f"/api/bookings/{booking_id}", headers=headers, json={"status": "cancelled"}
    )
    assert cancelled.status_code == 200, cancelled.text

    statuses = []
    for message in read_outbox(outbox):
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "text/calendar"
        assert attachment.get_filename() == "bokning.ics"
        calendar = Calendar.from_ical(attachment.get_payload(decode=True))
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]) == f"booking-{booking_id}@equinet.se"
        assert event.decoded("DTSTART") == datetime(
            day.year, day.month, day.day, 10, 0, tzinfo=STOCKHOLM
        )
        statuses.append((str(event["STATUS"]), int(event["SEQUENCE"])))
    assert statuses == [("TENTATIVE", 0), ("CANCELLED", 2)]
