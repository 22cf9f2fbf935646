"""Route orders, provider announcements, follows and route planning.

A customer's order (come some day between two dates) is visible in full to its customer and
to the provider whose route has a stop for it; other providers see it only in their
"available" list, measured from their own location within their service area, without the
address, the phone or the customer. Announcements are public. Routes are their provider's
alone; every stop update names the route and the stop together.

Services flush, never commit; notifications are rows in the request's transaction and
e-mails go out after the commit (one function per e-mail kind in routes/emails.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.dependencies import ProviderAccount
from equinet.db.base import utcnow
from equinet.kit.dates import (
    booking_date_column,
    date_of_booking_column,
    format_date,
    local_instant,
    now_local,
    parse_hhmm,
    today_local,
)
from equinet.kit.email import send_after_commit
from equinet.kit.geo import bounding_box, haversine_km
from equinet.kit.timestamps import iso_utc
from equinet.models import Provider, Route, RouteOrder, RouteStop, User
from equinet.notifications.messages import short_date
from equinet.notifications.service import notify
from equinet.routes import emails, repository
from equinet.routes.exceptions import (
    AddressNotFound,
    AlreadyCancelled,
    BookingsUnavailable,
    CustomersOnly,
    FollowNotFound,
    InvalidDates,
    InvalidGeoFilter,
    InvalidListQuery,
    OrderNotCancellable,
    OrderOutsideDateRange,
    OrdersUnavailable,
    ProviderLocationMissing,
    ProviderNotFound,
    ProvidersOnly,
    RouteDateInPast,
    RouteInfeasible,
    RouteNotFound,
    RouteOrderNotFound,
    StopNotFound,
)
from equinet.routes.optimiser import InfeasibleRoute, Point, TravelModel, Visit, optimise, walk
from equinet.routes.schemas import (
    AnnouncementIn,
    CustomerOrderIn,
    FollowIn,
    RouteIn,
    StopUpdateIn,
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


def _day(value: datetime) -> str:
    return format_date(date_of_booking_column(value))


def local_hhmm(value: datetime | None) -> str | None:
    """A stored UTC instant as the Stockholm wall clock ("09:40")."""
    return None if value is None else now_local(value).strftime("%H:%M")


def _local_iso(value: datetime | None) -> str | None:
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
        "dateFrom": _day(order.date_from),
        "dateTo": _day(order.date_to),
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
        "dateFrom": _day(order.date_from),
        "dateTo": _day(order.date_to),
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
        "dateFrom": _day(order.date_from),
        "dateTo": _day(order.date_to),
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


def _provider_point(provider: Provider) -> tuple[float, float]:
    if provider.latitude is None or provider.longitude is None:
        raise ProviderLocationMissing()
    return float(provider.latitude), float(provider.longitude)


def _area_km(provider: Provider) -> float:
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
            send_after_commit(db, email, settings)


async def list_own(
    db: AsyncSession,
    user: User,
    provider: Provider | None,
    announcement_type: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """A provider's own announcements, or a customer's own orders (newest first)."""
    if announcement_type == repository.PROVIDER_ANNOUNCED and provider is not None:
        orders = await repository.own_announcements(db, provider.id, limit, offset)
        ids = [o.id for o in orders]
        stops = await repository.announcement_stops(db, ids)
        counts = await repository.booking_counts(db, ids)
        return [
            announcement_view(o, provider, stops.get(o.id, []), counts.get(o.id, 0)) for o in orders
        ]
    if announcement_type == repository.CUSTOMER_INITIATED and user.user_type == "customer":
        return [order_view(o) for o in await repository.own_orders(db, user.id, limit, offset)]
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
    limit: int,
    offset: int,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
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
    return shown[offset : offset + limit]


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
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Customers' pending orders within the provider's service area, nearest first."""
    latitude, longitude = _provider_point(provider)
    radius = _area_km(provider)
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
    return [available_view(order, distance) for distance, order in measured[:AVAILABLE_LIMIT]]


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
            "dateFrom": _day(order.date_from),
            "dateTo": _day(order.date_to),
            "status": order.status,
        },
        "bookings": [
            {
                "id": r.id,
                "bookingDate": _day(r.booking_date),
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


async def my_orders(db: AsyncSession, customer: User) -> list[dict[str, Any]]:
    """The customer's orders with the planned visit: provider, ETA (Stockholm) and progress."""
    shown = []
    for row in await repository.my_orders_with_visits(db, customer.id):
        view = order_view(row.RouteOrder)
        view["visit"] = (
            None
            if row.stop_id is None
            else {
                "routeId": row.route_id,
                "routeDate": _day(row.route_date),
                "stopId": row.stop_id,
                "stopOrder": row.stop_order,
                "status": row.stop_status,
                "estimatedArrival": iso_utc(row.estimated_arrival),
                "estimatedArrivalLocal": _local_iso(row.estimated_arrival),
                "actualArrival": iso_utc(row.actual_arrival),
                "actualDeparture": iso_utc(row.actual_departure),
                "provider": {"id": row.provider_id, "businessName": row.business_name},
            }
        )
        shown.append(view)
    return shown


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


async def follows(db: AsyncSession, customer: User) -> list[dict[str, Any]]:
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
        for row in await repository.follows_of(db, customer.id)
    ]


async def unfollow(db: AsyncSession, customer: User, follow_id: str) -> None:
    if not await repository.delete_follow(db, follow_id, customer.id):
        raise FollowNotFound()


# --- routes -------------------------------------------------------------------------------


def travel_model(settings: Settings) -> TravelModel:
    return TravelModel(settings.route_road_factor, settings.route_average_speed_kmh)


def _utc_naive(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class _Target:
    """One place the route visits: a customer's order, or a booking at its fixed time."""

    route_order_id: str | None
    booking_id: str | None
    address: str
    point: Point
    minutes: int
    fixed_start: int | None
    what: str  # the service, for the customer's message

    @property
    def reference(self) -> dict[str, str]:
        if self.booking_id is not None:
            return {"bookingId": self.booking_id}
        assert self.route_order_id is not None
        return {"orderId": self.route_order_id}


async def _order_targets(
    db: AsyncSession, provider: Provider, data: RouteIn, depot: Point
) -> list[_Target]:
    # Row locks until the commit: a second provider planning the same order waits, then sees
    # it is no longer pending.
    locked = {o.id: o for o in await repository.lock_orders(db, data.order_ids)}
    durations = await repository.service_durations(db, provider.id)
    radius = _area_km(provider)
    targets = []
    for order_id in data.order_ids:
        order = locked.get(order_id)
        if (
            order is None
            or order.announcement_type != repository.CUSTOMER_INITIATED
            or order.status != "pending"
            or order.latitude is None
            or order.longitude is None
            or haversine_km(depot.latitude, depot.longitude, order.latitude, order.longitude)
            > radius
        ):
            raise OrdersUnavailable(details={"orderId": order_id})
        if not (
            date_of_booking_column(order.date_from)
            <= data.route_date
            <= date_of_booking_column(order.date_to)
        ):
            raise OrderOutsideDateRange(details={"orderId": order_id})
        per_horse = durations.get(order.service_type.lower(), MINUTES_PER_HORSE)
        targets.append(
            _Target(
                order.id,
                None,
                order.address,
                Point(order.latitude, order.longitude),
                per_horse * order.number_of_horses,
                None,
                order.service_type,
            )
        )
    return targets


async def _booking_targets(db: AsyncSession, provider: Provider, data: RouteIn) -> list[_Target]:
    locked = {b.id: b for b in await repository.lock_bookings(db, data.booking_ids, provider.id)}
    planned = await repository.bookings_on_a_route(db, data.booking_ids)
    targets = []
    for booking_id in data.booking_ids:
        booking = locked.get(booking_id)
        if (
            booking is None
            or booking.status not in ("pending", "confirmed")
            or date_of_booking_column(booking.booking_date) != data.route_date
            or booking_id in planned
        ):
            raise BookingsUnavailable(details={"bookingId": booking_id})
        if booking.latitude is None or booking.longitude is None:
            raise AddressNotFound(
                "Kundens plats saknas för bokningen", details={"bookingId": booking_id}
            )
        start, end = parse_hhmm(booking.start_time), parse_hhmm(booking.end_time)
        targets.append(
            _Target(
                booking.route_order_id,
                booking.id,
                ", ".join(p for p in (booking.address, booking.city) if p) or "-",
                Point(booking.latitude, booking.longitude),
                end - start,
                start,
                booking.service_name,
            )
        )
    return targets


async def create_route(
    db: AsyncSession,
    settings: Settings,
    account: ProviderAccount,
    data: RouteIn,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A route of the chosen orders and bookings, as listed or optimised; ETAs in Stockholm.

    An order may be visited any time of a day within its date range; a booking must be
    reached at its start time (arriving early means waiting).
    """
    provider = account.provider
    day = data.route_date
    if day < today_local(now):
        raise RouteDateInPast()
    depot = Point(*_provider_point(provider))
    targets = await _order_targets(db, provider, data, depot)
    targets += await _booking_targets(db, provider, data)
    visits = [Visit(t.point, t.minutes, t.fixed_start, t.fixed_start) for t in targets]
    start = parse_hhmm(data.start_time)
    model = travel_model(settings)
    try:
        if data.optimise:
            plan = optimise(
                depot,
                visits,
                start,
                model,
                time_limit_ms=settings.route_optimisation_time_limit_ms,
            )
        else:
            plan = walk(depot, visits, start, model, list(range(len(visits))))
    except InfeasibleRoute as error:
        late = None if error.late_visit is None else targets[error.late_visit].reference
        raise RouteInfeasible(details=late) from None

    route = await repository.add(
        db,
        Route(
            provider_id=provider.id,
            route_name=data.route_name,
            route_date=booking_date_column(day),
            start_time=data.start_time,
            status="planned",
            total_distance_km=round(plan.total_km, 1),
            total_duration_minutes=round(plan.total_minutes),
        ),
    )
    for position, planned in enumerate(plan.stops, start=1):
        target = targets[planned.visit]
        arrival = _utc_naive(local_instant(day, round(planned.arrival)))
        stop = await repository.add(
            db,
            RouteStop(
                route_id=route.id,
                route_order_id=target.route_order_id,
                booking_id=target.booking_id,
                stop_order=position,
                address=target.address,
                latitude=target.point.latitude,
                longitude=target.point.longitude,
                estimated_arrival=arrival,
                estimated_duration_min=target.minutes,
                status="pending",
            ),
        )
        await _tell_customer_planned(db, settings, provider, stop, target.what, day, arrival)
    await repository.set_orders_status(
        db,
        [o.route_order_id for o in targets if o.booking_id is None and o.route_order_id],
        "in_route",
    )
    return await _route_view(db, route)


async def _tell_customer_planned(
    db: AsyncSession,
    settings: Settings,
    provider: Provider,
    stop: RouteStop,
    what: str,
    day: date,
    arrival: datetime,
) -> None:
    customer = await repository.visit_customer(db, stop)
    if customer is None:
        return
    at = local_hhmm(arrival) or ""
    await notify(
        db,
        user_id=customer.user_id,
        type="route_planned",
        message=(
            f"{provider.business_name} har planerat in ditt besök ({what}) "
            f"den {short_date(day)}, beräknad ankomst kl {at}"
        ),
        link_url=CUSTOMER_ROUTE_ORDERS_LINK,
        metadata={
            "routeStopId": stop.id,
            "routeOrderId": stop.route_order_id,
            "bookingId": stop.booking_id,
        },
    )
    email = emails.visit_planned(
        to=customer.email,
        is_manual=customer.is_manual_customer,
        first_name=customer.first_name,
        business_name=provider.business_name,
        service_type=what,
        day=day,
        arrival=at,
    )
    if email is not None:
        send_after_commit(db, email, settings)


async def _route_view(db: AsyncSession, route: Route) -> dict[str, Any]:
    stops = (await repository.stops_with_orders(db, [route.id])).get(route.id, [])
    return _route_shape(route, stops)


def _route_shape(route: Route, rows: list[Any]) -> dict[str, Any]:
    return {
        "id": route.id,
        "providerId": route.provider_id,
        "routeName": route.route_name,
        "routeDate": _day(route.route_date),
        "startTime": route.start_time,
        "status": route.status,
        "totalDistanceKm": route.total_distance_km,
        "totalDurationMinutes": route.total_duration_minutes,
        "createdAt": iso_utc(route.created_at),
        "stops": [
            {
                "id": row.RouteStop.id,
                "stopOrder": row.RouteStop.stop_order,
                "address": row.RouteStop.address,
                "latitude": row.RouteStop.latitude,
                "longitude": row.RouteStop.longitude,
                "status": row.RouteStop.status,
                "estimatedArrival": iso_utc(row.RouteStop.estimated_arrival),
                "estimatedArrivalLocal": _local_iso(row.RouteStop.estimated_arrival),
                "estimatedDurationMin": row.RouteStop.estimated_duration_min,
                "actualArrival": iso_utc(row.RouteStop.actual_arrival),
                "actualDeparture": iso_utc(row.RouteStop.actual_departure),
                "problemNote": row.RouteStop.problem_note,
                # The provider of this route is matched with the order: contact shown.
                "routeOrder": order_view(row.RouteOrder)
                if row.RouteOrder is not None
                and row.RouteOrder.announcement_type == repository.CUSTOMER_INITIATED
                else None,
                "booking": None
                if row.RouteStop.booking_id is None
                else {
                    "id": row.RouteStop.booking_id,
                    "startTime": row.booking_start,
                    "endTime": row.booking_end,
                    "status": row.booking_status,
                },
                "customer": {
                    "firstName": row.first_name,
                    "lastName": row.last_name,
                    "phone": row.phone,
                },
            }
            for row in rows
        ],
    }


async def my_routes(db: AsyncSession, account: ProviderAccount) -> list[dict[str, Any]]:
    routes = await repository.routes_of(db, account.provider.id)
    stops = await repository.stops_with_orders(db, [r.id for r in routes])
    return [_route_shape(r, stops.get(r.id, [])) for r in routes]


async def route_detail(db: AsyncSession, account: ProviderAccount, route_id: str) -> dict[str, Any]:
    route = await repository.route_of(db, route_id, account.provider.id)
    if route is None:
        raise RouteNotFound()
    return await _route_view(db, route)


async def update_stop(
    db: AsyncSession,
    settings: Settings,
    account: ProviderAccount,
    route_id: str,
    stop_id: str,
    data: StopUpdateIn,
) -> dict[str, Any]:
    """Arrival, departure, a problem, or "on the way" (which tells the stop's customer)."""
    provider = account.provider
    stop = await repository.stop_of(db, route_id, stop_id, provider.id)
    if stop is None:
        raise StopNotFound()
    route = await repository.route_of(db, route_id, provider.id)
    assert route is not None
    stops = list(await repository.route_stops(db, route_id))
    now = utcnow()
    stop.status = data.status
    if data.problem_note is not None:
        stop.problem_note = data.problem_note
    if data.status == "on_the_way":
        await _on_the_way(db, settings, provider, stops, stop, now)
    elif data.status == "in_progress":
        stop.actual_arrival = now
    elif data.status == "completed":
        stop.actual_arrival = stop.actual_arrival or now
        stop.actual_departure = now
        if stop.booking_id is None and stop.route_order_id is not None:
            await repository.set_orders_status(db, [stop.route_order_id], "completed")
    if data.status in ("completed", "problem"):
        following = [s for s in stops if s.stop_order > stop.stop_order and s.status == "pending"]
        if following:
            following[0].status = "on_the_way"
            await _on_the_way(db, settings, provider, stops, following[0], now)
    if all(s.status == "completed" for s in stops):
        route.status = "completed"
    elif route.status == "planned" and data.status != "pending":
        route.status = "in_progress"
    route.updated_at = now
    await db.flush()
    return {
        "id": stop.id,
        "routeId": route.id,
        "stopOrder": stop.stop_order,
        "status": stop.status,
        "estimatedArrival": iso_utc(stop.estimated_arrival),
        "actualArrival": iso_utc(stop.actual_arrival),
        "actualDeparture": iso_utc(stop.actual_departure),
        "problemNote": stop.problem_note,
        "routeStatus": route.status,
    }


async def _on_the_way(
    db: AsyncSession,
    settings: Settings,
    provider: Provider,
    stops: list[RouteStop],
    stop: RouteStop,
    now: datetime,
) -> None:
    """Recompute the stop's ETA from where the provider is leaving, and tell its customer."""
    before = [s for s in stops if s.stop_order < stop.stop_order]
    origin = (
        Point(before[-1].latitude, before[-1].longitude)
        if before and before[-1].latitude is not None and before[-1].longitude is not None
        else Point(*_provider_point(provider))
    )
    if stop.latitude is not None and stop.longitude is not None:
        minutes = travel_model(settings).minutes(origin, Point(stop.latitude, stop.longitude))
        stop.estimated_arrival = now + timedelta(minutes=round(minutes))
    customer = await repository.visit_customer(db, stop)
    if customer is None:
        return
    at = local_hhmm(stop.estimated_arrival) or ""
    await notify(
        db,
        user_id=customer.user_id,
        type="route_on_the_way",
        message=f"{provider.business_name} är på väg till dig, beräknad ankomst kl {at}",
        link_url=CUSTOMER_ROUTE_ORDERS_LINK,
        metadata={
            "routeStopId": stop.id,
            "routeOrderId": stop.route_order_id,
            "bookingId": stop.booking_id,
        },
    )
    email = emails.provider_on_the_way(
        to=customer.email,
        is_manual=customer.is_manual_customer,
        first_name=customer.first_name,
        business_name=provider.business_name,
        arrival=at,
    )
    if email is not None:
        send_after_commit(db, email, settings)
