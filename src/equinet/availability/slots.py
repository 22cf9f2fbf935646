"""The slot engine: which times of a day a provider can be booked for, for display and validation.

One rule set serves both the public slot list and booking creation, so a slot
the list offers can be booked and one it does not offer cannot:

1. the day's opening window: the weekly hours of its weekday, replaced by the date's
   exception (closed, or alternative hours); a start or end the clock skips (the
   spring-forward hour) is not a time;
2. not in the past, and at least the minimum notice ahead (BOOKING_MIN_NOTICE_MINUTES),
   measured in Europe/Stockholm;
3. no overlap with a pending or confirmed booking (adjacent is fine);
4. the travel-time buffer to the previous and the next booking: travel time between
   the two locations plus BOOKING_MIN_BUFFER_MINUTES. A booking's location is its customer's
   saved coordinates, falling back to the provider's; the same fallback applies to the
   customer asking for slots without coordinates.

Times are wall-clock minutes of the day, so a DST day keeps its usual slots; only the
comparison with "now" turns a wall-clock time into an instant (zoneinfo).

Callers that create bookings hold the provider's advisory lock around `check_bookable` and
the insert (design.md rule 4); the engine itself only reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.availability import repository
from equinet.availability.exceptions import (
    BookingInPast,
    BookingOverlap,
    ClosedDay,
    InsufficientNotice,
    InsufficientTravelTime,
    InvalidTimeRange,
    OutsideOpeningHours,
    SlotUnavailable,
    TimeNotOnClock,
)
from equinet.kit.dates import (
    format_hhmm,
    is_hhmm,
    is_on_local_clock,
    local_instant,
    minutes_of_time,
    parse_hhmm,
)
from equinet.kit.geo import travel_minutes
from equinet.settings import Settings, get_settings

if TYPE_CHECKING:
    from equinet.models import User

__all__ = [
    "BookingInPast",
    "BookingOverlap",
    "BookingRules",
    "ClosedDay",
    "DayAvailability",
    "InsufficientNotice",
    "InsufficientTravelTime",
    "InvalidTimeRange",
    "Location",
    "OpeningWindow",
    "OutsideOpeningHours",
    "Slot",
    "SlotUnavailable",
    "TimeNotOnClock",
    "check_bookable",
    "day_availability",
    "opening_window",
    "slots_for_day",
]


@dataclass(frozen=True)
class OpeningWindow:
    """The hours a provider works on one date (Europe/Stockholm wall clock)."""

    start: time
    end: time

    @property
    def opens(self) -> str:
        return format_hhmm(minutes_of_time(self.start))

    @property
    def closes(self) -> str:
        return format_hhmm(minutes_of_time(self.end))


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Slot:
    start: str  # "HH:MM"
    end: str
    available: bool
    reason: str | None  # None when available; else "past", "notice", "booked", "travel-time",
    # "dst-gap" (a time the clock skips)


@dataclass(frozen=True)
class BookingRules:
    """The configurable parts of the engine (settings BOOKING_MIN_*)."""

    min_buffer_minutes: int = 60
    min_notice_minutes: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> BookingRules:
        return cls(
            min_buffer_minutes=settings.booking_min_buffer_minutes,
            min_notice_minutes=settings.booking_min_notice_minutes,
        )


class ProviderLike(Protocol):
    """What the engine needs of a provider: an ORM `Provider` or a Core row both fit."""

    @property
    def id(self) -> str: ...
    @property
    def latitude(self) -> float | None: ...
    @property
    def longitude(self) -> float | None: ...


@dataclass(frozen=True)
class BookedInterval:
    booking_id: str
    start: int  # minutes after midnight
    end: int
    location: Location | None  # customer's coordinates, else the provider's
    service_name: str

    @property
    def start_time(self) -> str:
        return format_hhmm(self.start)

    @property
    def end_time(self) -> str:
        return format_hhmm(self.end)


@dataclass(frozen=True)
class DayPlan:
    """Everything the rules need about one provider's date, loaded once."""

    day: date
    window: OpeningWindow | None
    bookings: tuple[BookedInterval, ...]
    provider_location: Location | None


