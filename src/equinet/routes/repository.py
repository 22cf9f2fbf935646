"""All SQL of route orders, announcements, follows, routes and stops.

Who may read a customer's order is part of the query (`readable_order`): its customer, or
the provider whose route has a stop for it. Nobody else gets its address or phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, false, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import new_uuid, utcnow
from equinet.kit.geo import BoundingBox
from equinet.models import (
    AnnouncementFollow,
    Booking,
    Provider,
    Route,
    RouteOrder,
    RouteStop,
    Service,
    User,
)

CUSTOMER_INITIATED = "customer_initiated"
PROVIDER_ANNOUNCED = "provider_announced"


def matched_with(provider_id: str | None) -> Any:
    """The order has a stop on a route of this provider: the provider it is matched with."""
    if provider_id is None:
        return false()
    return exists().where(
        RouteStop.route_order_id == RouteOrder.id,
        RouteStop.route_id == Route.id,
        Route.provider_id == provider_id,
    )


# --- orders and announcements -------------------------------------------------------------


async def add(db: AsyncSession, row: Any) -> Any:
    db.add(row)
    await db.flush()
    return row


async def announcement_stops(db: AsyncSession, order_ids: Sequence[str]) -> dict[str, list[Any]]:
    """The planned stops of announcements (stops that belong to no route yet)."""
    if not order_ids:
        return {}
    statement = (
        select(RouteStop)
        .where(RouteStop.route_order_id.in_(list(order_ids)), RouteStop.route_id.is_(None))
        .order_by(RouteStop.route_order_id, RouteStop.stop_order)
    )
    grouped: dict[str, list[Any]] = {}
    for stop in (await db.scalars(statement)).all():
        grouped.setdefault(str(stop.route_order_id), []).append(stop)
    return grouped


async def booking_counts(db: AsyncSession, order_ids: Sequence[str]) -> dict[str, int]:
    if not order_ids:
        return {}
    statement = (
        select(Booking.route_order_id, func.count())
        .where(Booking.route_order_id.in_(list(order_ids)))
        .group_by(Booking.route_order_id)
    )
    return {str(order_id): int(count) for order_id, count in (await db.execute(statement)).all()}


async def _own_of_type(
    db: AsyncSession, owner: Any, announcement_type: str, limit: int, offset: int
) -> Sequence[RouteOrder]:
    """The route orders of one type whose `owner` condition holds, newest first."""
    statement = (
        select(RouteOrder)
        .where(owner, RouteOrder.announcement_type == announcement_type)
        .order_by(RouteOrder.created_at.desc(), RouteOrder.id)
        .limit(limit)
        .offset(offset)
    )
    return (await db.scalars(statement)).all()


async def own_announcements(
    db: AsyncSession, provider_id: str, limit: int, offset: int
) -> Sequence[RouteOrder]:
    owner = RouteOrder.provider_id == provider_id
    return await _own_of_type(db, owner, PROVIDER_ANNOUNCED, limit, offset)


async def own_orders(
    db: AsyncSession, customer_id: str, limit: int, offset: int
) -> Sequence[RouteOrder]:
    owner = RouteOrder.customer_id == customer_id
    return await _own_of_type(db, owner, CUSTOMER_INITIATED, limit, offset)


async def open_announcements(
    db: AsyncSession,
    *,
    provider_id: str | None,
    service_type: str | None,
    covers_from: datetime | None,
    covers_to: datetime | None,
    ends_after: datetime,
) -> Sequence[Any]:
    """Open announcements (newest window first) with their provider's public fields."""
    statement = (
        select(
            RouteOrder,
            Provider.business_name,
            Provider.description,
            Provider.profile_image_url,
        )
        .join(Provider, Provider.id == RouteOrder.provider_id)
        .where(
            RouteOrder.announcement_type == PROVIDER_ANNOUNCED,
            RouteOrder.status == "open",
            RouteOrder.date_to >= ends_after,
            Provider.is_active,
        )
        .order_by(RouteOrder.date_from, RouteOrder.id)
    )
    if provider_id is not None:
        statement = statement.where(RouteOrder.provider_id == provider_id)
    if service_type is not None:
        statement = statement.where(func.lower(RouteOrder.service_type) == service_type.lower())
    if covers_from is not None:
        statement = statement.where(RouteOrder.date_from <= covers_from)
    if covers_to is not None:
        statement = statement.where(RouteOrder.date_to >= covers_to)
    return (await db.execute(statement)).all()


