"""Route planning: a provider's route through chosen orders and bookings, as listed or
optimised, with ETAs in Europe/Stockholm; stop updates scoped to their route, which tell the
next customer when the provider is on the way.

Only the route's provider reads or changes it; every stop update names the route and the
stop together. Orders are row-locked while a route takes them, so two providers cannot plan
the same order.
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
    local_instant,
    parse_hhmm,
    today_local,
)
from equinet.kit.email import queue_composed_email
from equinet.kit.geo import haversine_km
from equinet.kit.pagination import PageRequest
from equinet.kit.timestamps import iso_utc
from equinet.models import Provider, Route, RouteStop
from equinet.notifications.messages import short_date
from equinet.notifications.service import notify
from equinet.routes import emails, repository
from equinet.routes.exceptions import (
    AddressNotFound,
    BookingsUnavailable,
    OrderOutsideDateRange,
    OrdersUnavailable,
    RouteDateInPast,
    RouteInfeasible,
    RouteNotFound,
    StopNotFound,
)
from equinet.routes.map import project
from equinet.routes.optimiser import InfeasibleRoute, Point, TravelModel, Visit, optimise, walk
from equinet.routes.schemas import RouteIn, StopUpdateIn
from equinet.routes.service import (
    CUSTOMER_ROUTE_ORDERS_LINK,
    MINUTES_PER_HORSE,
    area_km,
    day_text,
    local_hhmm,
    local_iso,
    order_view,
    provider_point,
)
from equinet.settings import Settings


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
    radius = area_km(provider)
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
    depot = Point(*provider_point(provider))
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
        await queue_composed_email(db, email)


async def _route_view(db: AsyncSession, route: Route) -> dict[str, Any]:
    stops = (await repository.stops_with_orders(db, [route.id])).get(route.id, [])
    return _route_shape(route, stops)


def _route_shape(route: Route, rows: list[Any]) -> dict[str, Any]:
    return {
        "id": route.id,
        "providerId": route.provider_id,
        "routeName": route.route_name,
        "routeDate": day_text(route.route_date),
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
                "estimatedArrivalLocal": local_iso(row.RouteStop.estimated_arrival),
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


async def plannable_bookings(
    db: AsyncSession, account: ProviderAccount, day: date
) -> list[dict[str, Any]]:
    """The confirmed bookings of `day` a route can visit (`bookingIds` of `create_route`)."""
    rows = await repository.plannable_bookings(db, account.provider.id, booking_date_column(day))
    return [
        {
            "id": row.id,
            "startTime": row.start_time,
            "endTime": row.end_time,
            "serviceName": row.service_name,
            "horseName": row.horse_name,
            "customerName": " ".join(p for p in (row.first_name, row.last_name) if p),
            "address": ", ".join(p for p in (row.address, row.city) if p),
        }
        for row in rows
    ]


async def my_routes(
    db: AsyncSession, account: ProviderAccount, page: PageRequest
) -> tuple[list[dict[str, Any]], bool]:
    routes, has_more = page.cut(
        await repository.routes_of(db, account.provider.id, limit=page.fetch, offset=page.offset)
    )
    stops = await repository.stops_with_orders(db, [r.id for r in routes])
    return [_route_shape(r, stops.get(r.id, [])) for r in routes], has_more


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
        else Point(*provider_point(provider))
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
        await queue_composed_email(db, email)


async def route_map(
    db: AsyncSession,
    account: ProviderAccount,
    route_id: str,
    *,
    width: float = 600,
    height: float = 400,
) -> dict[str, Any]:
    """The route drawn in an SVG viewBox: the provider's place first, then the stops in order."""
    route = await repository.route_of(db, route_id, account.provider.id)
    if route is None:
        raise RouteNotFound()
    stops = []
    places = [provider_point(account.provider)]
    for stop in await repository.route_stops(db, route.id):
        if stop.latitude is not None and stop.longitude is not None:
            stops.append(stop)
            places.append((stop.latitude, stop.longitude))
    drawn = project(places, width=width, height=height)
    return {
        "viewBox": f"0 0 {width:g} {height:g}",
        "start": {"x": drawn[0].x, "y": drawn[0].y},
        "stops": [
            {
                "id": stop.id,
                "stopOrder": stop.stop_order,
                "status": stop.status,
                "x": point.x,
                "y": point.y,
                "estimatedArrivalLocal": local_iso(stop.estimated_arrival),
            }
            for stop, point in zip(stops, drawn[1:], strict=True)
        ],
    }
