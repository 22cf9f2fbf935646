"""A factory for every model: valid rows with sensible defaults, overridable per test.

Each factory adds the row to the session, flushes (so ids and defaults exist) and returns it.
Parents are created on demand: `await booking(db)` makes the customer, provider and service it
needs unless they are passed in. Nothing is committed; the test's transaction is rolled back.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import hash_token
from equinet.db.base import utcnow
from equinet.kit.passwords import hash_password
from equinet.models import (
    AnnouncementFollow,
    Availability,
    AvailabilityException,
    Booking,
    CalendarFeed,
    EmailVerificationToken,
    FortnoxConnection,
    GroupBookingParticipant,
    GroupBookingRequest,
    Horse,
    HorseNote,
    HorsePassportToken,
    Notification,
    Payment,
    Provider,
    ProviderVerification,
    ReminderDelivery,
    ReminderOptOut,
    Review,
    Route,
    RouteOrder,
    RouteStop,
    Service,
    Upload,
    User,
)

DEFAULT_PASSWORD = "Hästhov-2026!"
_counter = itertools.count(1)
_password_hash: str | None = None


def _n() -> int:
    return next(_counter)


def _hash() -> str:
    global _password_hash  # argon2 is deliberately slow: hash the default password once
    if _password_hash is None:
        _password_hash = hash_password(DEFAULT_PASSWORD)
    return _password_hash


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


async def _add(db: AsyncSession, row: Any) -> Any:
    db.add(row)
    await db.flush()
    return row


async def user(db: AsyncSession, **overrides: Any) -> User:
    n = _n()
    password = overrides.pop("password", None)
    values: dict[str, Any] = {
        "email": f"user{n}-{secrets.token_hex(3)}@example.se",
        "password_hash": hash_password(password) if password else _hash(),
        "user_type": "customer",
        "first_name": "Test",
        "last_name": f"Användare {n}",
        "email_verified": True,
        "email_verified_at": utcnow(),
    }
    values.update(overrides)
    return await _add(db, User(**values))  # type: ignore[no-any-return]


async def customer(db: AsyncSession, **overrides: Any) -> User:
    return await user(db, user_type="customer", **overrides)


async def provider(db: AsyncSession, owner: User | None = None, **overrides: Any) -> Provider:
    owner = owner or await user(db, user_type="provider")
    values: dict[str, Any] = {
        "user_id": owner.id,
        "business_name": f"Hovslagare {owner.last_name}",
        "description": "Skoning och verkning",
        "city": "Uppsala",
        "latitude": 59.8586,
        "longitude": 17.6389,
        "service_area_km": 50.0,
    }
    values.update(overrides)
    return await _add(db, Provider(**values))  # type: ignore[no-any-return]


async def service(db: AsyncSession, of: Provider | None = None, **overrides: Any) -> Service:
    of = of or await provider(db)
    values: dict[str, Any] = {
        "provider_id": of.id,
        "name": "Skoning",
        "price": Decimal("1800.00"),
        "duration_minutes": 60,
    }
    values.update(overrides)
    return await _add(db, Service(**values))  # type: ignore[no-any-return]


async def availability(
    db: AsyncSession, of: Provider | None = None, **overrides: Any
) -> Availability:
    of = of or await provider(db)
    values: dict[str, Any] = {
        "provider_id": of.id,
        "day_of_week": 0,
        "start_time": "09:00",
        "end_time": "17:00",
    }
    values.update(overrides)
    return await _add(db, Availability(**values))  # type: ignore[no-any-return]


async def weekly_hours(
    db: AsyncSession, of: Provider, start: str = "09:00", end: str = "17:00"
) -> list[Availability]:
    """Mon–Fri open `start`–`end`, weekend closed: the demo providers' week."""
    return [
        await availability(db, of, day_of_week=d, start_time=start if d < 5 else "00:00",
                           end_time=end if d < 5 else "00:00", is_closed=d >= 5)
        for d in range(7)
    ]  # fmt: skip


async def availability_exception(
    db: AsyncSession, of: Provider | None = None, **overrides: Any
) -> AvailabilityException:
    of = of or await provider(db)
    values: dict[str, Any] = {
        "provider_id": of.id,
        "date": date.today() + timedelta(days=7),
        "is_closed": True,
        "reason": "Semester",
    }
    values.update(overrides)
    return await _add(db, AvailabilityException(**values))  # type: ignore[no-any-return]


async def horse(db: AsyncSession, owner: User | None = None, **overrides: Any) -> Horse:
    owner = owner or await customer(db)
    values: dict[str, Any] = {
        "owner_id": owner.id,
        "name": f"Blixten {_n()}",
        "breed": "Svensk varmblodig",
        "birth_year": 2015,
        "gender": "gelding",
    }
    values.update(overrides)
    return await _add(db, Horse(**values))  # type: ignore[no-any-return]