async def pending_orders_in_box(
    db: AsyncSession,
    box: BoundingBox,
    *,
    service_type: str | None,
    priority: str | None,
    ends_after: datetime,
) -> Sequence[RouteOrder]:
    """Customers' pending orders inside the box (the caller keeps those within the radius)."""
    statement = select(RouteOrder).where(
        RouteOrder.announcement_type == CUSTOMER_INITIATED,
        RouteOrder.status == "pending",
        RouteOrder.date_to >= ends_after,
        RouteOrder.latitude.between(box.min_latitude, box.max_latitude),
        RouteOrder.longitude.between(box.min_longitude, box.max_longitude),
    )
    if service_type is not None:
        statement = statement.where(func.lower(RouteOrder.service_type) == service_type.lower())
    if priority is not None:
        statement = statement.where(RouteOrder.priority == priority)
    return (await db.scalars(statement)).all()


async def readable_order(
    db: AsyncSession, order_id: str, *, user_id: str, provider_id: str | None
) -> RouteOrder | None:
    """The order if this caller may see it: an announcement, their own order, or matched."""
    statement = select(RouteOrder).where(
        RouteOrder.id == order_id,
        or_(
            RouteOrder.announcement_type == PROVIDER_ANNOUNCED,
            RouteOrder.customer_id == user_id,
            matched_with(provider_id),
        ),
    )
    return await db.scalar(statement)


async def provider_public(db: AsyncSession, provider_id: str) -> Any:
    statement = select(
        Provider.id, Provider.business_name, Provider.description, Provider.profile_image_url
    ).where(Provider.id == provider_id)
    return (await db.execute(statement)).first()


async def customer_contact(db: AsyncSession, user_id: str) -> Any:
    statement = select(User.id, User.first_name, User.last_name, User.email, User.phone).where(
        User.id == user_id
    )
    return (await db.execute(statement)).first()


async def _cancel_own(
    db: AsyncSession, order_id: str, owner: Any, announcement_type: str, cancellable: str
) -> bool:
    """Cancel the order when `owner` holds and it is of that type and still `cancellable`."""
    statement = (
        update(RouteOrder)
        .where(
            RouteOrder.id == order_id,
            owner,
            RouteOrder.announcement_type == announcement_type,
            RouteOrder.status == cancellable,
        )
        .values(status="cancelled", updated_at=utcnow())
        .returning(RouteOrder.id)
    )
    return (await db.execute(statement)).first() is not None


async def cancel_customer_order(db: AsyncSession, order_id: str, customer_id: str) -> bool:
    owner = RouteOrder.customer_id == customer_id
    return await _cancel_own(db, order_id, owner, CUSTOMER_INITIATED, "pending")


async def cancel_announcement(db: AsyncSession, order_id: str, provider_id: str) -> bool:
    owner = RouteOrder.provider_id == provider_id
    return await _cancel_own(db, order_id, owner, PROVIDER_ANNOUNCED, "open")


async def owned_order_status(
    db: AsyncSession, order_id: str, *, customer_id: str | None, provider_id: str | None
) -> str | None:
    owner = or_(
        and_(
            RouteOrder.customer_id == customer_id,
            RouteOrder.announcement_type == CUSTOMER_INITIATED,
        )
        if customer_id
        else false(),
        and_(
            RouteOrder.provider_id == provider_id,
            RouteOrder.announcement_type == PROVIDER_ANNOUNCED,
        )
        if provider_id
        else false(),
    )
    status: str | None = await db.scalar(
        select(RouteOrder.status).where(RouteOrder.id == order_id, owner)
    )
    return status


