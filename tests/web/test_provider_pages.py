"""The provider's and the admin's pages over HTTP: each form refused with the message beside
its field and the input kept, nothing half-written; the actions reach the same services as the
API (a confirmed booking, a saved week, a reply); role checks give the login page or a 403 page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import create_session
from equinet.kit.dates import today_local
from equinet.models import Availability, Booking, Review, Service, User
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import make_shop

HOME = "http://testserver"
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Origin": HOME,
}


async def _signed_in(
    client: httpx.AsyncClient, db: AsyncSession, user: User, settings: Settings
) -> None:
    token = await create_session(db, user, settings)
    await db.commit()
    client.cookies.set(settings.session_cookie_name, token)


def _error_beside(page: str, name: str) -> str:
    found = re.search(rf'id="f-{name}-error">([^<]+)<', page)
    assert found, f"no message beside {name}"
    return found.group(1)


async def test_provider_pages_need_a_provider_and_admin_pages_an_admin(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    anonymous = await client.get("/provider", headers=BROWSER)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    customer = await factories.customer(db_session)
    await _signed_in(client, db_session, customer, settings)
    for path in ("/provider", "/provider/calendar", "/admin/system", "/admin/users"):
        refused = await client.get(path, headers=BROWSER)
        assert refused.status_code == 403, path
        assert "Åtkomst nekad" in refused.text and "<html" in refused.text
    refused_post = await client.post(
        "/admin/system/maintenance", data={"enabled": "on"}, headers=BROWSER
    )
    assert refused_post.status_code == 403


async def test_dashboard_lists_todays_visits_in_order_and_the_onboarding_checklist(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session, description=None)
    customer = await factories.customer(db_session, first_name="Klara")
    today = today_local()
    for start, end, status in (("14:00", "15:00", "confirmed"), ("09:00", "10:00", "pending")):
        await factories.booking(
            db_session, by=customer, at=shop.provider, for_service=shop.service, day=today,
            start_time=start, end_time=end, status=status,
        )  # fmt: skip
    await _signed_in(client, db_session, shop.provider_user, settings)
    page = await client.get("/provider", headers=BROWSER)
    assert page.status_code == 200
    today_section = page.text.split('id="today-heading"')[1].split('id="waiting-heading"')[0]
    assert today_section.index("09:00–10:00") < today_section.index("14:00–15:00")
    assert "Fyll i företagsprofilen" in page.text  # the description is missing
    waiting = page.text.split('id="waiting-heading"')[1]
    assert "09:00–10:00" in waiting and "14:00–15:00" not in waiting


async def test_confirming_a_booking_tells_the_customer_and_a_second_confirm_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    visit = await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service,
        day=today_local() + timedelta(days=3), status="pending",
    )  # fmt: skip
    await _signed_in(client, db_session, shop.provider_user, settings)
    done = await client.post(
        f"/provider/bookings/{visit.id}/status",
        data={"status": "confirmed", "next": "/provider"},
        headers=BROWSER,
    )
    assert done.status_code == 303 and done.headers["location"] == "/provider"
    await db_session.refresh(visit)
    assert visit.status == "confirmed"
    again = await client.post(
        f"/provider/bookings/{visit.id}/status", data={"status": "confirmed"}, headers=BROWSER
    )
    assert again.status_code == 422
    assert 'role="alert"' in again.text and "confirmed" in again.text
    too_long = await client.post(
        f"/provider/bookings/{visit.id}/status",
        data={"status": "cancelled", "cancellationMessage": "x" * 501},
        headers=BROWSER,
    )
    assert too_long.status_code == 422
    assert "högst 500 tecken" in _error_beside(too_long.text, "cancellationMessage")
    assert "x" * 501 + "</textarea>" in too_long.text
    await db_session.refresh(visit)
    assert visit.status == "confirmed"
    stranger = await client.post(
        f"/provider/bookings/{'0' * 8}-0000-0000-0000-{'0' * 12}/status",
        data={"status": "confirmed"},
        headers=BROWSER,
    )
    assert stranger.status_code == 404


async def test_manual_booking_refused_beside_the_field_then_booked_confirmed(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, settings)
    day = (today_local() + timedelta(days=2)).isoformat()
    form = {"serviceId": shop.service.id, "bookingDate": day, "startTime": "10:00",
            "customerName": "", "customerPhone": "070-123 45 67", "horseName": "Blansen"}  # fmt: skip
    refused = await client.post("/provider/bookings/new", data=form, headers=BROWSER)
    assert refused.status_code == 422
    assert "kundnamn" in _error_beside(refused.text, "customerName")
    assert 'value="070-123 45 67"' in refused.text and 'value="Blansen"' in refused.text
    bad_phone = await client.post(
        "/provider/bookings/new",
        data={**form, "customerName": "Olle Ring", "customerPhone": "12"},
        headers=BROWSER,
    )
    assert bad_phone.status_code == 422
    assert "telefonnummer" in _error_beside(bad_phone.text, "customerPhone")
    booked = await client.post(
        "/provider/bookings/new", data={**form, "customerName": "Olle Ring"}, headers=BROWSER
    )
    assert booked.status_code == 303
    visit = await db_session.scalar(select(Booking).where(Booking.horse_name == "Blansen"))
    assert visit is not None and visit.status == "confirmed" and visit.is_manual_booking
    clash = await client.post(
        "/provider/bookings/new",
        data={**form, "customerName": "Stina Krock", "horseName": "Krock"},
        headers=BROWSER,
    )
    assert clash.status_code == 422 and _error_beside(clash.text, "startTime")
    calendar = await client.get(f"/provider/calendar?from={day}", headers=BROWSER)
    assert "Olle Ring" in calendar.text and "10:00–11:00" in calendar.text


async def test_service_forms_keep_input_and_deactivate(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, settings)
    refused = await client.post(
        "/provider/services",
        data={"name": "Verkning", "price": "-5", "durationMinutes": "45"},
        headers=BROWSER,
    )
    assert refused.status_code == 422
    assert _error_beside(refused.text, "price") and 'value="Verkning"' in refused.text
    created = await client.post(
        "/provider/services",
        data={"name": "Verkning", "price": "650,50", "durationMinutes": "45"},
        headers=BROWSER,
    )
    assert created.status_code == 303
    made = await db_session.scalar(select(Service).where(Service.name == "Verkning"))
    assert made is not None and float(made.price) == 650.5
    too_long = await client.post(
        f"/provider/services/{made.id}",
        data={"name": "Verkning", "price": "650", "durationMinutes": "600", "isActive": "on"},
        headers=BROWSER,
    )
    assert too_long.status_code == 422 and _error_beside(too_long.text, "durationMinutes")
    off = await client.post(f"/provider/services/{made.id}/deactivate", headers=BROWSER)
    assert off.status_code == 303
    await db_session.refresh(made)
    assert made.is_active is False


async def test_weekly_hours_saved_whole_or_not_at_all(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, settings)
    week = {f"startTime{n}": "08:00" for n in range(7)} | {f"endTime{n}": "16:00" for n in range(7)}
    week |= {"isClosed5": "on", "isClosed6": "on", "startTime2": "17:00"}  # Wednesday is wrong
    refused = await client.post("/provider/hours", data=week, headers=BROWSER)
    assert refused.status_code == 422
    assert "Starttid måste vara före sluttid" in _error_beside(refused.text, "day2")
    assert 'name="startTime2" value="17:00"' in refused.text
    before = await db_session.scalar(
        select(func.count())
        .select_from(Availability)
        .where(Availability.provider_id == shop.provider.id, Availability.end_time == "16:00")
    )
    assert before == 0  # nothing of the refused week was written
    saved = await client.post(
        "/provider/hours", data={**week, "startTime2": "08:00"}, headers=BROWSER
    )
    assert saved.status_code == 303
    page = await client.get("/provider/hours", headers=BROWSER)
    assert 'name="endTime0" value="16:00"' in page.text
    assert 'name="isClosed5" checked' in page.text


async def test_a_closed_day_exception_and_its_errors(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, settings)
    past = (today_local() - timedelta(days=1)).isoformat()
    refused = await client.post(
        "/provider/hours/exceptions", data={"date": past, "kind": "closed", "reason": "Semester"},
        headers=BROWSER,
    )  # fmt: skip
    assert refused.status_code == 422
    assert "passerat" in _error_beside(refused.text, "date") and 'value="Semester"' in refused.text
    day = (today_local() + timedelta(days=4)).isoformat()
    no_hours = await client.post(
        "/provider/hours/exceptions", data={"date": day, "kind": "open", "startTime": "10:00"},
        headers=BROWSER,
    )  # fmt: skip
    assert no_hours.status_code == 422 and _error_beside(no_hours.text, "endTime")
    other_place = await client.post(
        "/provider/hours/exceptions",
        data={"date": day, "kind": "open", "startTime": "10:00", "endTime": "14:00",
              "location": "Enköping"},
        headers=BROWSER,
    )  # fmt: skip
    assert other_place.status_code == 303
    page = await client.get("/provider/hours", headers=BROWSER)
    assert "10:00–14:00" in page.text and "Enköping" in page.text
    calendar = await client.get(f"/provider/calendar?from={day}", headers=BROWSER)
    assert "Öppet 10:00–14:00" in calendar.text
    removed = await client.post(f"/provider/hours/exceptions/{day}/delete", headers=BROWSER)
    assert removed.status_code == 303


async def test_reply_to_a_review_once(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session, first_name="Klara")
    visit = await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service, status="completed",
        day=today_local() - timedelta(days=3),
    )  # fmt: skip
    review = await factories.review(
        db_session, visit, customer_id=customer.id, provider_id=shop.provider.id, rating=4,
        comment="Noggrann",
    )  # fmt: skip
    await _signed_in(client, db_session, shop.provider_user, settings)
    page = await client.get("/provider/reviews", headers=BROWSER)
    assert "Noggrann" in page.text and f"/provider/reviews/{review.id}/reply" in page.text
    empty = await client.post(
        f"/provider/reviews/{review.id}/reply", data={"reply": "  "}, headers=BROWSER
    )
    assert empty.status_code == 422 and _error_beside(empty.text, "reply")
    replied = await client.post(
        f"/provider/reviews/{review.id}/reply", data={"reply": "Tack Klara!"}, headers=BROWSER
    )
    assert replied.status_code == 303
    await db_session.refresh(review)
    stored = await db_session.get(Review, review.id)
    assert stored is not None and stored.reply == "Tack Klara!"
    public = await client.get(f"/providers/{shop.provider.id}", headers=BROWSER)
    assert "Tack Klara!" in public.text


async def test_provider_profile_refused_beside_the_field(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, settings)
    refused = await client.post(
        "/provider/profile",
        data={"businessName": "", "city": "Knivsta", "latitude": "95", "longitude": "17,6"},
        headers=BROWSER,
    )
    assert refused.status_code == 422
    assert _error_beside(refused.text, "businessName") and _error_beside(refused.text, "latitude")
    assert 'value="Knivsta"' in refused.text
    saved = await client.post(
        "/provider/profile",
        data={"businessName": "Hovslageri Hanna", "city": "Knivsta", "address": "Stallvägen 1",
              "postalCode": "741 30", "latitude": "59,72", "longitude": "17,79",
              "serviceArea": "Knivsta, Uppsala", "serviceAreaKm": "40"},
        headers=BROWSER,
    )  # fmt: skip
    assert saved.status_code == 303
    await db_session.refresh(shop.provider)
    assert shop.provider.city == "Knivsta" and shop.provider.latitude == 59.72


async def test_admin_searches_users_and_switches_maintenance(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    admin = await factories.user(db_session, is_admin=True, email="drift@equinet.test")
    await factories.customer(db_session, first_name="Sökbar", email="sokbar@example.se")
    await factories.customer(db_session, first_name="Annan", email="annan@example.se")
    await _signed_in(client, db_session, admin, settings)
    found = await client.get("/admin/users?q=sökbar", headers=BROWSER)
    assert found.status_code == 200
    assert "sokbar@example.se" in found.text and "annan@example.se" not in found.text
    wildcard = await client.get("/admin/users?q=%25", headers=BROWSER)
    assert "sokbar@example.se" not in wildcard.text  # % is searched for, not a wildcard
    system = await client.get("/admin/system", headers=BROWSER)
    assert system.status_code == 200
    for shown in ("Anslutningar", "Cacheträff", "Långsammaste frågorna", "backup_age_hours",
                  "p95", "Larmregler"):  # fmt: skip
        assert shown in system.text, shown
    on = await client.post(
        "/admin/system/maintenance", data={"enabled": "on", "message": "Uppgradering"},
        headers=BROWSER,
    )  # fmt: skip
    assert on.status_code == 303
    page = await client.get("/admin/system", headers=BROWSER)
    assert "Uppgradering" in page.text and "Stäng av underhållsläget" in page.text
    off = await client.post("/admin/system/maintenance", data={"enabled": "off"}, headers=BROWSER)
    assert off.status_code == 303


async def test_another_providers_booking_service_and_review_are_not_found(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    mine = await make_shop(db_session)
    theirs = await make_shop(db_session)
    customer = await factories.customer(db_session)
    visit = await factories.booking(
        db_session, by=customer, at=theirs.provider, for_service=theirs.service,
        day=today_local() + timedelta(days=2),
    )  # fmt: skip
    review = await factories.review(
        db_session, visit, customer_id=customer.id, provider_id=theirs.provider.id, rating=3
    )
    await _signed_in(client, db_session, mine.provider_user, settings)
    for path, form in (
        (f"/provider/bookings/{visit.id}/status", {"status": "confirmed"}),
        (f"/provider/services/{theirs.service.id}/deactivate", {}),
        (f"/provider/services/{theirs.service.id}",
         {"name": "Kapad", "price": "1", "durationMinutes": "30"}),
        (f"/provider/reviews/{review.id}/reply", {"reply": "Inte min"}),
    ):  # fmt: skip
        answer = await client.post(path, data=form, headers=BROWSER)
        assert answer.status_code == 404, path
    for row in (visit, theirs.service, review):
        await db_session.refresh(row)
    assert visit.status == "pending" and theirs.service.is_active and review.reply is None
    assert theirs.service.name == "Skoning"


async def test_provider_pages_speak_english_on_request(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, settings)
    hours = await client.get("/provider/hours?lang=en", headers=BROWSER)
    assert "Save the week" in hours.text and "Monday" in hours.text
    assert "Spara veckan" not in hours.text
    calendar = await client.get("/provider/calendar?lang=en", headers=BROWSER)
    assert "Calendar" in calendar.text and "Kalender" not in calendar.text
