"""Properties of the slot engine and the booking service together, on DST days and ordinary ones.

For random weekly hours, date exceptions, service lengths, existing bookings, buffer and notice
settings and moments "now", on the spring-forward and fall-back days of Europe/Stockholm and
on ordinary days:

- every slot the engine offers can be booked by the customer who asked for it;
- once booked, a slot (or anything overlapping it) is never offered again;
- whatever sequence of booking attempts is made (customer and manual bookings, free times,
  overlapping times, times in the DST gap, outside the hours, cancellations in between), no
  two active bookings of the provider overlap, and every accepted one lies inside the day's
  hours, on the clock and ahead of the notice; a slot the engine offered is never refused.

Each example runs in its own savepoint of the test's transaction and rolls it back, so the
examples never see each other's rows. HYPOTHESIS_EXAMPLES sets the number of examples per
property (a small default for CI; `make fuzz` runs many more).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.availability.slots import Location, Slot, slots_for_day
from equinet.bookings import service as bookings
from equinet.bookings.schemas import CreateBookingIn, ManualBookingIn, UpdateBookingIn
from equinet.kit.dates import format_hhmm, is_on_local_clock, local_instant, parse_hhmm
from equinet.kit.errors import EquinetError
from equinet.models import Booking, Provider, Service, User
from equinet.settings import Settings
from tests import factories

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "5"))
SPRING_FORWARD = date(2027, 3, 28)  # 02:00-02:59 does not exist
FALL_BACK = date(2027, 10, 31)  # 02:00-02:59 happens twice
# Each property runs on both DST days and on an ordinary day (the Saturday before spring's).
DAYS = [SPRING_FORWARD, FALL_BACK, date(2027, 3, 27)]
HOME = (59.8586, 17.6389)
PLACES = [None, HOME, (59.95, 17.70), (60.30, 17.20)]  # None: no saved coordinates
DURATIONS = [15, 30, 45, 60, 90, 120, 480]
ACTIVE = ("pending", "confirmed")
LAST_MINUTE = 23 * 60 + 59

PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Hours:
    start: int  # minutes after midnight
    end: int


# Opening hours anywhere in the day; half of them open in the night, across the DST hour.
hours_strategy = st.builds(
    lambda start, quarters: Hours(start * 15, min(start * 15 + quarters * 15, LAST_MINUTE)),
    st.one_of(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=92)),
    st.integers(min_value=1, max_value=96),
)
exception_strategy = st.one_of(
    st.none(), st.none(), st.just("closed"), hours_strategy.map(lambda hours: ("hours", hours))
)
existing_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=95),  # start, in quarter hours
        st.sampled_from([15, 30, 60, 90]),
        st.sampled_from(["pending", "confirmed", "cancelled", "completed"]),
        st.sampled_from(PLACES),
    ),
    max_size=4,
)


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    """Everything about the provider's day but the date (the tests run each day in turn)."""
    return {
        # "Now" days ahead (nothing is past), or a moment of the day itself (past and notice
        # bite), as ("ahead", days) or ("at", minute of the day).
        "now": draw(
            st.one_of(
                st.tuples(st.just("ahead"), st.sampled_from([1, 3])),
                st.tuples(st.just("at"), st.integers(min_value=0, max_value=LAST_MINUTE)),
            )
        ),
        "weekly": draw(st.one_of(hours_strategy, st.none())),  # None: no row for the weekday
        "inactive_weekly": draw(st.sampled_from([False, False, False, True])),
        "exception": draw(exception_strategy),
        "existing": draw(existing_strategy),
        "provider_home": draw(st.sampled_from([None, HOME])),
        "buffer": draw(st.sampled_from([0, 30, 60])),
        "notice": draw(st.sampled_from([0, 60, 180])),
    }


# A night provider with no bookings, rules off: every DST corner of the day is on offer.
NIGHT = {
    "now": ("ahead", 3), "weekly": Hours(0, LAST_MINUTE), "inactive_weekly": False,
    "exception": None, "existing": [], "provider_home": None, "buffer": 0, "notice": 0,
}  # fmt: skip


def _now_of(day: date, now: tuple[str, int]) -> datetime:
    kind, value = now
    if kind == "ahead":
        return datetime(day.year, day.month, day.day, 12, tzinfo=UTC) - timedelta(days=value)
    return local_instant(day, value).astimezone(UTC)


@dataclass
class World:
    day: date
    now: datetime
    rules: Settings
    provider: Provider
    owner: User
    window: Hours | None  # the day's hours as the test itself reads the schedule


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


