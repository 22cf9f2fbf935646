"""Availability rules: the week, date exceptions and the public day view.

Writes are the owner's only; another provider's id is a 404 like an unknown one (design.md
rule 3). Every write refreshes the public listings after commit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.dependencies import ProviderAccount
from equinet.availability import repository
from equinet.availability.schemas import (
    BookedSlotOut,
    DayAvailabilityOut,
    ExceptionIn,
    ScheduleIn,
    SlotOut,
)
from equinet.availability.slots import Location, day_availability
from equinet.catalog.service import ServiceNotFound as ServiceNotFound
from equinet.kit.dates import InvalidDate, parse_date, parse_hhmm, today_local
from equinet.kit.errors import EquinetError, NotFound
from equinet.kit.pagination import PageRequest
from equinet.models import Availability, AvailabilityException
from equinet.providers.cache import invalidate_provider_listings
from equinet.providers.exceptions import ProviderNotFound
from equinet.settings import Settings

DEFAULT_SLOT_MINUTES = 30


class ExceptionNotFound(NotFound):
    code = "EXCEPTION_NOT_FOUND"
    message = "Undantaget hittades inte"


class InvalidSchedule(EquinetError):
    code = "INVALID_SCHEDULE"


class InvalidException(EquinetError):
    code = "INVALID_EXCEPTION"


class InvalidAvailabilityQuery(EquinetError):
    status_code = 422  # a malformed query string, like any other validation error
    code = "INVALID_QUERY"
    message = "Ogiltiga parametrar i adressen"


def _own(account: ProviderAccount, provider_id: str) -> str:
    if account.provider.id != provider_id:
        raise ProviderNotFound()
    return provider_id


async def _existing(db: AsyncSession, provider_id: str) -> str:
    if not await repository.provider_exists(db, provider_id, active_only=False):
        raise ProviderNotFound()
    return provider_id


# --- weekly schedule ------------------------------------------------------------------------


async def weekly_schedule(db: AsyncSession, provider_id: str) -> Sequence[Availability]:
    return await repository.active_week(db, await _existing(db, provider_id))


async def replace_schedule(
    db: AsyncSession, account: ProviderAccount, provider_id: str, body: ScheduleIn
) -> Sequence[Availability]:
    """Make `body` the provider's week, all of it or nothing (C2)."""
    _own(account, provider_id)
    seen: set[int] = set()
    for day in body.schedule:
        if day.day_of_week in seen:
            raise InvalidSchedule(
                "Veckodag {day} förekommer mer än en gång",
                values={"day": day.day_of_week},
                details={"dayOfWeek": day.day_of_week},
            )
        seen.add(day.day_of_week)
        if not day.is_closed and parse_hhmm(day.start_time) >= parse_hhmm(day.end_time):
            raise InvalidSchedule(
                "Starttid måste vara före sluttid (veckodag {day})",
                values={"day": day.day_of_week},
                details={"dayOfWeek": day.day_of_week},
            )
    week = await repository.replace_week(
        db,
        provider_id,
        [
            repository.WeekDay(d.day_of_week, d.start_time, d.end_time, d.is_closed)
            for d in sorted(body.schedule, key=lambda d: d.day_of_week)
        ],
    )
    invalidate_provider_listings(db, provider_id)
    return week


# --- date exceptions ------------------------------------------------------------------------


def _query_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except InvalidDate:
        raise InvalidAvailabilityQuery(
            "Ogiltiga parametrar: from och to anges som ÅÅÅÅ-MM-DD"
        ) from None


async def exceptions_between(
    db: AsyncSession, provider_id: str, first: str | None, last: str | None, page: PageRequest
) -> tuple[list[AvailabilityException], bool]:
    start, end = _query_date(first), _query_date(last)
    rows = await repository.exceptions_between(
        db, await _existing(db, provider_id), start, end, limit=page.fetch, offset=page.offset
    )
    return page.cut(rows)


