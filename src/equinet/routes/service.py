"""Route orders, provider announcements and follows (route planning is in planning.py).

A customer's order (come some day between two dates) is visible in full to its customer and
to the provider whose route has a stop for it; other providers see it only in their
"available" list, measured from their own location within their service area, without the
address, the phone or the customer. Announcements are public.

Services flush, never commit; notifications are rows in the request's transaction and
e-mails go out after the commit (one function per e-mail kind in routes/emails.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.dates import (
    booking_date_column,
    date_of_booking_column,
    format_date,
    now_local,
    today_local,
)
from equinet.kit.email import queue_composed_email
from equinet.kit.geo import bounding_box, haversine_km
from equinet.kit.pagination import PageRequest
from equinet.kit.timestamps import iso_utc
from equinet.models import Provider, RouteOrder, RouteStop, User
from equinet.notifications.messages import short_date
from equinet.notifications.service import notify
from equinet.providers.exceptions import ProviderNotFound
from equinet.routes import emails, repository
from equinet.routes.exceptions import (
    AddressNotFound,
    AlreadyCancelled,
    CustomersOnly,
    FollowNotFound,
    InvalidDates,
    InvalidGeoFilter,
    InvalidListQuery,
    OrderNotCancellable,
    ProviderLocationMissing,
    ProvidersOnly,
    RouteOrderNotFound,
)
from equinet.routes.schemas import (
    AnnouncementIn,
    CustomerOrderIn,
    FollowIn,
)
from equinet.settings import Settings

DEFAULT_SERVICE_AREA_KM = 50.0
MINUTES_PER_HORSE = 60
ORDER_SPAN_DAYS = 30
ANNOUNCEMENT_SPAN_DAYS = 14
URGENT_WITHIN_DAYS = 2
MAX_RADIUS_KM = 500.0
AVAILABLE_LIMIT = 50
CUSTOMER_ROUTE_ORDERS_LINK = "/customer/route-orders"
ANNOUNCEMENTS_LINK = "/announcements"


# --- shapes -------------------------------------------------------------------------------


def day_text(value: datetime) -> str:
    return format_date(date_of_booking_column(value))


def local_hhmm(value: datetime | None) -> str | None:
    """A stored UTC instant as the Stockholm wall clock ("09:40")."""
    return None if value is None else now_local(value).strftime("%H:%M")


def local_iso(value: datetime | None) -> str | None:
    return None if value is None else now_local(value).isoformat(timespec="minutes")


def _stop_view(stop: RouteStop) -> dict[str, Any]:
    return {
        "id": stop.id,
        "stopOrder": stop.stop_order,
        "locationName": stop.location_name,
        "address": stop.address,
        "latitude": stop.latitude,
        "longitude": stop.longitude,
        "status": stop.status,
    }


def order_view(order: RouteOrder) -> dict[str, Any]:
    """Every field of a customer's order: for its customer and its matched provider only."""
    return {
        "id": order.id,
        "announcementType": order.announcement_type,
        "customerId": order.customer_id,
        "serviceType": order.service_type,
        "address": order.address,
        "latitude": order.latitude,
        "longitude": order.longitude,
        "numberOfHorses": order.number_of_horses,
        "dateFrom": day_text(order.date_from),
        "dateTo": day_text(order.date_to),
        "priority": order.priority,
        "specialInstructions": order.special_instructions,
        "contactPhone": order.contact_phone,
        "status": order.status,
        "createdAt": iso_utc(order.created_at),
        "updatedAt": iso_utc(order.updated_at),
    }


def announcement_view(
    order: RouteOrder, provider: Any, stops: list[RouteStop], bookings: int | None = None
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": order.id,
        "announcementType": order.announcement_type,
        "providerId": order.provider_id,
        "serviceType": order.service_type,
        "address": order.address,
        "latitude": order.latitude,
        "longitude": order.longitude,
        "dateFrom": day_text(order.date_from),
        "dateTo": day_text(order.date_to),
        "status": order.status,
        "specialInstructions": order.special_instructions,
        "createdAt": iso_utc(order.created_at),
        "provider": {
            "id": provider.id,
            "businessName": provider.business_name,
            "description": provider.description,
            "profileImageUrl": provider.profile_image_url,
        },
        "routeStops": [_stop_view(s) for s in stops],
    }
    if bookings is not None:
        view["bookingCount"] = bookings
    return view