async def order_of_provider(db: AsyncSession, order_id: str, provider_id: str) -> RouteOrder | None:
    """The provider's own announcement, or a customer's order matched with the provider."""
    statement = select(RouteOrder).where(
        RouteOrder.id == order_id,
        or_(RouteOrder.provider_id == provider_id, matched_with(provider_id)),
    )
    return await db.scalar(statement)


async def bookings_of_order(db: AsyncSession, order_id: str) -> Sequence[Any]:
    statement = (
        select(
            Booking.id,
            Booking.booking_date,
            Booking.start_time,
            Booking.end_time,
            Booking.status,
            Booking.horse_name,
            Booking.horse_info,
            Booking.customer_notes,
            Booking.created_at,
            User.id.label("customer_id"),
            User.first_name,
            User.last_name,
            User.email,
            User.phone,
            Service.id.label("service_id"),
            Service.name.label("service_name"),
            Service.price.label("service_price"),
            Service.duration_minutes,
        )
        .join(User, User.id == Booking.customer_id)
        .join(Service, Service.id == Booking.service_id)
        .where(Booking.route_order_id == order_id)
        .order_by(Booking.booking_date, Booking.start_time, Booking.id)
    )
    return (await db.execute(statement)).all()


async def my_orders_with_visits(
    db: AsyncSession, customer_id: str, *, limit: int, offset: int = 0
) -> Sequence[Any]:
    """A page of the customer's orders, each with its planned visit (stop, route, provider)
    if any. The page is cut on orders, not on joined rows."""
    page_of_orders = (
        select(RouteOrder.id)
        .where(
            RouteOrder.customer_id == customer_id,
            RouteOrder.announcement_type == CUSTOMER_INITIATED,
        )
        .order_by(RouteOrder.created_at.desc(), RouteOrder.id)
        .limit(limit)
        .offset(offset)
    )
    statement = (
        select(
            RouteOrder,
            RouteStop.id.label("stop_id"),
            RouteStop.status.label("stop_status"),
            RouteStop.stop_order,
            RouteStop.estimated_arrival,
            RouteStop.actual_arrival,
            RouteStop.actual_departure,
            Route.id.label("route_id"),
            Route.route_date,
            Route.status.label("route_status"),
            Provider.id.label("provider_id"),
            Provider.business_name,
        )
        .outerjoin(
            RouteStop,
            and_(RouteStop.route_order_id == RouteOrder.id, RouteStop.route_id.is_not(None)),
        )
        .outerjoin(Route, Route.id == RouteStop.route_id)
        .outerjoin(Provider, Provider.id == Route.provider_id)
        .where(RouteOrder.id.in_(page_of_orders.scalar_subquery()))
        .order_by(RouteOrder.created_at.desc(), RouteOrder.id)
    )
    return (await db.execute(statement)).all()


# --- follows ------------------------------------------------------------------------------


async def active_provider(db: AsyncSession, provider_id: str) -> Provider | None:
    return await db.scalar(select(Provider).where(Provider.id == provider_id, Provider.is_active))


async def upsert_follow(
    db: AsyncSession,
    *,
    customer_id: str,
    provider_id: str,
    latitude: float,
    longitude: float,
    radius_km: float,
) -> str:
    statement = (
        pg_insert(AnnouncementFollow)
        .values(
            id=new_uuid(),
            customer_id=customer_id,
            provider_id=provider_id,
            latitude=latitude,
            longitude=longitude,
            radius_km=radius_km,
            created_at=utcnow(),
        )
        .on_conflict_do_update(
            index_elements=["customerId", "providerId"],
            set_={"latitude": latitude, "longitude": longitude, "radiusKm": radius_km},
        )
        .returning(AnnouncementFollow.id)
    )
    follow_id: str = (await db.execute(statement)).scalar_one()
    return follow_id