@dataclass(frozen=True)
class DayAvailability:
    """The slot list of one day together with what produced it (for the public endpoint)."""

    day: date
    window: OpeningWindow | None
    slots: list[Slot]
    bookings: tuple[BookedInterval, ...]


# --- loading -------------------------------------------------------------------------------


def _window_of(rules: Sequence[repository.DayRule]) -> OpeningWindow | None:
    chosen = next((rule for rule in rules if rule.source == "exception"), None)
    if chosen is None:
        chosen = next((rule for rule in rules if rule.source == "weekly"), None)
    if chosen is None or chosen.is_closed:
        return None
    if not (chosen.start_time and chosen.end_time):
        return None
    if not (is_hhmm(chosen.start_time) and is_hhmm(chosen.end_time)):
        return None  # a malformed legacy row must not open the day
    start, end = parse_hhmm(chosen.start_time), parse_hhmm(chosen.end_time)
    if start >= end:
        return None
    return OpeningWindow(time(start // 60, start % 60), time(end // 60, end % 60))


async def opening_window(db: AsyncSession, provider_id: str, day: date) -> OpeningWindow | None:
    """The day's working hours: its exception if it has one, else its weekday's weekly row.

    None when the day is closed (closed exception, closed or inactive weekly row, or no row).
    """
    return _window_of(await repository.day_rules(db, provider_id, day))


def stable_of(customer: User) -> Location | None:
    """Where a customer's visits take place (their own coordinates), when known: the point
    travel time to and from their booking is measured from."""
    return _location_of(customer.latitude, customer.longitude)


def _location_of(latitude: float | None, longitude: float | None) -> Location | None:
    if latitude is None or longitude is None:
        return None
    return Location(float(latitude), float(longitude))


async def _load_plan(
    db: AsyncSession, provider: ProviderLike, day: date, exclude_booking_id: str | None
) -> DayPlan:
    # The day's rules and its bookings in one round trip (a closed day ignores the bookings).
    rules, rows = await repository.day_plan(
        db, provider.id, day, exclude_booking_id=exclude_booking_id
    )
    window = _window_of(rules)
    provider_location = _location_of(provider.latitude, provider.longitude)
    bookings: list[BookedInterval] = []
    if window is not None:
        for row in rows:
            if not (is_hhmm(row.start_time) and is_hhmm(row.end_time)):
                continue
            bookings.append(
                BookedInterval(
                    booking_id=row.id,
                    start=parse_hhmm(row.start_time),
                    end=parse_hhmm(row.end_time),
                    location=_location_of(row.latitude, row.longitude) or provider_location,
                    service_name=row.service_name,
                )
            )
    bookings.sort(key=lambda booking: (booking.start, booking.end))
    return DayPlan(day, window, tuple(bookings), provider_location)


# --- the rules (pure) -----------------------------------------------------------------------


def _required_gap(a: Location | None, b: Location | None, rules: BookingRules) -> tuple[int, int]:
    """(required gap, travel minutes) between bookings at `a` and `b`."""
    if a is None or b is None:
        return rules.min_buffer_minutes, 0
    travel = travel_minutes(a.latitude, a.longitude, b.latitude, b.longitude)
    return travel + rules.min_buffer_minutes, travel


def _evaluate(
    plan: DayPlan,
    start: int,
    end: int,
    location: Location | None,
    now: datetime,
    rules: BookingRules,
    *,
    apply_travel_buffer: bool,
) -> tuple[SlotUnavailable | None, int | None]:
    """Why `start`–`end` cannot be booked (or None), and the travel minutes from the previous
    booking when it can."""
    if end <= start:
        return InvalidTimeRange(), None
    window = plan.window
    if window is None:
        return ClosedDay(), None
    if start < minutes_of_time(window.start) or end > minutes_of_time(window.end):
        return OutsideOpeningHours.for_window(window.opens, window.closes), None
    if not (is_on_local_clock(plan.day, start) and is_on_local_clock(plan.day, end)):
        return TimeNotOnClock(), None  # the booking service refuses such a time too
    begins = local_instant(plan.day, start)
    if begins < now:
        return BookingInPast(), None
    if begins < now + timedelta(minutes=rules.min_notice_minutes):
        return InsufficientNotice.for_minutes(rules.min_notice_minutes), None
    if any(booking.start < end and start < booking.end for booking in plan.bookings):
        return BookingOverlap(), None

    location = location or plan.provider_location
    previous = max(
        (booking for booking in plan.bookings if booking.end <= start),
        key=lambda booking: booking.end,
        default=None,
    )
    following = min(
        (booking for booking in plan.bookings if booking.start >= end),
        key=lambda booking: booking.start,
        default=None,
    )
    travel_from_previous: int | None = None
    if previous is not None:
        required, travel = _required_gap(previous.location, location, rules)
        if previous.location is not None and location is not None:
            travel_from_previous = travel
        actual = start - previous.end
        if apply_travel_buffer and actual < required:
            return InsufficientTravelTime(
                neighbour="föregående",
                required=required,
                actual=actual,
                buffer_only=travel == 0,
            ), None
    if following is not None and apply_travel_buffer:
        required, travel = _required_gap(location, following.location, rules)
        actual = following.start - end
        if actual < required:
            return InsufficientTravelTime(
                neighbour="nästa", required=required, actual=actual, buffer_only=travel == 0
            ), None
    return None, travel_from_previous


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _rules(settings: Settings | None) -> BookingRules:
    return BookingRules.from_settings(settings or get_settings())


# --- public API ------------------------------------------------------------------------------


async def day_availability(
    db: AsyncSession,
    *,
    provider: ProviderLike,
    service_duration_minutes: int,
    day: date,
    customer_location: Location | None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> DayAvailability:
    """The day's slots (every `service_duration_minutes` from opening while the slot fits)
    with the window and the bookings behind them."""
    if service_duration_minutes <= 0:
        raise ValueError("service_duration_minutes must be positive")
    rules = _rules(settings)
    moment = _aware(now)
    plan = await _load_plan(db, provider, day, None)
    slots: list[Slot] = []
    if plan.window is not None:
        start = minutes_of_time(plan.window.start)
        closes = minutes_of_time(plan.window.end)
        while start + service_duration_minutes <= closes:
            end = start + service_duration_minutes
            problem, _ = _evaluate(
                plan, start, end, customer_location, moment, rules, apply_travel_buffer=True
            )
            slots.append(
                Slot(
                    start=format_hhmm(start),
                    end=format_hhmm(end),
                    available=problem is None,
                    reason=problem.reason if problem is not None else None,
                )
            )
            start = end
    return DayAvailability(day=day, window=plan.window, slots=slots, bookings=plan.bookings)


async def slots_for_day(
    db: AsyncSession,
    *,
    provider: ProviderLike,
    service_duration_minutes: int,
    day: date,
    customer_location: Location | None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> list[Slot]:
    """The slots customers see for `day`; [] on a closed day."""
    view = await day_availability(
        db,
        provider=provider,
        service_duration_minutes=service_duration_minutes,
        day=day,
        customer_location=customer_location,
        now=now,
        settings=settings,
    )
    return view.slots


async def check_bookable(
    db: AsyncSession,
    *,
    provider: ProviderLike,
    day: date,
    start: str,
    end: str,
    customer_location: Location | None,
    now: datetime | None = None,
    exclude_booking_id: str | None = None,
    apply_travel_buffer: bool = True,
    settings: Settings | None = None,
) -> int | None:
    """Raise the SlotUnavailable subclass that forbids booking `start`–`end` on `day`.

    Returns the travel minutes from the previous booking that day (None when there is none
    or a location is unknown), for `Booking.travelTimeMinutes`. `exclude_booking_id` leaves
    a booking out (moving it); `apply_travel_buffer=False` is for manual and group bookings,
    which the original exempts from the buffer.
    """
    start_minutes, end_minutes = parse_hhmm(start), parse_hhmm(end)
    plan = await _load_plan(db, provider, day, exclude_booking_id)
    problem, travel = _evaluate(
        plan,
        start_minutes,
        end_minutes,
        customer_location,
        _aware(now),
        _rules(settings),
        apply_travel_buffer=apply_travel_buffer,
    )
    if problem is not None:
        raise problem
    return travel
