"""Route orders and announcements: creation rules, the public list, the provider's available
list, privacy of addresses and phones, cancelling, bookings of an order, follows."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import booking_date_column
from equinet.models import Notification, RouteOrder
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop, read_outbox
from tests.routes.support import order_body, order_near


async def test_customer_places_an_order_and_sees_it_in_full(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    customer = await factories.customer(db_session)
    headers = await auth(db_session, customer, settings)

    response = await client.post("/api/route-orders", json=order_body(), headers=headers)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending" and body["announcementType"] == "customer_initiated"
    assert body["contactPhone"] == "070-7654321" and body["numberOfHorses"] == 2
    assert body["dateFrom"] == future_day(2).isoformat()
    detail = await client.get(f"/api/route-orders/{body['id']}", headers=headers)
    assert detail.status_code == 200 and detail.json()["address"] == "Stallvägen 5, Uppsala"
    mine = await client.get(
        "/api/route-orders?announcementType=customer_initiated", headers=headers
    )
    assert [o["id"] for o in mine.json()] == [body["id"]]


async def test_order_dates_follow_the_rules(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    headers = await auth(db_session, await factories.customer(db_session), settings)
    cases = [
        ({"dateFrom": future_day(-1).isoformat()}, "Startdatum måste vara i framtiden"),
        (
            {"dateFrom": future_day(5).isoformat(), "dateTo": future_day(4).isoformat()},
            "Slutdatum måste vara efter startdatum",
        ),
        ({"dateTo": future_day(40).isoformat()}, "Datum-spann kan max vara 30 dagar"),
        (
            {"priority": "urgent", "dateFrom": future_day(3).isoformat()},
            "Akutbeställningar måste vara inom 48 timmar",
        ),
    ]
    for change, message in cases:
        response = await client.post(
            "/api/route-orders", json=order_body(**change), headers=headers
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"] == message
    english = await client.post(
        "/api/route-orders",
        json=order_body(dateTo=future_day(40).isoformat()),
        headers={**headers, "Accept-Language": "en"},
    )
    assert english.json()["error"] == "The date range can be at most 30 days"
    # Today is a valid first day (the original's UTC-midnight parsing refused it).
    today = await client.post(
        "/api/route-orders",
        json=order_body(dateFrom=future_day(0).isoformat(), priority="urgent"),
        headers=headers,
    )
    assert today.status_code == 201, today.text


async def test_an_order_without_coordinates_uses_the_customers_saved_place_or_is_refused(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    placed = await factories.customer(db_session, latitude=59.1, longitude=17.1)
    unplaced = await factories.customer(db_session)
    body = order_body(latitude=None, longitude=None)

    ok = await client.post(
        "/api/route-orders", json=body, headers=await auth(db_session, placed, settings)
    )
    refused = await client.post(
        "/api/route-orders", json=body, headers=await auth(db_session, unplaced, settings)
    )

    assert ok.status_code == 201 and ok.json()["latitude"] == 59.1
    assert refused.status_code == 400 and refused.json()["code"] == "ADDRESS_NOT_FOUND"


async def test_roles_decide_which_kind_of_order_may_be_created(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    as_provider = await auth(db_session, shop.provider_user, settings)
    as_customer = await auth(db_session, await factories.customer(db_session), settings)
    announcement = {
        "announcementType": "provider_announced",
        "serviceType": "Skoning",
        "dateFrom": future_day(3).isoformat(),
        "dateTo": future_day(5).isoformat(),
        "stops": [{"locationName": "Ridklubben", "address": "Ridvägen 1", "latitude": 59.9,
                   "longitude": 17.6}],
    }  # fmt: skip

    assert (
        await client.post("/api/route-orders", json=order_body(), headers=as_provider)
    ).status_code == 403
    assert (
        await client.post("/api/route-orders", json=announcement, headers=as_customer)
    ).status_code == 403
    too_many = {**announcement, "stops": announcement["stops"] * 4}
    assert (
        await client.post("/api/route-orders", json=too_many, headers=as_provider)
    ).status_code == 422
    long = {**announcement, "dateTo": future_day(20).isoformat()}
    response = await client.post("/api/route-orders", json=long, headers=as_provider)
    assert response.status_code == 400
    assert response.json()["error"] == "Annonsering kan max vara 14 dagar"


async def test_announcement_is_public_and_followers_in_the_area_are_told(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    outbox: Path,
) -> None:
    shop = await make_shop(db_session)
    near = await factories.customer(db_session, first_name="Nära")
    far = await factories.customer(db_session, first_name="Långt")
    follows = [
        (near, {"latitude": 59.86, "longitude": 17.64, "radiusKm": 30}),
        (far, {"latitude": 55.6, "longitude": 13.0, "radiusKm": 30}),  # Malmö
    ]
    for who, area in follows:
        response = await client.post(
            "/api/route-orders/follows",
            json={"providerId": shop.provider.id, **area},
            headers=await auth(db_session, who, settings),
        )
        assert response.status_code == 201, response.text

    created = await client.post(
        "/api/route-orders",
        json={
            "announcementType": "provider_announced",
            "serviceType": "Skoning",
            "dateFrom": future_day(3).isoformat(),
            "dateTo": future_day(5).isoformat(),
            "stops": [
                {"locationName": "Ridklubben", "address": "Ridvägen 1", "latitude": 59.9,
                 "longitude": 17.6},
                {"locationName": "Gården", "address": "Gårdsvägen 2"},  # provider's place
            ],
        },
        headers=await auth(db_session, shop.provider_user, settings),
    )  # fmt: skip

    assert created.status_code == 201, created.text
    stops = created.json()["routeStops"]
    assert [s["stopOrder"] for s in stops] == [1, 2]
    assert stops[1]["latitude"] == shop.provider.latitude
    notes = (await db_session.scalars(select(Notification.user_id).where(
        Notification.type == "route_announcement"))).all()  # fmt: skip
    assert notes == [near.id]
    assert [m["To"] for m in read_outbox(outbox)] == [near.email]

    public = await client.get("/api/route-orders/announcements")
    assert public.status_code == 200
    assert [a["id"] for a in public.json()] == [created.json()["id"]]
    assert public.json()[0]["provider"]["businessName"] == "Hovslageri Hanna"
    nearby = await client.get(
        "/api/route-orders/announcements?latitude=59.9&longitude=17.6&radiusKm=5"
    )
    elsewhere = await client.get(
        "/api/route-orders/announcements?latitude=55.6&longitude=13.0&radiusKm=5"
    )
    assert len(nearby.json()) == 1 and elsewhere.json() == []
    announcement_id = created.json()["id"]
    as_customer = await auth(db_session, far, settings)
    seen = await client.get(f"/api/route-orders/{announcement_id}", headers=as_customer)
    assert seen.status_code == 200 and "bookingCount" not in seen.json()
    own = await client.get(
        f"/api/route-orders/{announcement_id}",
        headers=await auth(db_session, shop.provider_user, settings),
    )
    assert own.json()["bookingCount"] == 0
    half = await client.get("/api/route-orders/announcements?latitude=55.6")
    assert half.status_code == 400 and half.json()["code"] == "INVALID_GEO_FILTER"


async def test_available_orders_are_measured_from_the_providers_place_without_contact_details(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)  # Uppsala, 50 km service area
    near = await order_near(db_session, latitude=59.90, longitude=17.70)
    nearer = await order_near(db_session, latitude=59.87, longitude=17.65)
    await order_near(db_session, latitude=57.7089, longitude=11.9746)  # Göteborg
    await order_near(db_session, status="in_route")
    rival = await make_shop(db_session)
    await factories.route_order(
        db_session, None, customer_id=None, provider_id=rival.provider.id,
        announcement_type="provider_announced", status="open", latitude=59.9, longitude=17.7,
    )  # fmt: skip

    response = await client.get(
        "/api/route-orders/available", headers=await auth(db_session, shop.provider_user, settings)
    )

    assert response.status_code == 200, response.text
    rows = response.json()
    assert [r["id"] for r in rows] == [nearer.id, near.id]
    assert rows[0]["distanceKm"] < rows[1]["distanceKm"] < 50
    for secret in (near.address, near.contact_phone, near.customer_id, "latitude"):
        assert secret not in response.text


async def test_only_the_customer_and_the_matched_provider_see_an_orders_address_and_phone(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    order = await order_near(db_session, owner, status="in_route")
    matched = await make_shop(db_session)
    visit = await factories.route(db_session, matched.provider)
    await factories.route_stop(db_session, visit, order)
    rival = await make_shop(db_session)
    stranger = await factories.customer(db_session)

    for who, expected in (
        (owner, 200),
        (matched.provider_user, 200),
        (rival.provider_user, 404),
        (stranger, 404),
    ):
        response = await client.get(
            f"/api/route-orders/{order.id}", headers=await auth(db_session, who, settings)
        )
        assert response.status_code == expected, (who.id, response.text)
        if expected == 200:
            assert response.json()["contactPhone"] == "070-1234567"
            assert response.json()["address"] == order.address
        else:
            assert order.address not in response.text and "070-1234567" not in response.text


async def test_cancelling_orders_and_announcements(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    as_owner = await auth(db_session, owner, settings)
    pending = await order_near(db_session, owner)
    planned = await order_near(db_session, owner, status="in_route")
    shop = await make_shop(db_session)
    announcement = await factories.route_order(
        db_session, None, customer_id=None, provider_id=shop.provider.id,
        announcement_type="provider_announced", status="open",
    )  # fmt: skip
    cancel = {"status": "cancelled"}

    stranger = await auth(db_session, await factories.customer(db_session), settings)
    assert (
        await client.patch(f"/api/route-orders/{pending.id}", json=cancel, headers=stranger)
    ).status_code == 404
    first = await client.patch(f"/api/route-orders/{pending.id}", json=cancel, headers=as_owner)
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    again = await client.patch(f"/api/route-orders/{pending.id}", json=cancel, headers=as_owner)
    assert again.status_code == 400 and again.json()["code"] == "ALREADY_CANCELLED"
    busy = await client.patch(f"/api/route-orders/{planned.id}", json=cancel, headers=as_owner)
    assert busy.status_code == 409
    as_provider = await auth(db_session, shop.provider_user, settings)
    done = await client.patch(
        f"/api/route-orders/{announcement.id}", json=cancel, headers=as_provider
    )
    assert done.status_code == 200
    await db_session.refresh(announcement)
    assert announcement.status == "cancelled"
    wrong = await client.patch(
        f"/api/route-orders/{announcement.id}", json={"status": "open"}, headers=as_provider
    )
    assert wrong.status_code == 422


async def test_the_provider_sees_the_bookings_of_their_announcement_only(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    announcement = await factories.route_order(
        db_session, None, customer_id=None, provider_id=shop.provider.id,
        announcement_type="provider_announced", status="open",
    )  # fmt: skip
    customer = await factories.customer(db_session, first_name="Kim", last_name="Ek")
    await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service,
        day=future_day(4), route_order_id=announcement.id,
    )  # fmt: skip
    rival = await make_shop(db_session)

    own = await client.get(
        f"/api/route-orders/{announcement.id}/bookings",
        headers=await auth(db_session, shop.provider_user, settings),
    )
    other = await client.get(
        f"/api/route-orders/{announcement.id}/bookings",
        headers=await auth(db_session, rival.provider_user, settings),
    )

    assert own.status_code == 200, own.text
    assert own.json()["totalBookings"] == 1
    assert own.json()["bookings"][0]["customer"]["name"] == "Kim Ek"
    assert other.status_code == 404


async def test_following_is_per_customer_and_can_be_stopped(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session, latitude=59.8, longitude=17.6)
    headers = await auth(db_session, customer, settings)
    created = await client.post(
        "/api/route-orders/follows", json={"providerId": shop.provider.id}, headers=headers
    )
    assert created.status_code == 201 and created.json()["radiusKm"] == 50
    # Following again moves the area instead of adding a second follow.
    await client.post(
        "/api/route-orders/follows",
        json={"providerId": shop.provider.id, "radiusKm": 10},
        headers=headers,
    )
    listed = (await client.get("/api/route-orders/follows", headers=headers)).json()
    assert [(f["id"], f["radiusKm"]) for f in listed] == [(created.json()["id"], 10)]
    stranger = await auth(db_session, await factories.customer(db_session), settings)
    url = f"/api/route-orders/follows/{created.json()['id']}"
    assert (await client.delete(url, headers=stranger)).status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 200
    assert (await client.get("/api/route-orders/follows", headers=headers)).json() == []
    unknown = await client.post(
        "/api/route-orders/follows", json={"providerId": "nope"}, headers=headers
    )
    assert unknown.status_code == 404


async def test_route_order_rows_stay_unchanged_by_a_refused_cancel(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    owner = await factories.customer(db_session)
    order = await order_near(db_session, owner, date_to=booking_date_column(future_day(3)))
    rival = await make_shop(db_session)
    response = await client.patch(
        f"/api/route-orders/{order.id}",
        json={"status": "cancelled"},
        headers=await auth(db_session, rival.provider_user, settings),
    )
    assert response.status_code == 404
    assert (
        await db_session.scalar(
            select(func.count()).where(RouteOrder.id == order.id, RouteOrder.status == "pending")
        )
        == 1
    )