def available_view(order: RouteOrder, distance_km: float) -> dict[str, Any]:
    """What any provider in the area may know of an order: no address, phone or customer."""
    return {
        "id": order.id,
        "serviceType": order.service_type,
        "numberOfHorses": order.number_of_horses,
        "dateFrom": day_text(order.date_from),
        "dateTo": day_text(order.date_to),
        "priority": order.priority,
        "specialInstructions": order.special_instructions,
        "status": order.status,
        "distanceKm": round(distance_km, 1),
        "createdAt": iso_utc(order.created_at),
    }


# --- checks -------------------------------------------------------------------------------


def _check_dates(
    date_from: date, date_to: date, today: date, max_days: int, span_message: str
) -> None:
    if date_from < today:
        raise InvalidDates("Startdatum måste vara i framtiden")
    if date_to < date_from:
        raise InvalidDates("Slutdatum måste vara efter startdatum")
    if (date_to - date_from).days > max_days:
        raise InvalidDates(span_message)


def _point(
    address: str,
    latitude: float | None,
    longitude: float | None,
    fallback: tuple[float | None, float | None],
) -> tuple[float, float]:
    """The coordinates of an address: the client's, else the account's stored ones."""
    if latitude is not None and longitude is not None:
        return latitude, longitude
    if fallback[0] is not None and fallback[1] is not None:
        return float(fallback[0]), float(fallback[1])
    raise AddressNotFound(
        details=f'Adressen "{address}" saknar koordinater. Ange latitud och longitud.'
    )


def provider_point(provider: Provider) -> tuple[float, float]:
    if provider.latitude is None or provider.longitude is None:
        raise ProviderLocationMissing()
    return float(provider.latitude), float(provider.longitude)


def area_km(provider: Provider) -> float:
    return float(provider.service_area_km or DEFAULT_SERVICE_AREA_KM)


# --- orders and announcements -------------------------------------------------------------


async def create_customer_order(
    db: AsyncSession, user: User, data: CustomerOrderIn, *, now: datetime | None = None
) -> dict[str, Any]:
    if user.user_type != "customer":
        raise CustomersOnly()
    today = today_local(now)
    _check_dates(
        data.date_from, data.date_to, today, ORDER_SPAN_DAYS, "Datum-spann kan max vara 30 dagar"
    )
    if data.priority == "urgent" and data.date_from > today + timedelta(days=URGENT_WITHIN_DAYS):
        raise InvalidDates("Akutbeställningar måste vara inom 48 timmar")
    latitude, longitude = _point(
        data.address, data.latitude, data.longitude, (user.latitude, user.longitude)
    )
    order = await repository.add(
        db,
        RouteOrder(
            customer_id=user.id,
            announcement_type=repository.CUSTOMER_INITIATED,
            service_type=data.service_type,
            address=data.address,
            latitude=latitude,
            longitude=longitude,
            number_of_horses=data.number_of_horses,
            date_from=booking_date_column(data.date_from),
            date_to=booking_date_column(data.date_to),
            priority=data.priority,
            special_instructions=data.special_instructions,
            contact_phone=data.contact_phone,
            status="pending",
        ),
    )
    return order_view(order)