async def booking(
    db: AsyncSession,
    *,
    by: User | None = None,
    at: Provider | None = None,
    for_service: Service | None = None,
    day: date | None = None,
    **overrides: Any,
) -> Booking:
    at = (
        at
        or (for_service and await db.get(Provider, for_service.provider_id))
        or await provider(db)
    )
    for_service = for_service or await service(db, at)
    by = by or await customer(db)
    day = day or date.today() + timedelta(days=14)
    values: dict[str, Any] = {
        "customer_id": by.id,
        "provider_id": at.id,
        "service_id": for_service.id,
        "price_at_booking": for_service.price,
        "booking_date": _midnight(day),
        "start_time": "10:00",
        "end_time": "11:00",
        "status": "pending",
        "horse_name": "Blixten",
    }
    values.update(overrides)
    return await _add(db, Booking(**values))  # type: ignore[no-any-return]


async def payment(
    db: AsyncSession, for_booking: Booking | None = None, **overrides: Any
) -> Payment:
    for_booking = for_booking or await booking(db, status="confirmed")
    values: dict[str, Any] = {
        "booking_id": for_booking.id,
        "amount": Decimal("1800.00"),
        "status": "succeeded",
        "paid_at": utcnow(),
    }
    values.update(overrides)
    return await _add(db, Payment(**values))  # type: ignore[no-any-return]


async def review(db: AsyncSession, for_booking: Booking | None = None, **overrides: Any) -> Review:
    for_booking = for_booking or await booking(db, status="completed")
    values: dict[str, Any] = {
        "booking_id": for_booking.id,
        "customer_id": for_booking.customer_id,
        "provider_id": for_booking.provider_id,
        "rating": 5,
        "comment": "Mycket nöjd",
    }
    values.update(overrides)
    return await _add(db, Review(**values))  # type: ignore[no-any-return]


async def notification(db: AsyncSession, to: User | None = None, **overrides: Any) -> Notification:
    to = to or await customer(db)
    values: dict[str, Any] = {"user_id": to.id, "type": "booking_created", "message": "Ny bokning"}
    values.update(overrides)
    return await _add(db, Notification(**values))  # type: ignore[no-any-return]


async def email_verification_token(
    db: AsyncSession, of: User | None = None, **overrides: Any
) -> EmailVerificationToken:
    of = of or await customer(db, email_verified=False, email_verified_at=None)
    values: dict[str, Any] = {
        "user_id": of.id,
        "token": secrets.token_hex(32),
        "expires_at": utcnow() + timedelta(hours=24),
    }
    values.update(overrides)
    return await _add(db, EmailVerificationToken(**values))  # type: ignore[no-any-return]


async def horse_note(db: AsyncSession, of: Horse | None = None, **overrides: Any) -> HorseNote:
    of = of or await horse(db)
    values: dict[str, Any] = {
        "horse_id": of.id,
        "author_id": of.owner_id,
        "category": "farrier",
        "title": "Skodd runt om",
        "note_date": utcnow(),
    }
    values.update(overrides)
    return await _add(db, HorseNote(**values))  # type: ignore[no-any-return]


async def horse_passport_token(
    db: AsyncSession, of: Horse | None = None, **overrides: Any
) -> HorsePassportToken:
    of = of or await horse(db)
    values: dict[str, Any] = {
        "horse_id": of.id,
        "token": secrets.token_urlsafe(24),
        "expires_at": utcnow() + timedelta(days=30),
    }
    values.update(overrides)
    return await _add(db, HorsePassportToken(**values))  # type: ignore[no-any-return]


async def provider_verification(
    db: AsyncSession, of: Provider | None = None, **overrides: Any
) -> ProviderVerification:
    of = of or await provider(db)
    values: dict[str, Any] = {
        "provider_id": of.id,
        "type": "education",
        "title": "Hovslagarexamen",
        "issuer": "SLU",
        "year": 2015,
    }
    values.update(overrides)
    return await _add(db, ProviderVerification(**values))  # type: ignore[no-any-return]


async def upload(db: AsyncSession, owner: User | None = None, **overrides: Any) -> Upload:
    owner = owner or await customer(db)
    n = _n()
    values: dict[str, Any] = {
        "user_id": owner.id, "bucket": "horses", "path": f"{owner.id}/{n}.jpg",
        "url": f"/uploads/horses/{owner.id}/{n}.jpg", "mime_type": "image/jpeg", "size_bytes": 1024,
    }  # fmt: skip
    values.update(overrides)
    return await _add(db, Upload(**values))  # type: ignore[no-any-return]