async def _build(
    db: AsyncSession, settings: Settings, day: date, scenario: dict[str, Any]
) -> World:
    """The provider and the day the scenario describes; the test's own reading of the hours."""
    home = scenario["provider_home"]
    owner = await factories.user(db, user_type="provider")
    provider = await factories.provider(
        db, owner, latitude=home[0] if home else None, longitude=home[1] if home else None
    )
    weekly: Hours | None = scenario["weekly"]
    window: Hours | None = None
    if weekly is not None:
        await factories.availability(
            db, provider, day_of_week=day.weekday(), start_time=format_hhmm(weekly.start),
            end_time=format_hhmm(weekly.end), is_active=not scenario["inactive_weekly"],
        )  # fmt: skip
        window = None if scenario["inactive_weekly"] else weekly
    exception = scenario["exception"]
    if exception == "closed":
        await factories.availability_exception(db, provider, date=day)
        window = None
    elif exception is not None:
        hours: Hours = exception[1]
        await factories.availability_exception(
            db, provider, date=day, is_closed=False,
            start_time=format_hhmm(hours.start), end_time=format_hhmm(hours.end),
        )  # fmt: skip
        window = hours
    # Existing bookings (any status), the active ones never overlapping each other.
    legacy = await factories.service(db, provider, name="Tidigare", duration_minutes=60)
    active: list[tuple[int, int]] = []
    for quarter, length, status, place in scenario["existing"]:
        start, end = quarter * 15, min(quarter * 15 + length, LAST_MINUTE)
        if status in ACTIVE:
            if any(_overlaps(start, end, s, e) for s, e in active):
                continue
            active.append((start, end))
        customer = await factories.customer(
            db, latitude=place[0] if place else None, longitude=place[1] if place else None
        )
        await factories.booking(
            db, at=provider, by=customer, for_service=legacy, day=day,
            start_time=format_hhmm(start), end_time=format_hhmm(end), status=status,
        )  # fmt: skip
    rules = settings.model_copy(
        update={
            "booking_min_buffer_minutes": scenario["buffer"],
            "booking_min_notice_minutes": scenario["notice"],
        }
    )
    return World(day, _now_of(day, scenario["now"]), rules, provider, owner, window)


async def _customer_at(db: AsyncSession, place: tuple[float, float] | None) -> User:
    return await factories.customer(
        db, latitude=place[0] if place else None, longitude=place[1] if place else None
    )


def _location(user: User) -> Location | None:
    if user.latitude is None or user.longitude is None:
        return None
    return Location(float(user.latitude), float(user.longitude))


async def _offered(db: AsyncSession, world: World, service: Service, customer: User) -> list[Slot]:
    slots = await slots_for_day(
        db, provider=world.provider, service_duration_minutes=service.duration_minutes,
        day=world.day, customer_location=_location(customer), now=world.now,
        settings=world.rules,
    )  # fmt: skip
    return [slot for slot in slots if slot.available]


async def _book(
    db: AsyncSession, world: World, service: Service, customer: User, start: str
) -> dict[str, Any]:
    body = CreateBookingIn.model_validate(
        {
            "providerId": world.provider.id,
            "serviceId": service.id,
            "bookingDate": world.day.isoformat(),
            "startTime": start,
        }
    )
    return await bookings.create_booking(db, world.rules, customer, body, now=world.now)


async def _book_manually(
    db: AsyncSession, world: World, service: Service, start: str
) -> dict[str, Any]:
    body = ManualBookingIn.model_validate(
        {
            "serviceId": service.id,
            "bookingDate": world.day.isoformat(),
            "startTime": start,
            "customerName": "Greta Gran",
        }
    )
    return await bookings.create_manual_booking(
        db, world.rules, world.provider, body, now=world.now
    )


async def _active_intervals(db: AsyncSession, world: World) -> list[tuple[str, int, int]]:
    """The provider's active bookings of the day, read straight from the table."""
    rows = (
        await db.execute(
            select(Booking.id, Booking.start_time, Booking.end_time).where(
                Booking.provider_id == world.provider.id, Booking.status.in_(ACTIVE)
            )
        )
    ).all()
    return [(row.id, parse_hhmm(row.start_time), parse_hhmm(row.end_time)) for row in rows]


picks_strategy = st.lists(st.integers(min_value=0, max_value=1000), max_size=8)


@pytest.mark.parametrize("day", DAYS, ids=str)
@PROPERTY_SETTINGS
@given(
    scenario=scenarios(),
    duration=st.sampled_from(DURATIONS),
    place=st.sampled_from(PLACES),
    picks=picks_strategy,
)
@example(scenario=NIGHT, duration=60, place=None, picks=[1, 0, 5])
@example(scenario=NIGHT, duration=90, place=HOME, picks=[8, 9, 7])
async def test_every_offered_slot_can_be_booked_and_is_never_offered_again(
    db_session: AsyncSession,
    settings: Settings,
    day: date,
    scenario: dict[str, Any],
    duration: int,
    place: tuple[float, float] | None,
    picks: list[int],
) -> None:
    savepoint = await db_session.begin_nested()
    try:
        world = await _build(db_session, settings, day, scenario)
        service = await factories.service(
            db_session, world.provider, duration_minutes=duration, price=Decimal("500.00")
        )
        customer = await _customer_at(db_session, place)
        offered = await _offered(db_session, world, service, customer)
        # Every offered slot, each on its own: the booking service accepts it.
        for slot in offered:
            attempt = await db_session.begin_nested()
            try:
                created = await _book(db_session, world, service, customer, slot.start)
            except EquinetError as error:
                raise AssertionError(f"offered {slot} refused: {error.code}") from error
            assert (created["startTime"], created["endTime"]) == (slot.start, slot.end)
            await attempt.rollback()
        # Then a run of them, one after another: a booked time is never offered again.
        booked: list[tuple[int, int]] = []
        for pick in picks:
            if not offered:
                break
            slot = offered[pick % len(offered)]
            await _book(db_session, world, service, customer, slot.start)
            booked.append((parse_hhmm(slot.start), parse_hhmm(slot.end)))
            offered = await _offered(db_session, world, service, customer)
            for free in offered:
                start, end = parse_hhmm(free.start), parse_hhmm(free.end)
                assert not any(_overlaps(start, end, s, e) for s, e in booked), (free, booked)
    finally:
        await savepoint.rollback()


