"""Routes: planning from chosen orders (given order or optimised), ETAs in Stockholm, owner-only
reads, and stop updates that belong to their route and tell the next customer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.geo import haversine_km
from equinet.models import Notification, Route, RouteOrder
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop, read_outbox
from tests.routes.support import order_near

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DAY = future_day(5)


def route_body(order_ids: list[str], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "routeName": "Tisdagsrundan",
        "routeDate": DAY.isoformat(),
        "startTime": "08:00",
        "orderIds": order_ids,
    }
    body.update(overrides)
    return body


async def _line_of_orders(db: AsyncSession) -> list[RouteOrder]:
    """Four stables due east of Uppsala at 5, 10, 15 and 20 km-ish, one horse each."""
    return [
        await order_near(db, latitude=59.8586, longitude=17.6389 + 0.09 * k, number_of_horses=1)
        for k in (4, 1, 3, 2)
    ]


async def test_route_in_the_given_order_has_totals_etas_and_tells_each_customer(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, outbox: Path
) -> None:
    shop = await make_shop(db_session)
    orders = await _line_of_orders(db_session)
    ids = [o.id for o in orders]

    response = await client.post(
        "/api/routes",
        json=route_body(ids),
        headers=await auth(db_session, shop.provider_user, settings),
    )

    assert response.status_code == 201, response.text
    route = response.json()
    assert [s["routeOrder"]["id"] for s in route["stops"]] == ids
    assert route["totalDistanceKm"] > 0 and route["totalDurationMinutes"] >= 4 * 60
    first = datetime.fromisoformat(route["stops"][0]["estimatedArrivalLocal"])
    assert (
        first.date() == DAY
        and first.utcoffset()
        == datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=STOCKHOLM).utcoffset()
    )
    assert 8 * 60 < first.hour * 60 + first.minute < 9 * 60
    arrivals = [s["estimatedArrival"] for s in route["stops"]]
    assert arrivals == sorted(arrivals)
    assert route["stops"][0]["routeOrder"]["contactPhone"] == "070-1234567"
    statuses = (await db_session.scalars(select(RouteOrder.status).where(
        RouteOrder.id.in_(ids)))).all()  # fmt: skip
    assert set(statuses) == {"in_route"}
    planned = await db_session.scalar(
        select(func.count()).where(Notification.type == "route_planned")
    )
    assert planned == 4
    assert len(read_outbox(outbox)) == 4
    assert "beräknad ankomst kl" in (
        await db_session.scalars(select(Notification.message).where(
            Notification.type == "route_planned"))
    ).first()  # fmt: skip


async def test_optimised_route_is_shorter_than_the_zigzag_the_provider_listed(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    zigzag = await _line_of_orders(db_session)
    straight = await _line_of_orders(db_session)

    given = await client.post(
        "/api/routes", json=route_body([o.id for o in zigzag]), headers=headers
    )
    best = await client.post(
        "/api/routes", json=route_body([o.id for o in straight], optimise=True), headers=headers
    )

    assert given.status_code == 201 and best.status_code == 201, best.text
    assert best.json()["totalDistanceKm"] < given.json()["totalDistanceKm"]
    # On a line the best route is out to the farthest stable and back.
    farthest = haversine_km(59.8586, 17.6389, 59.8586, 17.6389 + 0.36) * settings.route_road_factor
    assert abs(best.json()["totalDistanceKm"] - 2 * farthest) < 0.2


async def test_only_pending_customer_orders_in_the_area_can_be_planned(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    good = await order_near(db_session)
    cases = [
        await order_near(db_session, status="in_route"),
        await order_near(db_session, status="cancelled"),
        await order_near(db_session, latitude=57.7089, longitude=11.9746),  # outside the area
        await factories.route_order(
            db_session, None, customer_id=None, provider_id=shop.provider.id,
            announcement_type="provider_announced", status="pending",
        ),
    ]  # fmt: skip
    for bad in cases:
        response = await client.post(
            "/api/routes", json=route_body([good.id, bad.id]), headers=headers
        )
        assert response.status_code == 409, response.text
        assert response.json()["details"] == {"orderId": bad.id}
    outside = await order_near(db_session, date_to=factories._midnight(future_day(2)))
    response = await client.post("/api/routes", json=route_body([outside.id]), headers=headers)
    assert response.status_code == 400 and response.json()["code"] == "ORDER_OUTSIDE_DATE_RANGE"
    past = await client.post(
        "/api/routes", json=route_body([good.id], routeDate=future_day(-1).isoformat()),
        headers=headers,
    )  # fmt: skip
    assert past.status_code == 400
    assert await db_session.scalar(select(func.count()).select_from(Route)) == 0
    await db_session.refresh(good)
    assert good.status == "pending"


async def test_a_route_is_read_by_its_provider_only(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    rival = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    order = await order_near(db_session)
    created = (
        await client.post("/api/routes", json=route_body([order.id]), headers=headers)
    ).json()

    own = await client.get(f"/api/routes/{created['id']}", headers=headers)
    other = await client.get(
        f"/api/routes/{created['id']}",
        headers=await auth(db_session, rival.provider_user, settings),
    )
    listed = await client.get("/api/routes/my-routes", headers=headers)

    assert own.status_code == 200 and own.json()["routeName"] == "Tisdagsrundan"
    assert other.status_code == 404
    assert [r["id"] for r in listed.json()] == [created["id"]]


async def test_stop_updates_belong_to_their_route_and_tell_the_next_customer(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    first_customer = await factories.customer(db_session)
    second_customer = await factories.customer(db_session)
    one = await order_near(db_session, first_customer, latitude=59.87, longitude=17.65)
    two = await order_near(db_session, second_customer, latitude=59.90, longitude=17.75)
    other = await order_near(db_session)
    route = (
        await client.post("/api/routes", json=route_body([one.id, two.id]), headers=headers)
    ).json()
    other_route = (
        await client.post("/api/routes", json=route_body([other.id]), headers=headers)
    ).json()
    first_stop, second_stop = route["stops"]
    foreign_stop = other_route["stops"][0]

    # A stop of another route through this route's URL is not found (the original's IDOR).
    wrong = await client.patch(
        f"/api/routes/{route['id']}/stops/{foreign_stop['id']}",
        json={"status": "completed"},
        headers=headers,
    )
    assert wrong.status_code == 404

    arrived = await client.patch(
        f"/api/routes/{route['id']}/stops/{first_stop['id']}",
        json={"status": "in_progress"},
        headers=headers,
    )
    assert arrived.status_code == 200 and arrived.json()["actualArrival"] is not None
    assert arrived.json()["routeStatus"] == "in_progress"
    done = await client.patch(
        f"/api/routes/{route['id']}/stops/{first_stop['id']}",
        json={"status": "completed"},
        headers=headers,
    )
    assert done.status_code == 200 and done.json()["actualDeparture"] is not None
    await db_session.refresh(one)
    assert one.status == "completed"
    told = (await db_session.scalars(select(Notification.message).where(
        Notification.user_id == second_customer.id, Notification.type == "route_on_the_way"))).all()  # fmt: skip
    assert len(told) == 1 and "är på väg till dig, beräknad ankomst kl" in told[0]

    visits = await client.get(
        "/api/route-orders/my-orders", headers=await auth(db_session, second_customer, settings)
    )
    visit = visits.json()[0]["visit"]
    assert visit["status"] == "on_the_way" and visit["estimatedArrivalLocal"]
    assert visit["provider"]["businessName"] == "Hovslageri Hanna"

    problem = await client.patch(
        f"/api/routes/{route['id']}/stops/{second_stop['id']}",
        json={"status": "problem", "problemNote": "Grinden låst"},
        headers=headers,
    )
    assert problem.json()["problemNote"] == "Grinden låst"
    last = await client.patch(
        f"/api/routes/{route['id']}/stops/{second_stop['id']}",
        json={"status": "completed"},
        headers=headers,
    )
    assert last.json()["routeStatus"] == "completed"
    rival = await make_shop(db_session)
    stolen = await client.patch(
        f"/api/routes/{route['id']}/stops/{first_stop['id']}",
        json={"status": "pending"},
        headers=await auth(db_session, rival.provider_user, settings),
    )
    assert stolen.status_code == 404


async def test_bookings_of_the_day_are_visited_at_their_fixed_times(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    morning_customer = await factories.customer(db_session, latitude=59.95, longitude=17.70)
    noon_customer = await factories.customer(db_session, latitude=59.80, longitude=17.55)
    morning = await factories.booking(
        db_session, by=morning_customer, at=shop.provider, for_service=shop.service, day=DAY,
        start_time="10:00", end_time="11:00", status="confirmed",
    )  # fmt: skip
    noon = await factories.booking(
        db_session, by=noon_customer, at=shop.provider, for_service=shop.service, day=DAY,
        start_time="13:00", end_time="14:00", status="pending",
    )  # fmt: skip
    order = await order_near(db_session, latitude=59.87, longitude=17.65)

    response = await client.post(
        "/api/routes",
        json=route_body([order.id], bookingIds=[noon.id, morning.id], optimise=True),
        headers=headers,
    )

    assert response.status_code == 201, response.text
    stops = response.json()["stops"]
    by_booking = {s["booking"]["id"]: s for s in stops if s["booking"]}
    assert by_booking[morning.id]["estimatedArrivalLocal"][11:16] == "10:00"
    assert by_booking[noon.id]["estimatedArrivalLocal"][11:16] == "13:00"
    assert [s["stopOrder"] for s in stops] == [1, 2, 3]
    order_stop = next(s for s in stops if s["routeOrder"])
    assert order_stop["estimatedDurationMin"] == 60
    told = (await db_session.scalars(select(Notification.user_id).where(
        Notification.type == "route_planned"))).all()  # fmt: skip
    assert {morning_customer.id, noon_customer.id, order.customer_id} == set(told)

    again = await client.post(
        "/api/routes", json=route_body([], bookingIds=[morning.id]), headers=headers
    )
    assert again.status_code == 409 and again.json()["details"] == {"bookingId": morning.id}

    # Completing a booking's stop leaves the booking's own status to the booking flow.
    stop = by_booking[morning.id]
    done = await client.patch(
        f"/api/routes/{response.json()['id']}/stops/{stop['id']}",
        json={"status": "completed"},
        headers=headers,
    )
    assert done.status_code == 200
    await db_session.refresh(morning)
    assert morning.status == "confirmed"


async def test_bookings_that_cannot_be_on_the_route_are_refused(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    rival = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    placed = await factories.customer(db_session, latitude=59.9, longitude=17.7)
    other_day = await factories.booking(
        db_session, by=placed, at=shop.provider, for_service=shop.service, day=future_day(6),
        status="confirmed",
    )  # fmt: skip
    theirs = await factories.booking(
        db_session, by=placed, at=rival.provider, for_service=rival.service, day=DAY,
        status="confirmed",
    )  # fmt: skip
    for booking in (other_day, theirs):
        response = await client.post(
            "/api/routes", json=route_body([], bookingIds=[booking.id]), headers=headers
        )
        assert response.status_code == 409, response.text
    # Two bookings at 10:00 in places 20 km apart cannot both be kept.
    clash = [
        await factories.booking(
            db_session, by=await factories.customer(db_session, latitude=lat, longitude=17.7),
            at=shop.provider, for_service=shop.service, day=DAY, start_time=start,
            end_time=end, status="confirmed",
        )
        for lat, start, end in ((59.9, "10:00", "11:00"), (60.1, "10:30", "11:30"))
    ]  # fmt: skip
    infeasible = await client.post(
        "/api/routes",
        json=route_body([], bookingIds=[b.id for b in clash], optimise=True),
        headers=headers,
    )
    assert infeasible.status_code == 400 and infeasible.json()["code"] == "ROUTE_INFEASIBLE"
    assert (
        await client.post("/api/routes", json=route_body([]), headers=headers)
    ).status_code == 422
    assert await db_session.scalar(select(func.count()).select_from(Route)) == 0


async def test_the_route_map_draws_home_and_stops_in_the_viewbox(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    from equinet.accounts.dependencies import ProviderAccount
    from equinet.routes import planning

    shop = await make_shop(db_session)
    orders = await _line_of_orders(db_session)
    created = await client.post(
        "/api/routes",
        json=route_body([o.id for o in orders]),
        headers=await auth(db_session, shop.provider_user, settings),
    )
    drawn = await planning.route_map(
        db_session, ProviderAccount(shop.provider_user, shop.provider), created.json()["id"]
    )
    assert drawn["viewBox"] == "0 0 600 400"
    assert [s["stopOrder"] for s in drawn["stops"]] == [1, 2, 3, 4]
    # All on one line east of home: same height, further east further right.
    xs = {o.longitude: s["x"] for o, s in zip(orders, drawn["stops"], strict=True)}
    assert all(abs(s["y"] - drawn["start"]["y"]) < 0.5 for s in drawn["stops"])
    assert [xs[k] for k in sorted(xs)] == sorted(xs.values())
    assert min(xs.values()) > drawn["start"]["x"]