async def follows_of(
    db: AsyncSession, customer_id: str, *, limit: int, offset: int = 0
) -> Sequence[Any]:
    statement = (
        select(AnnouncementFollow, Provider.business_name)
        .join(Provider, Provider.id == AnnouncementFollow.provider_id)
        .where(AnnouncementFollow.customer_id == customer_id)
        .order_by(AnnouncementFollow.created_at.desc(), AnnouncementFollow.id)
        .limit(limit)
        .offset(offset)
    )
    return (await db.execute(statement)).all()


async def delete_follow(db: AsyncSession, follow_id: str, customer_id: str) -> bool:
    statement = (
        delete(AnnouncementFollow)
        .where(AnnouncementFollow.id == follow_id, AnnouncementFollow.customer_id == customer_id)
        .returning(AnnouncementFollow.id)
    )
    return (await db.execute(statement)).first() is not None


async def followers(db: AsyncSession, provider_id: str) -> Sequence[Any]:
    statement = (
        select(
            AnnouncementFollow.customer_id,
            AnnouncementFollow.latitude,
            AnnouncementFollow.longitude,
            AnnouncementFollow.radius_km,
            User.email,
            User.first_name,
            User.is_manual_customer,
        )
        .join(User, User.id == AnnouncementFollow.customer_id)
        .where(AnnouncementFollow.provider_id == provider_id)
    )
    return (await db.execute(statement)).all()


# --- routes -------------------------------------------------------------------------------


async def lock_orders(db: AsyncSession, order_ids: Sequence[str]) -> Sequence[RouteOrder]:
    """The orders, row-locked until the commit: two providers cannot take the same order."""
    statement = (
        select(RouteOrder)
        .where(RouteOrder.id.in_(list(order_ids)))
        .order_by(RouteOrder.id)
        .with_for_update()
    )
    return (await db.scalars(statement)).all()


async def service_durations(db: AsyncSession, provider_id: str) -> dict[str, int]:
    statement = select(Service.name, Service.duration_minutes).where(
        Service.provider_id == provider_id, Service.is_active
    )
    return {name.lower(): int(minutes) for name, minutes in (await db.execute(statement)).all()}


async def lock_bookings(
    db: AsyncSession, booking_ids: Sequence[str], provider_id: str
) -> Sequence[Any]:
    """The provider's bookings with their customer's place, row-locked until the commit."""
    if not booking_ids:
        return []
    statement = (
        select(
            Booking.id,
            Booking.customer_id,
            Booking.route_order_id,
            Booking.booking_date,
            Booking.start_time,
            Booking.end_time,
            Booking.status,
            User.latitude,
            User.longitude,
            User.address,
            User.city,
            Service.name.label("service_name"),
        )
        .join(User, User.id == Booking.customer_id)
        .join(Service, Service.id == Booking.service_id)
        .where(Booking.id.in_(list(booking_ids)), Booking.provider_id == provider_id)
        .order_by(Booking.id)
        .with_for_update(of=Booking)
    )
    return (await db.execute(statement)).all()


async def plannable_bookings(
    db: AsyncSession, provider_id: str, booking_day: datetime
) -> Sequence[Any]:
    """The provider's confirmed bookings of a day whose customer has a known place and that
    are on no route yet: what the route form offers beside the orders."""
    on_a_route = exists().where(RouteStop.booking_id == Booking.id, RouteStop.route_id.is_not(None))
    statement = (
        select(
            Booking.id,
            Booking.start_time,
            Booking.end_time,
            Booking.horse_name,
            User.first_name,
            User.last_name,
            User.address,
            User.city,
            Service.name.label("service_name"),
        )
        .join(User, User.id == Booking.customer_id)
        .join(Service, Service.id == Booking.service_id)
        .where(
            Booking.provider_id == provider_id,
            Booking.booking_date == booking_day,
            Booking.status == "confirmed",
            User.latitude.is_not(None),
            User.longitude.is_not(None),
            ~on_a_route,
        )
        .order_by(Booking.start_time, Booking.id)
    )
    return (await db.execute(statement)).all()