async def fortnox_connection(
    db: AsyncSession, of: Provider | None = None, **overrides: Any
) -> FortnoxConnection:
    of = of or await provider(db)
    values: dict[str, Any] = {
        "provider_id": of.id,
        "access_token": "enc:access",
        "refresh_token": "enc:refresh",
        "expires_at": utcnow() + timedelta(hours=1),
    }
    values.update(overrides)
    return await _add(db, FortnoxConnection(**values))  # type: ignore[no-any-return]


async def route_order(db: AsyncSession, by: User | None = None, **overrides: Any) -> RouteOrder:
    by = by or await customer(db)
    today = _midnight(date.today())
    values: dict[str, Any] = {
        "customer_id": by.id, "service_type": "Skoning", "address": "Stallvägen 5, Göteborg",
        "latitude": 57.7089, "longitude": 11.9746, "date_from": today + timedelta(days=3),
        "date_to": today + timedelta(days=10),
    }  # fmt: skip
    values.update(overrides)
    return await _add(db, RouteOrder(**values))  # type: ignore[no-any-return]


async def route(db: AsyncSession, of: Provider | None = None, **overrides: Any) -> Route:
    of = of or await provider(db)
    values: dict[str, Any] = {
        "provider_id": of.id,
        "route_name": "Tisdagsrundan",
        "route_date": _midnight(date.today() + timedelta(days=5)),
        "start_time": "08:00",
    }
    values.update(overrides)
    return await _add(db, Route(**values))  # type: ignore[no-any-return]


async def route_stop(
    db: AsyncSession, on: Route | None = None, order: RouteOrder | None = None, **overrides: Any
) -> RouteStop:
    on = on or await route(db)
    order = order or await route_order(db)
    values: dict[str, Any] = {
        "route_id": on.id,
        "route_order_id": order.id,
        "stop_order": 1,
        "address": order.address,
    }
    values.update(overrides)
    return await _add(db, RouteStop(**values))  # type: ignore[no-any-return]


async def group_booking_request(
    db: AsyncSession, by: User | None = None, **overrides: Any
) -> GroupBookingRequest:
    by = by or await customer(db)
    today = _midnight(date.today())
    values: dict[str, Any] = {
        "creator_id": by.id, "service_type": "Skoning", "location_name": "Ridklubben", "address": "Ridvägen 8, Malmö",
        "date_from": today + timedelta(days=7), "date_to": today + timedelta(days=14),
        "invite_code": secrets.token_hex(4).upper(),
    }  # fmt: skip
    values.update(overrides)
    return await _add(db, GroupBookingRequest(**values))  # type: ignore[no-any-return]


async def group_booking_participant(
    db: AsyncSession,
    of: GroupBookingRequest | None = None,
    who: User | None = None,
    **overrides: Any,
) -> GroupBookingParticipant:
    of = of or await group_booking_request(db)
    who = who or await customer(db)
    values: dict[str, Any] = {
        "group_booking_request_id": of.id,
        "user_id": who.id,
        "number_of_horses": 1,
        "horse_name": "Stjärna",
    }
    values.update(overrides)
    return await _add(db, GroupBookingParticipant(**values))  # type: ignore[no-any-return]


async def reminder_delivery(
    db: AsyncSession, for_booking: Booking | None = None, **overrides: Any
) -> ReminderDelivery:
    for_booking = for_booking or await booking(db, status="completed")
    values: dict[str, Any] = {
        "kind": "rebooking",
        "booking_id": for_booking.id,
        "user_id": for_booking.customer_id,
    }
    values.update(overrides)
    return await _add(db, ReminderDelivery(**values))  # type: ignore[no-any-return]


async def reminder_opt_out(
    db: AsyncSession, of: User | None = None, **overrides: Any
) -> ReminderOptOut:
    of = of or await customer(db)
    values: dict[str, Any] = {"user_id": of.id, "kind": "rebooking"}
    values.update(overrides)
    return await _add(db, ReminderOptOut(**values))  # type: ignore[no-any-return]


async def calendar_feed(db: AsyncSession, of: User | None = None, **overrides: Any) -> CalendarFeed:
    of = of or await customer(db)
    values: dict[str, Any] = {"user_id": of.id, "token_hash": hash_token(secrets.token_urlsafe(32))}
    values.update(overrides)
    return await _add(db, CalendarFeed(**values))  # type: ignore[no-any-return]


async def announcement_follow(
    db: AsyncSession, by: User | None = None, of: Provider | None = None, **overrides: Any
) -> AnnouncementFollow:
    by = by or await customer(db)
    of = of or await provider(db)
    values: dict[str, Any] = {
        "customer_id": by.id,
        "provider_id": of.id,
        "latitude": 59.8586,
        "longitude": 17.6389,
        "radius_km": 50.0,
    }
    values.update(overrides)
    return await _add(db, AnnouncementFollow(**values))  # type: ignore[no-any-return]
