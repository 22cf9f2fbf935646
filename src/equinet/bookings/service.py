"""Booking rules: creation under the provider lock, status changes as a
compare-and-swap, deletion limits, manual bookings (fixed).

Services flush, never commit; notifications are rows in the same transaction and e-mails go
out only after the commit (design.md rule 2).
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.availability.slots import (
    BookingInPast,
    Location,
    TimeNotOnClock,
    check_bookable,
    stable_of,
)
from equinet.bookings import emails, repository, views
from equinet.bookings.exceptions import (
    BookingExists,
    BookingNotDeletable,
    BookingNotFound,
    ConcurrentStatusChange,
    CustomerEmailTaken,
    CustomerNotFound,
    EndTimeMismatch,
    HorseAlreadyBooked,
    HorseNotFound,
    InactiveProvider,
    InactiveService,
    InvalidRouteOrder,
    InvalidTimes,
    SelfBooking,
    ServiceProviderMismatch,
)
from equinet.bookings.locks import lock_diary
from equinet.bookings.schemas import CreateBookingIn, ManualBookingIn, UpdateBookingIn
from equinet.bookings.status_machine import check_transition
from equinet.db.base import new_uuid, utcnow
from equinet.kit.dates import (
    booking_date_column,
    date_of_booking_column,
    format_hhmm,
    is_on_local_clock,
    parse_hhmm,
    today_local,
)
from equinet.kit.errors import sqlstate_of
from equinet.kit.pagination import PageRequest
from equinet.kit.passwords import hash_password_async
from equinet.models import Provider, User
from equinet.notifications import messages
from equinet.notifications.service import notify
from equinet.settings import Settings

MIN_DURATION_MINUTES = 15
MAX_DURATION_MINUTES = 480
GHOST_EMAIL_TEMPLATE = "manual-{}@ghost.equinet.se"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Actor:
    """Who acts on a booking: as its provider (`provider_id`) or as its customer."""

    user: User
    provider_id: str | None = None

    @property
    def is_provider(self) -> bool:
        return self.provider_id is not None

    def owner(self) -> dict[str, str | None]:
        if self.provider_id is not None:
            return {"provider_id": self.provider_id, "customer_id": None}
        return {"provider_id": None, "customer_id": self.user.id}


def sanitize_string(value: str) -> str:
    """The original's `sanitizeString`: trim, drop control characters, collapse whitespace."""
    return _WHITESPACE.sub(" ", _CONTROL.sub("", value)).strip()


def time_window(day: date, start: str, end: str | None, duration_minutes: int) -> tuple[str, str]:
    """The booking's window: the server derives the end from the service's duration.

    Times are Europe/Stockholm wall-clock times, the business zone every provider works in
    (`Booking.timezone` always holds it; nothing reads the column). A client's `endTime` that
    is not start + duration is refused (422) rather than trusted: it would block the
    provider's day. A start or end the clock skips (the spring-forward hour) is refused; an
    autumn time that occurs twice means its first occurrence (`kit.dates.local_instant`).
    """
    start_minutes = parse_hhmm(start)
    end_minutes = start_minutes + duration_minutes
    if end is not None and parse_hhmm(end) != end_minutes:
        expected = format_hhmm(end_minutes) if end_minutes < 24 * 60 else None
        raise EndTimeMismatch(
            details={"expectedEndTime": expected, "durationMinutes": duration_minutes}
        )
    if end_minutes >= 24 * 60:
        raise InvalidTimes("Bokningen måste sluta samma dag (senast 23:59)")
    if end_minutes - start_minutes < MIN_DURATION_MINUTES:
        raise InvalidTimes("Bokning måste vara minst 15 minuter")
    if end_minutes - start_minutes > MAX_DURATION_MINUTES:
        raise InvalidTimes("Bokning kan inte överstiga 8 timmar")
    if not (is_on_local_clock(day, start_minutes) and is_on_local_clock(day, end_minutes)):
        raise TimeNotOnClock()
    return format_hhmm(start_minutes), format_hhmm(end_minutes)


async def _check_route_order(
    db: AsyncSession, route_order_id: str, provider_id: str, day: date
) -> None:
    order = await repository.route_order(db, route_order_id)
    if order is None:
        raise InvalidRouteOrder("RouteOrder hittades inte")
    if order.status != "open":
        raise InvalidRouteOrder("Rutten är inte längre öppen för bokningar")
    if not (
        date_of_booking_column(order.date_from) <= day <= date_of_booking_column(order.date_to)
    ):
        raise InvalidRouteOrder("Bokningsdatum måste vara inom ruttens datum-spann")
    if order.provider_id != provider_id:
        raise InvalidRouteOrder("Provider matchar inte rutt-annonsen")