async def bookings_on_a_route(db: AsyncSession, booking_ids: Sequence[str]) -> set[str]:
    if not booking_ids:
        return set()
    statement = select(RouteStop.booking_id).where(
        RouteStop.booking_id.in_(list(booking_ids)), RouteStop.route_id.is_not(None)
    )
    return {str(b) for b in (await db.scalars(statement)).all()}


async def set_orders_status(db: AsyncSession, order_ids: Sequence[str], status: str) -> None:
    await db.execute(
        update(RouteOrder)
        .where(RouteOrder.id.in_(list(order_ids)))
        .values(status=status, updated_at=utcnow())
    )


async def route_of(db: AsyncSession, route_id: str, provider_id: str) -> Route | None:
    return await db.scalar(
        select(Route).where(Route.id == route_id, Route.provider_id == provider_id)
    )


async def routes_of(
    db: AsyncSession, provider_id: str, *, limit: int, offset: int = 0
) -> Sequence[Route]:
    statement = (
        select(Route)
        .where(Route.provider_id == provider_id)
        .order_by(Route.route_date.desc(), Route.created_at.desc(), Route.id)
        .limit(limit)
        .offset(offset)
    )
    return (await db.scalars(statement)).all()


async def stops_with_orders(db: AsyncSession, route_ids: Sequence[str]) -> dict[str, list[Any]]:
    if not route_ids:
        return {}
    statement = (
        select(
            RouteStop,
            RouteOrder,
            Booking.start_time.label("booking_start"),
            Booking.end_time.label("booking_end"),
            Booking.status.label("booking_status"),
            User.first_name,
            User.last_name,
            User.phone,
        )
        .outerjoin(RouteOrder, RouteOrder.id == RouteStop.route_order_id)
        .outerjoin(Booking, Booking.id == RouteStop.booking_id)
        .outerjoin(User, User.id == func.coalesce(Booking.customer_id, RouteOrder.customer_id))
        .where(RouteStop.route_id.in_(list(route_ids)))
        .order_by(RouteStop.route_id, RouteStop.stop_order)
    )
    grouped: dict[str, list[Any]] = {}
    for row in (await db.execute(statement)).all():
        grouped.setdefault(row.RouteStop.route_id, []).append(row)
    return grouped


async def stop_of(
    db: AsyncSession, route_id: str, stop_id: str, provider_id: str
) -> RouteStop | None:
    """The stop, only if it is on this route and the route is this provider's."""
    statement = (
        select(RouteStop)
        .join(Route, Route.id == RouteStop.route_id)
        .where(
            RouteStop.id == stop_id,
            RouteStop.route_id == route_id,
            Route.provider_id == provider_id,
        )
        .with_for_update(of=RouteStop)
    )
    return await db.scalar(statement)


async def route_stops(db: AsyncSession, route_id: str) -> Sequence[RouteStop]:
    statement = (
        select(RouteStop).where(RouteStop.route_id == route_id).order_by(RouteStop.stop_order)
    )
    return (await db.scalars(statement)).all()


async def visit_customer(db: AsyncSession, stop: RouteStop) -> Any:
    """Whom a stop visits: the booking's customer, else the order's."""
    who: Any
    if stop.booking_id is not None:
        who = select(Booking.customer_id).where(Booking.id == stop.booking_id)
    elif stop.route_order_id is not None:
        who = select(RouteOrder.customer_id).where(RouteOrder.id == stop.route_order_id)
    else:
        return None
    statement = select(
        User.id.label("user_id"), User.email, User.first_name, User.is_manual_customer
    ).where(User.id == who.scalar_subquery())
    return (await db.execute(statement)).first()