attempt_strategy = st.tuples(
    st.sampled_from(["customer", "customer", "manual", "offered", "cancel"]),
    # The start (any 5 minutes); for "offered" and "cancel" it picks which slot or booking.
    st.integers(min_value=0, max_value=LAST_MINUTE // 5).map(lambda n: n * 5),
    st.integers(min_value=0, max_value=2),  # which service
    st.sampled_from(PLACES),
)


@pytest.mark.parametrize("day", DAYS, ids=str)
@PROPERTY_SETTINGS
@given(
    scenario=scenarios(),
    durations=st.lists(st.sampled_from([15, 30, 45, 60, 90, 120]), min_size=3, max_size=3),
    attempts=st.lists(attempt_strategy, min_size=1, max_size=10),
)
@example(
    scenario=NIGHT,
    durations=[60, 30, 90],
    attempts=[
        ("manual", 120, 0, None),  # in the spring gap
        ("customer", 90, 0, None),  # ends in the gap
        ("manual", 150, 2, None),
        ("customer", 160, 1, HOME),  # overlaps the one before
        ("offered", 0, 2, None),
        ("manual", 175, 1, None),
        ("cancel", 0, 0, None),
        ("offered", 7, 0, HOME),
        ("customer", 130, 1, None),
    ],
)
async def test_no_sequence_of_attempts_leaves_two_active_bookings_overlapping(
    db_session: AsyncSession,
    settings: Settings,
    day: date,
    scenario: dict[str, Any],
    durations: list[int],
    attempts: list[tuple[str, int, int, tuple[float, float] | None]],
) -> None:
    savepoint = await db_session.begin_nested()
    try:
        world = await _build(db_session, settings, day, scenario)
        services = [
            await factories.service(db_session, world.provider, duration_minutes=minutes)
            for minutes in durations
        ]
        accepted: list[str] = []
        for kind, minute, which, place in attempts:
            service = services[which]
            if kind == "cancel":
                if accepted:
                    victim = accepted.pop(minute % len(accepted))
                    await bookings.update_status(
                        db_session, world.rules, world.owner, world.provider, victim,
                        UpdateBookingIn(status="cancelled"),
                    )  # fmt: skip
                continue
            customer = await _customer_at(db_session, place)
            start = format_hhmm(minute)
            if kind == "offered":
                offered = await _offered(db_session, world, service, customer)
                if not offered:
                    continue
                start = offered[minute % len(offered)].start
            attempt = await db_session.begin_nested()
            try:
                if kind == "manual":
                    created = await _book_manually(db_session, world, service, start)
                else:
                    created = await _book(db_session, world, service, customer, start)
            except EquinetError as error:
                await attempt.rollback()
                assert kind != "offered", f"offered {start} refused: {error.code}"
                continue
            await attempt.commit()
            accepted.append(created["id"])
            _assert_inside_the_rules(world, created)
            intervals = await _active_intervals(db_session, world)
            for index, (a_id, a_start, a_end) in enumerate(intervals):
                for b_id, b_start, b_end in intervals[index + 1 :]:
                    assert not _overlaps(a_start, a_end, b_start, b_end), (
                        f"{format_hhmm(a_start)}-{format_hhmm(a_end)} ({a_id}) overlaps "
                        f"{format_hhmm(b_start)}-{format_hhmm(b_end)} ({b_id})"
                    )
    finally:
        await savepoint.rollback()


def _assert_inside_the_rules(world: World, created: dict[str, Any]) -> None:
    """An accepted booking lies in the day's hours, on the clock, ahead of the notice."""
    start, end = parse_hhmm(created["startTime"]), parse_hhmm(created["endTime"])
    assert world.window is not None, f"booked {created['startTime']} on a closed day"
    assert world.window.start <= start < end <= world.window.end, (created, world.window)
    assert is_on_local_clock(world.day, start) and is_on_local_clock(world.day, end), created
    notice = timedelta(minutes=world.rules.booking_min_notice_minutes)
    assert local_instant(world.day, start) >= world.now + notice, (created, world.now)