async def _insert(db: AsyncSession, values: dict[str, Any]) -> Any:
    try:
        return await repository.insert_booking(db, values)
    except sa_exc.IntegrityError as error:
        # The partial unique index on active slots is the last line of defence.
        if sqlstate_of(error) == "23505":
            raise BookingExists() from error
        raise


async def _reserve(
    db: AsyncSession,
    settings: Settings,
    *,
    provider: Provider,
    service: Any,
    customer_id: str,
    day: date,
    start: str,
    end: str,
    horse_id: str | None,
    customer_location: Location | None,
    apply_travel_buffer: bool,
    now: datetime | None,
    values: dict[str, Any],
) -> Any:
    """Lock the provider's (and horse's) diary, re-check the time inside the lock, insert
    `values` with the parties, the price at booking and the time; returns the stored
    booking's own columns."""
    await lock_diary(db, provider_id=provider.id, horse_id=horse_id)
    travel = await check_bookable(
        db,
        provider=provider,
        day=day,
        start=start,
        end=end,
        customer_location=customer_location,
        now=now,
        apply_travel_buffer=apply_travel_buffer,
        settings=settings,
    )
    if horse_id and await repository.horse_busy(db, horse_id, day, start, end, None):
        raise HorseAlreadyBooked()
    return await _insert(
        db,
        {
            **values,
            "customer_id": customer_id,
            "service_id": service.id,
            "price_at_booking": service.price,
            "provider_id": provider.id,
            "booking_date": booking_date_column(day),
            "start_time": start,
            "end_time": end,
            "horse_id": horse_id,
            "travel_time_minutes": travel,
        },
    )


def _created_row(
    booked: Any, customer: User, service: Any, provider: Provider, horse: Any
) -> SimpleNamespace:
    """`repository.booking_detail`'s row of a booking just inserted, from the inserted
    columns and the parties already read (no payment and no review exist yet)."""
    return SimpleNamespace(
        **booked._mapping,
        customer_first_name=customer.first_name,
        customer_last_name=customer.last_name,
        customer_email=customer.email,
        customer_phone=customer.phone,
        customer_is_manual=customer.is_manual_customer,
        service_name=service.name,
        service_price=service.price,
        service_duration_minutes=service.duration_minutes,
        provider_business_name=provider.business_name,
        provider_user_id=provider.user_id,
        provider_first_name=service.provider_first_name,
        provider_last_name=service.provider_last_name,
        horse_rel_name=horse.name if horse is not None else None,
        horse_breed=horse.breed if horse is not None else None,
        horse_gender=horse.gender if horse is not None else None,
        payment_id=None,
        review_id=None,
    )


async def _own_active_service(db: AsyncSession, provider: Provider, service_id: str) -> Any:
    """A service of `provider` that can be booked now (the provider books it themself)."""
    service = await repository.service_with_provider(db, service_id)
    if service is None or not service.is_active:
        raise InactiveService()
    if service.provider_id != provider.id:
        raise ServiceProviderMismatch()
    if not provider.is_active:
        raise InactiveProvider()
    return service


def _not_in_past(day: date, now: datetime | None) -> None:
    if day < today_local(now):
        raise BookingInPast()


