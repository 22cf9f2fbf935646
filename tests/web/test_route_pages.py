"""The route, announcement and group visit pages over HTTP: refused forms come back with the
message beside the field and the input kept, nothing half-written; the public announcement
pages show no contact details; the route page draws one marker per stop."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import create_session
from equinet.kit.dates import now_local, today_local
from equinet.models import Booking, GroupBookingRequest, RouteOrder, User
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import make_shop
from tests.routes.support import order_near

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


def _error_beside(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{field}-error">([^<]+)</p>', html)
    assert found, f"no message beside {field}"
    return found.group(1)


def _day(days: int) -> str:
    return (today_local() + timedelta(days=days)).isoformat()


async def _orders_of(db: AsyncSession, user: User) -> int:
    count = await db.scalar(
        select(func.count()).select_from(RouteOrder).where(RouteOrder.customer_id == user.id)
    )
    return int(count or 0)


async def test_visit_request_refused_fields_are_named_and_the_input_kept(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    customer = await factories.customer(db_session)  # no stored position
    await _signed_in(client, db_session, customer, settings)
    form = {
        "serviceType": "",
        "numberOfHorses": "2",
        "address": "Stallvägen 5, Ingenstans",
        "dateFrom": _day(3),
        "dateTo": _day(1),
        "priority": "normal",
        "contactPhone": "070-1112233",
    }
    refused = await client.post("/customer/route-orders", data=form, headers=BROWSER)
    assert refused.status_code == 422
    assert _error_beside(refused.text, "serviceType") == "Fältet måste fyllas i"
    assert 'value="Stallvägen 5, Ingenstans"' in refused.text
    assert 'value="070-1112233"' in refused.text

    form["serviceType"] = "Skoning"
    unknown_town = await client.post("/customer/route-orders", data=form, headers=BROWSER)
    # The dates are checked first by the service, then the place.
    assert _error_beside(unknown_town.text, "dateFrom") == "Slutdatum måste vara efter startdatum"
    form["dateTo"] = _day(6)
    unknown_town = await client.post("/customer/route-orders", data=form, headers=BROWSER)
    assert unknown_town.status_code == 422
    assert "Hittar inte orten" in _error_beside(unknown_town.text, "address")
    assert await _orders_of(db_session, customer) == 0

    form["address"] = "Stallvägen 5, Knivsta"
    created = await client.post("/customer/route-orders", data=form, headers=BROWSER)
    assert created.status_code == 303 and created.headers["location"] == "/customer/route-orders"
    mine = await client.get("/customer/route-orders", headers=BROWSER)
    assert "Beställningen är skickad" in mine.text
    assert "Stallvägen 5, Knivsta" in mine.text and "Väntar på planering" in mine.text
    order_id = re.search(r'action="/customer/route-orders/([^/]+)/cancel"', mine.text)
    assert order_id
    cancelled = await client.post(
        f"/customer/route-orders/{order_id.group(1)}/cancel", headers=BROWSER
    )
    assert cancelled.status_code == 303
    mine = await client.get("/customer/route-orders", headers=BROWSER)
    assert "Beställningen är avbruten." in mine.text and "Avbruten" in mine.text
    assert "Avbryt beställningen" not in mine.text


async def test_public_announcements_show_no_contact_and_follow_needs_a_place(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, settings)
    form = {"serviceType": "Skoning", "dateFrom": _day(2), "dateTo": _day(4)}
    no_stop = await client.post("/provider/announcements", data=form, headers=BROWSER)
    assert no_stop.status_code == 422
    assert _error_beside(no_stop.text, "stop1Name") == "Fältet måste fyllas i"
    form |= {"stop1Name": "Ridklubben", "stop1Address": "Ridvägen 1, Knivsta"}
    form |= {"stop2Name": "Gården", "stop2Address": "Gårdsvägen 2, Storvreta"}
    created = await client.post("/provider/announcements", data=form, headers=BROWSER)
    assert created.status_code == 303
    detail_path = created.headers["location"]
    assert detail_path.startswith("/announcements/")

    client.cookies.clear()  # anonymous from here
    listing = await client.get("/announcements", headers=BROWSER)
    assert listing.status_code == 200
    assert "Hovslageri Hanna" in listing.text and "Ridklubben → Gården" in listing.text
    detail = await client.get(detail_path, headers=BROWSER)
    assert detail.status_code == 200 and "Ridvägen 1, Knivsta" in detail.text
    assert shop.provider_user.email not in detail.text
    assert "Bevaka" not in detail.text  # following needs a customer
    missing = await client.get("/announcements/no-such-id", headers=BROWSER)
    assert missing.status_code == 404

    customer = await factories.customer(db_session)  # no stored position
    await _signed_in(client, db_session, customer, settings)
    follow = {"providerId": shop.provider.id, "radiusKm": "30", "place": "", "back": detail_path}
    refused = await client.post("/customer/follows", data=follow, headers=BROWSER)
    assert refused.status_code == 422
    assert "Ange din ort" in refused.text and 'value="30"' in refused.text
    follow["place"] = "Knivsta"
    followed = await client.post("/customer/follows", data=follow, headers=BROWSER)
    assert followed.status_code == 303 and followed.headers["location"] == detail_path
    mine = await client.get("/customer/route-orders", headers=BROWSER)
    assert "Sluta bevaka Hovslageri Hanna" in mine.text


async def test_route_planning_refusals_and_the_route_page_map(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    near = [await order_near(db_session, latitude=lat, longitude=17.7) for lat in (59.9, 59.75)]
    await _signed_in(client, db_session, shop.provider_user, settings)
    page = await client.get("/provider/route-orders", headers=BROWSER)
    assert page.status_code == 200
    for order in near:
        assert f'value="{order.id}"' in page.text
    assert "070-1234567" not in page.text  # no phone before the order is on my route

    plan = {"routeName": "Tisdag", "routeDate": _day(2), "startTime": "08:00", "optimise": "on"}
    nothing = await client.post("/provider/routes", data=plan, headers=BROWSER)
    assert nothing.status_code == 422
    assert "Välj minst en beställning" in nothing.text and 'value="Tisdag"' in nothing.text
    past = await client.post(
        "/provider/routes", data={**plan, "routeDate": _day(-1), "orderIds": near[0].id},
        headers=BROWSER,
    )  # fmt: skip
    assert past.status_code == 422 and "Ruttens datum har redan passerat" in past.text
    planned = await client.post(
        "/provider/routes", data={**plan, "orderIds": [o.id for o in near]}, headers=BROWSER
    )
    assert planned.status_code == 303
    route_path = planned.headers["location"]
    route = await client.get(route_path, headers=BROWSER)
    assert route.status_code == 200
    assert route.text.count('class="stop-marker') == 2
    assert '<title id="map-title">' in route.text and "<polyline" in route.text
    assert "070-1234567" in route.text  # matched now: the contact is shown
    assert "Beräknad ankomst kl" in route.text

    stop_id = re.findall(r'id="stop-([^"]+)"', route.text)[0]
    no_note = await client.post(
        f"{route_path}/stops/{stop_id}", data={"status": "problem"}, headers=BROWSER
    )
    assert no_note.status_code == 422
    assert _error_beside(no_note.text, "problemNote") == "Beskriv problemet"
    arrived = await client.post(
        f"{route_path}/stops/{stop_id}", data={"status": "in_progress"}, headers=BROWSER
    )
    assert arrived.status_code == 303
    route = await client.get(route_path, headers=BROWSER)
    assert "Pågår" in route.text
    # The arrival in Stockholm's wall clock (UTC+1 in winter, +2 in summer), not UTC.
    arrived_at = re.search(r"Ankom kl (\d\d:\d\d)", route.text)
    assert arrived_at
    around = [now_local() + timedelta(minutes=m) for m in (-1, 0)]
    assert arrived_at.group(1) in {t.strftime("%H:%M") for t in around}
    other = await client.post(
        f"{route_path}/stops/not-a-stop", data={"status": "in_progress"}, headers=BROWSER
    )
    assert other.status_code == 404
    mine = await client.get("/provider/routes", headers=BROWSER)
    assert "Tisdag" in mine.text and "2 stopp" in mine.text


async def test_group_visit_forms_refuse_with_reasons_and_book_nobody_on_a_refused_match(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    organiser = await factories.customer(db_session, first_name="Olga")
    await _signed_in(client, db_session, organiser, settings)
    form = {
        "serviceType": "Skoning", "locationName": "", "address": "Ridvägen 8, Knivsta",
        "dateFrom": _day(3), "dateTo": _day(6), "maxParticipants": "1", "numberOfHorses": "1",
    }  # fmt: skip
    refused = await client.post("/customer/group-bookings", data=form, headers=BROWSER)
    assert refused.status_code == 422
    assert _error_beside(refused.text, "locationName") == "Fältet måste fyllas i"
    assert _error_beside(refused.text, "maxParticipants")
    assert 'value="Ridvägen 8, Knivsta"' in refused.text
    form |= {"locationName": "Ridklubben", "maxParticipants": "4"}
    created = await client.post("/customer/group-bookings", data=form, headers=BROWSER)
    assert created.status_code == 303
    group_page = await client.get(created.headers["location"], headers=BROWSER)
    code = re.search(r'id="invite-code">([A-Z0-9]+)<', group_page.text)
    assert code and "Dela inbjudningskoden" in group_page.text

    wrong = await client.post(
        "/customer/group-bookings/join", data={"inviteCode": "nope1234"}, headers=BROWSER
    )
    assert wrong.status_code == 422
    assert _error_beside(wrong.text, "inviteCode") == "Ogiltig inbjudningskod"
    again = await client.post(
        "/customer/group-bookings/join", data={"inviteCode": code.group(1)}, headers=BROWSER
    )
    assert "Du är redan med" in _error_beside(again.text, "inviteCode")

    group_id = created.headers["location"].rsplit("/", 1)[1]
    await _signed_in(client, db_session, shop.provider_user, settings)
    listing = await client.get("/provider/group-bookings", headers=BROWSER)
    assert f'href="/provider/group-bookings/{group_id}"' in listing.text
    outside = {"serviceId": shop.service.id, "bookingDate": _day(9), "startTime": "09:00"}
    refused_match = await client.post(
        f"/provider/group-bookings/{group_id}/match", data=outside, headers=BROWSER
    )
    assert refused_match.status_code == 422
    assert "inom grupprequestens datum-spann" in refused_match.text
    closed = {**outside, "bookingDate": _day(4), "startTime": "19:00"}  # after opening hours
    refused_match = await client.post(
        f"/provider/group-bookings/{group_id}/match", data=closed, headers=BROWSER
    )
    assert refused_match.status_code == 422
    assert "Deltagare 1 kunde inte bokas kl 19:00" in refused_match.text
    booked = await db_session.scalar(
        select(func.count()).select_from(Booking).where(Booking.customer_id == organiser.id)
    )
    assert booked == 0
    # The matched notification's link leads to the customer's bookings page.
    await _signed_in(client, db_session, organiser, settings)
    link = await client.get("/customer/bookings", headers=BROWSER)
    assert link.status_code == 303 and link.headers["location"] == "/my/bookings"
    group = await db_session.get(GroupBookingRequest, group_id)
    assert group is not None
    await db_session.refresh(group)
    assert group.status == "open"


async def test_the_bookings_of_an_announcement_are_shown_to_its_provider_only(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    await _signed_in(client, db_session, shop.provider_user, settings)
    form = {
        "serviceType": "Skoning", "dateFrom": _day(2), "dateTo": _day(4),
        "stop1Name": "Ridklubben", "stop1Address": "Ridvägen 1, Knivsta",
    }  # fmt: skip
    created = await client.post("/provider/announcements", data=form, headers=BROWSER)
    order_id = created.headers["location"].rsplit("/", 1)[1]
    rider = await factories.customer(db_session, first_name="Vera", last_name="Ryttare")
    await factories.booking(
        db_session, by=rider, at=shop.provider, for_service=shop.service,
        day=today_local() + timedelta(days=3), route_order_id=order_id, horse_name="Stella",
    )  # fmt: skip
    await db_session.commit()
    mine = await client.get("/provider/route-orders", headers=BROWSER)
    assert f'href="/provider/route-orders/{order_id}/bookings">1 bokningar<' in mine.text
    page = await client.get(f"/provider/route-orders/{order_id}/bookings", headers=BROWSER)
    assert page.status_code == 200
    assert "Vera Ryttare" in page.text and "Stella" in page.text and rider.email in page.text

    other = await make_shop(db_session)
    await _signed_in(client, db_session, other.provider_user, settings)
    refused = await client.get(f"/provider/route-orders/{order_id}/bookings", headers=BROWSER)
    assert refused.status_code == 404 and rider.email not in refused.text
    client.cookies.set("lang", "en")
    english = await client.get("/announcements", headers=BROWSER)
    assert '<html lang="en">' in english.text and "Route announcements" in english.text
    assert "Between " in english.text


async def test_leaving_and_removing_group_members_and_unfollowing(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    organiser = await factories.customer(db_session, first_name="Olga")
    group = await factories.group_booking_request(
        db_session, organiser, location_name="Hagens Stall", latitude=59.72, longitude=17.78,
        status="open",
    )  # fmt: skip
    await factories.group_booking_participant(db_session, group, organiser)
    leaver = await factories.customer(db_session, first_name="Lina")
    gone = await factories.group_booking_participant(db_session, group, leaver)
    removed = await factories.customer(db_session, first_name="Rolf")
    kicked = await factories.group_booking_participant(db_session, group, removed)

    await _signed_in(client, db_session, leaver, settings)
    left = await client.post(
        f"/customer/group-bookings/{group.id}/participants/{gone.id}/remove", headers=BROWSER
    )
    assert left.status_code == 303 and left.headers["location"] == "/customer/group-bookings"
    mine = await client.get("/customer/group-bookings", headers=BROWSER)
    assert "Du har lämnat gruppbesöket." in mine.text and "Hagens Stall" not in mine.text
    # Someone else's participant is not mine to remove.
    refused = await client.post(
        f"/customer/group-bookings/{group.id}/participants/{kicked.id}/remove", headers=BROWSER
    )
    assert refused.status_code == 404

    await _signed_in(client, db_session, organiser, settings)
    page = await client.get(f"/customer/group-bookings/{group.id}", headers=BROWSER)
    assert "Ta bort Rolf" in page.text
    assert "Lina" not in page.text  # who left is no longer listed
    out = await client.post(
        f"/customer/group-bookings/{group.id}/participants/{kicked.id}/remove", headers=BROWSER
    )
    assert out.headers["location"] == f"/customer/group-bookings/{group.id}"
    page = await client.get(out.headers["location"], headers=BROWSER)
    assert "Deltagaren är borttagen." in page.text and "Ta bort Rolf" not in page.text

    shop = await make_shop(db_session)
    followed = await client.post(
        "/customer/follows",
        data={"providerId": shop.provider.id, "radiusKm": "40", "place": "Uppsala"},
        headers=BROWSER,
    )
    assert followed.status_code == 303
    orders = await client.get("/customer/route-orders", headers=BROWSER)
    follow_id = re.search(r'action="/customer/follows/([^/]+)/delete"', orders.text)
    assert follow_id and "inom 40 km" in orders.text
    dropped = await client.post(f"/customer/follows/{follow_id.group(1)}/delete", headers=BROWSER)
    assert dropped.status_code == 303
    orders = await client.get("/customer/route-orders", headers=BROWSER)
    assert "Bevakningen är borttagen." in orders.text and "Sluta bevaka" not in orders.text


async def test_the_route_form_offers_the_days_confirmed_located_bookings_and_plans_them(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    day = today_local() + timedelta(days=3)
    placed = {"latitude": 59.88, "longitude": 17.66, "address": "Hagvägen 2", "city": "Uppsala"}
    customer = await factories.customer(db_session, first_name="Berit", **placed)
    unplaced = await factories.customer(db_session, first_name="Utan")
    shown = await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service, day=day,
        status="confirmed", start_time="13:00", end_time="14:00",
    )  # fmt: skip
    hidden = [
        await factories.booking(
            db_session, by=who, at=shop.provider, for_service=shop.service, day=when,
            status=status, start_time=start, end_time=end,
        )
        for who, when, status, start, end in (
            (customer, day, "pending", "09:00", "10:00"),  # not confirmed
            (unplaced, day, "confirmed", "10:00", "11:00"),  # no known place
            (customer, day + timedelta(days=1), "confirmed", "09:00", "10:00"),  # another day
        )
    ]  # fmt: skip
    await _signed_in(client, db_session, shop.provider_user, settings)

    page = await client.get(f"/provider/route-orders?day={day.isoformat()}", headers=BROWSER)
    assert page.status_code == 200
    offered = re.findall(r'name="bookingIds" value="([^"]+)"', page.text)
    assert offered == [shown.id], [b.id for b in hidden]
    assert re.search(rf'name="routeDate"[^>]*value="{day.isoformat()}"', page.text)
    assert "Hagvägen 2, Uppsala" in page.text

    planned = await client.post(
        "/provider/routes",
        data={
            "routeName": "Bokningsrundan", "routeDate": day.isoformat(), "startTime": "08:00",
            "bookingIds": shown.id,
        },
        headers=BROWSER,
    )  # fmt: skip
    assert planned.status_code == 303, planned.text
    route = await client.get(planned.headers["location"], headers=BROWSER)
    assert route.text.count('class="stop-marker') == 1
    assert "Berit" in route.text and "Hagvägen 2, Uppsala" in route.text
    again = await client.get(f"/provider/route-orders?day={day.isoformat()}", headers=BROWSER)
    assert 'name="bookingIds"' not in again.text  # on a route now: not offered twice