async def save_exception(
    db: AsyncSession,
    account: ProviderAccount,
    provider_id: str,
    body: ExceptionIn,
    *,
    now: datetime | None = None,
) -> tuple[AvailabilityException, bool]:
    """Create or replace the exception of a date; returns it and whether it is new."""
    _own(account, provider_id)
    day = parse_date(body.date)
    if day < today_local(now):
        raise InvalidException("Kan inte ändra tillgänglighet för ett datum som har passerat")
    start, end = body.start_time, body.end_time
    if body.is_closed:
        start = end = None
    else:
        if start is None or end is None:
            raise InvalidException("Ange startTime och endTime när dagen inte är stängd")
        if parse_hhmm(start) >= parse_hhmm(end):
            raise InvalidException("Starttid måste vara före sluttid")
    saved = await repository.upsert_exception(
        db,
        provider_id,
        repository.ExceptionValues(
            day=day,
            is_closed=body.is_closed,
            start_time=start,
            end_time=end,
            reason=body.reason,
            location=body.location,
            latitude=body.latitude,
            longitude=body.longitude,
        ),
    )
    invalidate_provider_listings(db, provider_id)
    return saved


def _path_date(value: str) -> date:
    try:
        return parse_date(value)
    except InvalidDate:
        raise InvalidDate() from None


async def exception_on(db: AsyncSession, provider_id: str, day: str) -> AvailabilityException:
    found = await repository.exception_on(db, provider_id, _path_date(day))
    if found is None:
        raise ExceptionNotFound()
    return found


async def remove_exception(
    db: AsyncSession, account: ProviderAccount, provider_id: str, day: str
) -> date:
    _own(account, provider_id)
    parsed = _path_date(day)
    if not await repository.delete_exception(db, provider_id, parsed):
        raise ExceptionNotFound()
    invalidate_provider_listings(db, provider_id)
    return parsed


# --- public day view ------------------------------------------------------------------------


def _coordinate(value: str, low: float, high: float, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and low <= number <= high):
        raise InvalidAvailabilityQuery(
            "Ogiltig {name} (måste vara mellan {low} och {high})",
            values={"name": name, "low": f"{low:g}", "high": f"{high:g}"},
        )
    return number


async def day_view(
    db: AsyncSession,
    settings: Settings,
    provider_id: str,
    *,
    day: str | None,
    service_id: str | None,
    service_duration: str | None,
    latitude: str | None,
    longitude: str | None,
    now: datetime | None = None,
) -> DayAvailabilityOut:
    """GET /api/providers/{id}/availability: the engine's slots for one date."""
    if not day:
        raise InvalidAvailabilityQuery("Ange datum (date=ÅÅÅÅ-MM-DD)")
    parsed = parse_date(day)
    # The provider and the asked-for service in one round trip; the provider's 404 first.
    provider = await repository.provider_and_service(db, provider_id, service_id or None)
    if provider is None:
        raise ProviderNotFound()
    duration = _duration(provider.duration_minutes, service_id, service_duration)
    location: Location | None = None
    if latitude is not None or longitude is not None:
        if latitude is None or longitude is None:
            raise InvalidAvailabilityQuery("lat och lng anges tillsammans")
        location = Location(
            _coordinate(latitude, -90, 90, "latitude"),
            _coordinate(longitude, -180, 180, "longitude"),
        )
    view = await day_availability(
        db,
        provider=provider,
        service_duration_minutes=duration,
        day=parsed,
        customer_location=location,
        now=now,
        settings=settings,
    )
    return DayAvailabilityOut(
        date=parsed,
        day_of_week=parsed.weekday(),
        is_closed=view.window is None,
        opening_time=view.window.opens if view.window else None,
        closing_time=view.window.closes if view.window else None,
        slots=[
            SlotOut(
                start_time=slot.start,
                end_time=slot.end,
                is_available=slot.available,
                unavailable_reason=slot.reason,
            )
            for slot in view.slots
        ],
        booked_slots=[
            BookedSlotOut(
                start_time=booking.start_time,
                end_time=booking.end_time,
                service_name=booking.service_name,
            )
            for booking in view.bookings
        ],
    )


def _duration(
    service_minutes: int | None, service_id: str | None, service_duration: str | None
) -> int:
    if service_id:
        if service_minutes is None:
            raise ServiceNotFound()
        return service_minutes
    if service_duration is None:
        return DEFAULT_SLOT_MINUTES
    try:
        minutes = int(service_duration)
    except ValueError:
        minutes = 0
    if not 15 <= minutes <= 480:
        raise InvalidAvailabilityQuery(
            "serviceDuration måste vara ett helt antal minuter mellan 15 och 480"
        )
    return minutes