async def create_booking(
    db: AsyncSession,
    settings: Settings,
    customer: User,
    data: CreateBookingIn,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """POST /api/bookings: the original's checks in order (the first failure wins)."""
    _not_in_past(data.booking_date, now)
    # The service's provider comes with it: once the ids match it is the provider asked for.
    service = await repository.service_and_its_provider(db, data.service_id)
    if service is None or not service.is_active:
        raise InactiveService()
    if service.provider_id != data.provider_id:
        raise ServiceProviderMismatch()
    provider: Provider = service.Provider
    if not provider.is_active:
        raise InactiveProvider()
    if provider.user_id == customer.id:
        raise SelfBooking()
    start, end = time_window(
        data.booking_date, data.start_time, data.end_time, service.duration_minutes
    )
    if data.route_order_id:
        await _check_route_order(db, data.route_order_id, provider.id, data.booking_date)
    horse = None
    if data.horse_id:
        horse = await repository.active_horse(db, data.horse_id, customer.id)
        if horse is None:
            raise HorseNotFound()
    booked = await _reserve(
        db,
        settings,
        provider=provider,
        service=service,
        customer_id=customer.id,
        day=data.booking_date,
        start=start,
        end=end,
        horse_id=data.horse_id,
        customer_location=stable_of(customer),
        apply_travel_buffer=True,
        now=now,
        values={
            "route_order_id": data.route_order_id,
            "status": "pending",
            "horse_name": data.horse_name,
            "horse_info": data.horse_info,
            "customer_notes": data.customer_notes,
        },
    )
    # The answer is built from what the request holds, not read back (one statement less).
    row = _created_row(booked, customer, service, provider, horse)
    await notify(
        db,
        user_id=row.provider_user_id,
        type="booking_created",
        message=messages.booking_created(
            messages.full_name(row.customer_first_name, row.customer_last_name),
            row.service_name,
            data.booking_date,
            row.start_time,
            row.horse_name or row.horse_rel_name,
        ),
        link_url=messages.PROVIDER_BOOKINGS_LINK,
        metadata={"bookingId": row.id},
    )
    await emails.queue_booking_created(db, row)
    return views.created(row)


async def _resolve_manual_customer(
    db: AsyncSession, provider: Provider, data: ManualBookingIn
) -> User:
    """The booking's customer: an existing one of this provider, or a new manual ("ghost") one.

    Unlike the original a `customerId` must be a customer who has booked this
    provider, and an e-mail that belongs to someone else's account is never taken over.
    """
    if data.customer_id:
        customer = await repository.related_customer(db, provider.id, data.customer_id)
        if customer is None:
            raise CustomerNotFound()
        return customer
    if data.customer_email:
        existing = await repository.user_by_email(db, data.customer_email)
        if existing is not None:
            if existing.is_manual_customer and await repository.is_related(
                db, provider.id, existing.id
            ):
                return existing
            raise CustomerEmailTaken()
    name = (data.customer_name or "").split()
    ghost = User(
        id=new_uuid(),
        email=data.customer_email or GHOST_EMAIL_TEMPLATE.format(uuid.uuid4()),
        # Nobody knows this password and the address is unverified: the ghost cannot log in.
        password_hash=await hash_password_async(secrets.token_urlsafe(32)),
        user_type="customer",
        first_name=name[0] if name else "",
        last_name=" ".join(name[1:]),
        phone=data.customer_phone,
        is_manual_customer=True,
        email_verified=False,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    db.add(ghost)
    await db.flush()
    return ghost


async def create_manual_booking(
    db: AsyncSession,
    settings: Settings,
    provider: Provider,
    data: ManualBookingIn,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """POST /api/bookings/manual: confirmed at once; same hours and overlap rules, no buffer."""
    _not_in_past(data.booking_date, now)
    service = await _own_active_service(db, provider, data.service_id)
    start, end = time_window(
        data.booking_date, data.start_time, data.end_time, service.duration_minutes
    )
    customer = await _resolve_manual_customer(db, provider, data)
    if data.horse_id and not await repository.owns_active_horse(db, data.horse_id, customer.id):
        raise HorseNotFound()
    booked = await _reserve(
        db,
        settings,
        provider=provider,
        service=service,
        customer_id=customer.id,
        day=data.booking_date,
        start=start,
        end=end,
        horse_id=data.horse_id,
        customer_location=stable_of(customer),
        apply_travel_buffer=False,
        now=now,
        values={
            "status": "confirmed",
            "horse_name": data.horse_name,
            "horse_info": data.horse_info,
            "customer_notes": data.customer_notes,
            "is_manual_booking": True,
            "created_by_provider_id": provider.id,
        },
    )
    row = await repository.booking_detail(db, booked.id)
    assert row is not None
    # The provider made it, so no notification to themself; a real customer hears.
    await emails.queue_booking_created(db, row)
    return views.created(row)


async def list_bookings(
    db: AsyncSession,
    actor: Actor,
    *,
    statuses: list[str],
    date_from: date | None,
    date_to: date | None,
    page: PageRequest,
) -> tuple[list[dict[str, Any]], bool]:
    rows = await repository.list_bookings(
        db,
        provider_id=actor.provider_id,
        customer_id=None if actor.is_provider else actor.user.id,
        statuses=statuses,
        date_from=date_from,
        date_to=date_to,
        limit=page.fetch,
        offset=page.offset,
    )
    shown, has_more = page.cut(rows)
    view = views.provider_list if actor.is_provider else views.customer_list
    return view(shown), has_more


async def resolve_actor(
    db: AsyncSession, user: User, provider: Provider | None, booking_id: str
) -> tuple[Actor, str]:
    """Ownership first: the booking as its provider, else as its customer; 404."""
    if provider is not None:
        status = await repository.owned_status(
            db, booking_id, provider_id=provider.id, customer_id=None
        )
        if status is not None:
            return Actor(user, provider.id), status
    status = await repository.owned_status(db, booking_id, provider_id=None, customer_id=user.id)
    if status is None:
        raise BookingNotFound()
    return Actor(user), status


async def _notify_status_change(
    db: AsyncSession, actor: Actor, row: Any, status: str, message: str | None
) -> None:
    day = date_of_booking_column(row.booking_date)
    metadata = {"bookingId": row.id}
    if actor.is_provider:
        if row.customer_is_manual:
            return  # a ghost customer cannot log in to read it
        await notify(
            db,
            user_id=row.customer_id,
            type=f"booking_{status}",
            message=messages.status_changed_by_provider(
                row.service_name, row.provider_business_name, day, row.start_time, status, message
            ),
            link_url=messages.CUSTOMER_BOOKINGS_LINK,
            metadata=metadata,
        )
    else:
        await notify(
            db,
            user_id=row.provider_user_id,
            type=f"booking_{status}",
            message=messages.cancelled_by_customer(
                messages.full_name(row.customer_first_name, row.customer_last_name),
                row.service_name,
                day,
                message,
            ),
            link_url=messages.PROVIDER_BOOKINGS_LINK,
            metadata=metadata,
        )


async def update_status(
    db: AsyncSession,
    settings: Settings,
    user: User,
    provider: Provider | None,
    booking_id: str,
    data: UpdateBookingIn,
) -> dict[str, Any]:
    """PUT /api/bookings/{id}: ownership (404), transition (400), then compare-and-swap."""
    actor, current = await resolve_actor(db, user, provider, booking_id)
    check_transition(current, data.status, by_provider=actor.is_provider)
    message = None
    if data.status == "cancelled" and data.cancellation_message:
        message = sanitize_string(data.cancellation_message) or None
    changed = await repository.compare_and_set_status(
        db,
        booking_id,
        **actor.owner(),
        expected=current,
        target=data.status,
        cancellation_message=message,
    )
    if not changed:
        raise ConcurrentStatusChange()
    if data.status == "cancelled":
        # A paid booking that is cancelled is refunded (the original kept it "succeeded").
        await repository.refund_payment(db, booking_id)
    row = await repository.booking_detail(db, booking_id)
    assert row is not None
    await _notify_status_change(db, actor, row, data.status, message)
    await emails.queue_status_changed(db, row, data.status)
    return views.updated(row)


async def delete_booking(
    db: AsyncSession, user: User, provider: Provider | None, booking_id: str
) -> None:
    """DELETE /api/bookings/{id}: only pending or cancelled, never-paid bookings.

    Confirmed, completed and paid bookings stay (cancel them instead: 409). Deleting a
    pending request tells the other party, as a cancellation would.
    """
    actor, status = await resolve_actor(db, user, provider, booking_id)
    row = await repository.booking_detail(db, booking_id)
    assert row is not None
    if status not in ("pending", "cancelled") or row.payment_id is not None:
        raise BookingNotDeletable()
    if not await repository.delete_unpaid_booking(db, booking_id, **actor.owner()):
        raise ConcurrentStatusChange()
    if status == "pending":
        await _notify_status_change(db, actor, row, "cancelled", None)


async def own_horses(db: AsyncSession, customer_id: str) -> list[Any]:
    """The customer's active horses (id, name, breed, …), to choose one when booking."""
    return list(await repository.active_horses(db, customer_id))


async def create_group_visit_booking(
    db: AsyncSession,
    settings: Settings,
    *,
    provider: Provider,
    service_id: str,
    customer_id: str,
    day: date,
    start_time: str,
    horse_id: str | None,
    horse_name: str | None,
    horse_info: str | None,
    customer_notes: str | None,
    now: datetime | None = None,
) -> Any:
    """One participant's booking of a matched group visit, confirmed at once.

    The rules and the provider lock of POST /api/bookings, with no travel buffer: the
    participants stand at one stable, back to back (as manual bookings). Returns the
    booking's joined row; the customer's confirmation e-mail goes out after the commit.
    """
    _not_in_past(day, now)
    service = await _own_active_service(db, provider, service_id)
    if provider.user_id == customer_id:
        raise SelfBooking()
    start, end = time_window(day, start_time, None, service.duration_minutes)
    if horse_id and not await repository.owns_active_horse(db, horse_id, customer_id):
        raise HorseNotFound()
    booked = await _reserve(
        db,
        settings,
        provider=provider,
        service=service,
        customer_id=customer_id,
        day=day,
        start=start,
        end=end,
        horse_id=horse_id,
        customer_location=None,
        apply_travel_buffer=False,
        now=now,
        values={
            "status": "confirmed",
            "horse_name": horse_name,
            "horse_info": horse_info,
            "customer_notes": customer_notes,
        },
    )
    row = await repository.booking_detail(db, booked.id)
    assert row is not None
    await emails.queue_booking_created(db, row)
    return row