async def create_announcement(
    db: AsyncSession,
    settings: Settings,
    user: User,
    provider: Provider | None,
    data: AnnouncementIn,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    if user.user_type != "provider" or provider is None:
        raise ProvidersOnly()
    _check_dates(
        data.date_from,
        data.date_to,
        today_local(now),
        ANNOUNCEMENT_SPAN_DAYS,
        "Annonsering kan max vara 14 dagar",
    )
    points = [
        _point(s.address, s.latitude, s.longitude, (provider.latitude, provider.longitude))
        for s in data.stops
    ]
    first = data.stops[0]
    order = await repository.add(
        db,
        RouteOrder(
            provider_id=provider.id,
            announcement_type=repository.PROVIDER_ANNOUNCED,
            service_type=data.service_type,
            address=first.address,
            latitude=points[0][0],
            longitude=points[0][1],
            number_of_horses=1,
            date_from=booking_date_column(data.date_from),
            date_to=booking_date_column(data.date_to),
            priority="normal",
            special_instructions=data.special_instructions,
            status="open",
        ),
    )
    stops = []
    for position, (stop, (latitude, longitude)) in enumerate(
        zip(data.stops, points, strict=True), start=1
    ):
        stops.append(
            await repository.add(
                db,
                RouteStop(
                    route_id=None,
                    route_order_id=order.id,
                    stop_order=position,
                    location_name=stop.location_name,
                    address=stop.address,
                    latitude=latitude,
                    longitude=longitude,
                ),
            )
        )
    await _tell_followers(db, settings, provider, data, points, order.id)
    return announcement_view(order, provider, stops, 0)


async def _tell_followers(
    db: AsyncSession,
    settings: Settings,
    provider: Provider,
    data: AnnouncementIn,
    points: list[tuple[float, float]],
    order_id: str,
) -> None:
    for follower in await repository.followers(db, provider.id):
        near = any(
            haversine_km(follower.latitude, follower.longitude, lat, lng) <= follower.radius_km
            for lat, lng in points
        )
        if not near:
            continue
        await notify(
            db,
            user_id=follower.customer_id,
            type="route_announcement",
            message=(
                f"{provider.business_name} har annonserat en rutt för {data.service_type} "
                f"i ditt område {short_date(data.date_from)}–{short_date(data.date_to)}"
            ),
            link_url=ANNOUNCEMENTS_LINK,
            metadata={"routeOrderId": order_id, "providerId": provider.id},
        )
        email = emails.announcement_for_follower(
            to=follower.email,
            is_manual=follower.is_manual_customer,
            first_name=follower.first_name,
            business_name=provider.business_name,
            service_type=data.service_type,
            date_from=data.date_from,
            date_to=data.date_to,
            places=[s.location_name for s in data.stops],
        )
        if email is not None:
            await queue_composed_email(db, email)


async def list_own(
    db: AsyncSession,
    user: User,
    provider: Provider | None,
    announcement_type: str | None,
    page: PageRequest,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of a provider's own announcements, or of a customer's own orders (newest
    first), and whether more follow."""
    if announcement_type == repository.PROVIDER_ANNOUNCED and provider is not None:
        orders, has_more = page.cut(
            await repository.own_announcements(db, provider.id, page.fetch, page.offset)
        )
        ids = [o.id for o in orders]
        stops = await repository.announcement_stops(db, ids)
        counts = await repository.booking_counts(db, ids)
        return [
            announcement_view(o, provider, stops.get(o.id, []), counts.get(o.id, 0)) for o in orders
        ], has_more
    if announcement_type == repository.CUSTOMER_INITIATED and user.user_type == "customer":
        rows, has_more = page.cut(await repository.own_orders(db, user.id, page.fetch, page.offset))
        return [order_view(o) for o in rows], has_more
    raise InvalidListQuery()


async def public_announcements(
    db: AsyncSession,
    *,
    provider_id: str | None,
    service_type: str | None,
    date_from: date | None,
    date_to: date | None,
    latitude: float | None,
    longitude: float | None,
    radius_km: float | None,
    page: PageRequest,
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of the open announcements; the radius is measured here (stops count too), so
    the page is cut after the measuring."""
    geo = (latitude, longitude, radius_km)
    if any(v is not None for v in geo) and not all(v is not None for v in geo):
        raise InvalidGeoFilter()
    if radius_km is not None and not 0 < radius_km <= MAX_RADIUS_KM:
        raise InvalidGeoFilter("radiusKm måste vara större än 0 och högst 500")
    rows = await repository.open_announcements(
        db,
        provider_id=provider_id,
        service_type=service_type,
        covers_from=booking_date_column(date_from) if date_from else None,
        covers_to=booking_date_column(date_to) if date_to else None,
        ends_after=booking_date_column(today_local(now)),
    )
    stops = await repository.announcement_stops(db, [r.RouteOrder.id for r in rows])
    shown = []
    for row in rows:
        order = row.RouteOrder
        own_stops = stops.get(order.id, [])
        if latitude is not None and longitude is not None and radius_km is not None:
            places = [(order.latitude, order.longitude)] + [
                (s.latitude, s.longitude) for s in own_stops
            ]
            if not any(
                lat is not None
                and lng is not None
                and haversine_km(latitude, longitude, lat, lng) <= radius_km
                for lat, lng in places
            ):
                continue
        provider = _PublicProvider(
            order.provider_id, row.business_name, row.description, row.profile_image_url
        )
        shown.append(announcement_view(order, provider, own_stops))
    return page.slice(shown)


class _PublicProvider:
    def __init__(
        self, id: Any, business_name: str, description: str | None, image: str | None
    ) -> None:
        self.id = id
        self.business_name = business_name
        self.description = description
        self.profile_image_url = image


async def available_orders(
    db: AsyncSession,
    provider: Provider,
    *,
    service_type: str | None,
    priority: str | None,
    page: PageRequest,
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of customers' pending orders within the provider's service area, nearest first
    (the distance is measured here, so the page is cut after the measuring)."""
    latitude, longitude = provider_point(provider)
    radius = area_km(provider)
    candidates = await repository.pending_orders_in_box(
        db,
        bounding_box(latitude, longitude, radius),
        service_type=service_type,
        priority=priority,
        ends_after=booking_date_column(today_local(now)),
    )
    measured = []
    for order in candidates:
        assert order.latitude is not None and order.longitude is not None
        distance = haversine_km(latitude, longitude, order.latitude, order.longitude)
        if distance <= radius:
            measured.append((distance, order))
    measured.sort(key=lambda pair: (pair[0], pair[1].id))
    shown, has_more = page.slice(measured)
    return [available_view(order, distance) for distance, order in shown], has_more


async def order_detail(
    db: AsyncSession, user: User, provider: Provider | None, order_id: str
) -> dict[str, Any]:
    order = await repository.readable_order(
        db, order_id, user_id=user.id, provider_id=provider.id if provider else None
    )
    if order is None:
        raise RouteOrderNotFound()
    if order.announcement_type == repository.PROVIDER_ANNOUNCED:
        assert order.provider_id is not None
        owner = await repository.provider_public(db, order.provider_id)
        stops = (await repository.announcement_stops(db, [order.id])).get(order.id, [])
        own = provider is not None and provider.id == order.provider_id
        counts = await repository.booking_counts(db, [order.id]) if own else {}
        return announcement_view(order, owner, stops, counts.get(order.id, 0) if own else None)
    view = order_view(order)
    if order.customer_id is not None:
        contact = await repository.customer_contact(db, order.customer_id)
        view["customer"] = {
            "firstName": contact.first_name,
            "lastName": contact.last_name,
            "phone": contact.phone,
        }
    return view


async def public_announcement(db: AsyncSession, order_id: str) -> dict[str, Any]:
    """One announcement for anyone, signed in or not (no booking count, no contact)."""
    order = await repository.readable_order(db, order_id, user_id="", provider_id=None)
    if order is None or order.announcement_type != repository.PROVIDER_ANNOUNCED:
        raise RouteOrderNotFound()
    assert order.provider_id is not None
    owner = await repository.provider_public(db, order.provider_id)
    stops = (await repository.announcement_stops(db, [order.id])).get(order.id, [])
    return announcement_view(order, owner, stops)


async def cancel_order(
    db: AsyncSession, user: User, provider: Provider | None, order_id: str
) -> dict[str, Any]:
    """The customer cancels a pending order, or the provider an open announcement."""
    provider_id = provider.id if provider else None
    customer_id = user.id if user.user_type == "customer" else None
    status = await repository.owned_order_status(
        db, order_id, customer_id=customer_id, provider_id=provider_id
    )
    if status is None:
        raise RouteOrderNotFound()
    if status == "cancelled":
        raise AlreadyCancelled()
    cancelled = False
    if customer_id is not None:
        cancelled = await repository.cancel_customer_order(db, order_id, customer_id)
    if not cancelled and provider_id is not None:
        cancelled = await repository.cancel_announcement(db, order_id, provider_id)
    if not cancelled:
        raise OrderNotCancellable()
    return {"id": order_id, "status": "cancelled"}


async def order_bookings(db: AsyncSession, provider: Provider, order_id: str) -> dict[str, Any]:
    order = await repository.order_of_provider(db, order_id, provider.id)
    if order is None:
        raise RouteOrderNotFound()
    rows = await repository.bookings_of_order(db, order.id)
    return {
        "routeOrder": {
            "id": order.id,
            "announcementType": order.announcement_type,
            "serviceType": order.service_type,
            "dateFrom": day_text(order.date_from),
            "dateTo": day_text(order.date_to),
            "status": order.status,
        },
        "bookings": [
            {
                "id": r.id,
                "bookingDate": day_text(r.booking_date),
                "startTime": r.start_time,
                "endTime": r.end_time,
                "status": r.status,
                "horseName": r.horse_name,
                "horseInfo": r.horse_info,
                "customerNotes": r.customer_notes,
                "customer": {
                    "id": r.customer_id,
                    "name": f"{r.first_name} {r.last_name}".strip(),
                    "email": r.email,
                    "phone": r.phone,
                },
                "service": {
                    "id": r.service_id,
                    "name": r.service_name,
                    "price": r.service_price,
                    "durationMinutes": r.duration_minutes,
                },
                "createdAt": iso_utc(r.created_at),
            }
            for r in rows
        ],
        "totalBookings": len(rows),
    }


async def my_orders(
    db: AsyncSession, customer: User, page: PageRequest
) -> tuple[list[dict[str, Any]], bool]:
    """A page of the customer's orders with the planned visit: provider, ETA (Stockholm) and
    progress."""
    shown = []
    rows = await repository.my_orders_with_visits(
        db, customer.id, limit=page.fetch, offset=page.offset
    )
    # The rows are per order and visit; the extra order, read to see whether more follow, goes.
    order_ids = list(dict.fromkeys(row.RouteOrder.id for row in rows))
    kept, more_orders = page.cut(order_ids)
    for row in (r for r in rows if r.RouteOrder.id in set(kept)):
        view = order_view(row.RouteOrder)
        view["visit"] = (
            None
            if row.stop_id is None
            else {
                "routeId": row.route_id,
                "routeDate": day_text(row.route_date),
                "stopId": row.stop_id,
                "stopOrder": row.stop_order,
                "status": row.stop_status,
                "estimatedArrival": iso_utc(row.estimated_arrival),
                "estimatedArrivalLocal": local_iso(row.estimated_arrival),
                "actualArrival": iso_utc(row.actual_arrival),
                "actualDeparture": iso_utc(row.actual_departure),
                "provider": {"id": row.provider_id, "businessName": row.business_name},
            }
        )
        shown.append(view)
    return shown, more_orders


# --- follows ------------------------------------------------------------------------------


async def follow(db: AsyncSession, customer: User, data: FollowIn) -> dict[str, Any]:
    provider = await repository.active_provider(db, data.provider_id)
    if provider is None:
        raise ProviderNotFound()
    latitude, longitude = _point(
        "bevakningens område",
        data.latitude,
        data.longitude,
        (customer.latitude, customer.longitude),
    )
    follow_id = await repository.upsert_follow(
        db,
        customer_id=customer.id,
        provider_id=provider.id,
        latitude=latitude,
        longitude=longitude,
        radius_km=data.radius_km,
    )
    return {
        "id": follow_id,
        "providerId": provider.id,
        "businessName": provider.business_name,
        "latitude": latitude,
        "longitude": longitude,
        "radiusKm": data.radius_km,
    }


async def follows(
    db: AsyncSession, customer: User, page: PageRequest
) -> tuple[list[dict[str, Any]], bool]:
    rows, has_more = page.cut(
        await repository.follows_of(db, customer.id, limit=page.fetch, offset=page.offset)
    )
    return [
        {
            "id": row.AnnouncementFollow.id,
            "providerId": row.AnnouncementFollow.provider_id,
            "businessName": row.business_name,
            "latitude": row.AnnouncementFollow.latitude,
            "longitude": row.AnnouncementFollow.longitude,
            "radiusKm": row.AnnouncementFollow.radius_km,
            "createdAt": iso_utc(row.AnnouncementFollow.created_at),
        }
        for row in rows
    ], has_more


async def unfollow(db: AsyncSession, customer: User, follow_id: str) -> None:
    if not await repository.delete_follow(db, follow_id, customer.id):
        raise FollowNotFound()
