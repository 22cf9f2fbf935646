"""The slot engine: opening hours, exceptions, bookings, travel buffer, notice, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.availability.slots import (
    BookingInPast,
    BookingOverlap,
    ClosedDay,
    InsufficientNotice,
    InsufficientTravelTime,
    InvalidTimeRange,
    Location,
    OpeningWindow,
    OutsideOpeningHours,
    TimeNotOnClock,
    check_bookable,
    opening_window,
    slots_for_day,
)
from equinet.models import Provider
from equinet.settings import Settings
from tests import factories

MONDAY = date(2026, 12, 7)
SATURDAY = date(2026, 12, 12)
BEFORE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # a week earlier: nothing is past
UPPSALA = Location(59.8586, 17.6389)
# ~50 km north of Uppsala: 50 km at 50 km/h × 1.2 = 72 minutes of driving.
FAR_AWAY = Location(59.8586 + 50 / 111.195, 17.6389)


def rules(settings: Settings, **values: int) -> Settings:
    return settings.model_copy(update=values)


async def open_monday(db: AsyncSession, start: str = "09:00", end: str = "13:00") -> Provider:
    provider = await factories.provider(db, latitude=UPPSALA.latitude, longitude=UPPSALA.longitude)
    await factories.availability(db, provider, day_of_week=0, start_time=start, end_time=end)
    return provider


def starts(slots: list) -> list[str]:  # type: ignore[type-arg]
    return [slot.start for slot in slots if slot.available]


def reasons(slots: list) -> dict[str, str | None]:  # type: ignore[type-arg]
    return {slot.start: slot.reason for slot in slots}


async def test_weekly_hours_give_slots_spaced_by_the_service_duration(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session, "09:00", "11:30")
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=45, day=MONDAY,
        customer_location=None, now=BEFORE, settings=settings,
    )  # fmt: skip
    assert [(s.start, s.end) for s in slots] == [
        ("09:00", "09:45"),
        ("09:45", "10:30"),
        ("10:30", "11:15"),
    ]
    assert all(slot.available and slot.reason is None for slot in slots)


async def test_a_day_without_weekly_hours_or_marked_closed_has_no_slots(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session)
    await factories.availability(
        db_session, provider, day_of_week=5, start_time="09:00", end_time="12:00", is_closed=True
    )
    assert await opening_window(db_session, provider.id, SATURDAY) is None
    assert await opening_window(db_session, provider.id, date(2026, 12, 13)) is None
    assert await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=SATURDAY,
        customer_location=None, now=BEFORE, settings=settings,
    ) == []  # fmt: skip
    with pytest.raises(ClosedDay) as raised:
        await check_bookable(
            db_session, provider=provider, day=SATURDAY, start="09:00", end="10:00",
            customer_location=None, now=BEFORE, settings=settings,
        )  # fmt: skip
    assert raised.value.status_code == 400
    assert raised.value.code == "CLOSED_DAY"


async def test_a_closed_exception_closes_a_normally_open_day(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session)
    await factories.availability_exception(db_session, provider, date=MONDAY, is_closed=True)
    assert await opening_window(db_session, provider.id, MONDAY) is None
    assert await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=MONDAY,
        customer_location=None, now=BEFORE, settings=settings,
    ) == []  # fmt: skip
    with pytest.raises(ClosedDay):
        await check_bookable(
            db_session, provider=provider, day=MONDAY, start="09:00", end="10:00",
            customer_location=None, now=BEFORE, settings=settings,
        )  # fmt: skip


async def test_an_exception_with_hours_replaces_the_weekly_hours(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session, "09:00", "17:00")
    await factories.availability_exception(
        db_session, provider, date=MONDAY, is_closed=False, start_time="13:00", end_time="15:00"
    )
    assert await opening_window(db_session, provider.id, MONDAY) == OpeningWindow(
        start=datetime(2026, 1, 1, 13, 0).time(), end=datetime(2026, 1, 1, 15, 0).time()
    )
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=MONDAY,
        customer_location=None, now=BEFORE, settings=settings,
    )  # fmt: skip
    assert starts(slots) == ["13:00", "14:00"]
    with pytest.raises(OutsideOpeningHours) as raised:
        await check_bookable(
            db_session, provider=provider, day=MONDAY, start="09:00", end="10:00",
            customer_location=None, now=BEFORE, settings=settings,
        )  # fmt: skip
    assert raised.value.message == "Bokning måste vara inom öppettider (13:00-15:00)"


async def test_an_exception_with_hours_opens_a_weekly_closed_day(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session)
    await factories.availability_exception(
        db_session, provider, date=SATURDAY, is_closed=False, start_time="10:00", end_time="12:00"
    )
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=SATURDAY,
        customer_location=None, now=BEFORE, settings=settings,
    )  # fmt: skip
    assert starts(slots) == ["10:00", "11:00"]


async def test_active_bookings_block_overlapping_slots_and_cancelled_ones_do_not(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session, "09:00", "13:00")
    relaxed = rules(settings, booking_min_buffer_minutes=0)
    await factories.booking(
        db_session, at=provider, day=MONDAY, start_time="10:30", end_time="11:00"
    )
    await factories.booking(
        db_session, at=provider, day=MONDAY, start_time="12:00", end_time="13:00",
        status="cancelled",
    )  # fmt: skip
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=MONDAY,
        customer_location=None, now=BEFORE, settings=relaxed,
    )  # fmt: skip
    assert reasons(slots) == {"09:00": None, "10:00": "booked", "11:00": None, "12:00": None}
    with pytest.raises(BookingOverlap) as raised:
        await check_bookable(
            db_session, provider=provider, day=MONDAY, start="10:00", end="11:00",
            customer_location=None, now=BEFORE, settings=relaxed,
        )  # fmt: skip
    assert (raised.value.status_code, raised.value.code) == (409, "OVERLAP")


async def test_a_booking_can_be_moved_within_its_own_time(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session)
    own = await factories.booking(
        db_session, at=provider, day=MONDAY, start_time="10:00", end_time="11:00"
    )
    await check_bookable(
        db_session, provider=provider, day=MONDAY, start="10:30", end="11:30",
        customer_location=None, now=BEFORE, settings=settings, exclude_booking_id=own.id,
    )  # fmt: skip


async def test_the_minimum_buffer_applies_around_bookings_without_customer_coordinates(
    db_session: AsyncSession, settings: Settings
) -> None:
    # Neither the existing customer nor the asking one has coordinates: both fall back to the
    # provider's, so the gap needed is the 60-minute buffer, in display and validation alike.
    provider = await open_monday(db_session, "08:00", "14:00")
    await factories.booking(
        db_session, at=provider, day=MONDAY, start_time="10:00", end_time="11:00"
    )
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=MONDAY,
        customer_location=None, now=BEFORE, settings=rules(settings, booking_min_buffer_minutes=60),
    )  # fmt: skip
    assert reasons(slots) == {
        "08:00": None,
        "09:00": "travel-time",
        "10:00": "booked",
        "11:00": "travel-time",
        "12:00": None,
        "13:00": None,
    }
    with pytest.raises(InsufficientTravelTime) as raised:
        await check_bookable(
            db_session, provider=provider, day=MONDAY, start="11:00", end="12:00",
            customer_location=None, now=BEFORE, settings=settings,
        )  # fmt: skip
    error = raised.value
    assert (error.status_code, error.code) == (409, "INSUFFICIENT_TRAVEL_TIME")
    assert error.message == (
        "Otillräcklig tid till föregående bokning. Krävs minst 60 minuter buffert."
    )
    assert error.details["requiredGapMinutes"] == 60
    assert error.details["actualGapMinutes"] == 0


async def test_adjacent_bookings_are_allowed_when_the_buffer_is_configured_to_zero(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session)
    await factories.booking(
        db_session, at=provider, day=MONDAY, start_time="10:00", end_time="11:00"
    )
    travel = await check_bookable(
        db_session, provider=provider, day=MONDAY, start="11:00", end="12:00",
        customer_location=UPPSALA, now=BEFORE, settings=rules(settings, booking_min_buffer_minutes=0),
    )  # fmt: skip
    assert travel == 0


async def test_travel_time_between_distant_customers_widens_the_gap(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session, "08:00", "17:00")
    far_customer = await factories.customer(
        db_session, latitude=FAR_AWAY.latitude, longitude=FAR_AWAY.longitude
    )
    await factories.booking(
        db_session, at=provider, by=far_customer, day=MONDAY, start_time="09:00",
        end_time="10:00",
    )  # fmt: skip
    # 72 minutes of driving + 60 minutes of buffer: the earliest start is 12:12.
    with pytest.raises(InsufficientTravelTime) as raised:
        await check_bookable(
            db_session, provider=provider, day=MONDAY, start="12:00", end="13:00",
            customer_location=UPPSALA, now=BEFORE, settings=settings,
        )  # fmt: skip
    assert raised.value.details["requiredGapMinutes"] == 132
    assert raised.value.details["actualGapMinutes"] == 120
    assert raised.value.message == (
        "Otillräcklig restid till föregående bokning. Krävs 132 minuter (inkl. buffert), "
        "endast 120 minuter tillgängligt."
    )
    travel = await check_bookable(
        db_session, provider=provider, day=MONDAY, start="12:15", end="13:15",
        customer_location=UPPSALA, now=BEFORE, settings=settings,
    )  # fmt: skip
    assert travel == 72
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=MONDAY,
        customer_location=UPPSALA, now=BEFORE, settings=settings,
    )  # fmt: skip
    assert reasons(slots)["12:00"] == "travel-time"
    assert reasons(slots)["13:00"] is None


async def test_the_next_booking_also_needs_its_gap(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session, "08:00", "17:00")
    await factories.booking(
        db_session, at=provider, day=MONDAY, start_time="12:00", end_time="13:00"
    )
    with pytest.raises(InsufficientTravelTime) as raised:
        await check_bookable(
            db_session, provider=provider, day=MONDAY, start="10:30", end="11:30",
            customer_location=None, now=BEFORE, settings=settings,
        )  # fmt: skip
    assert "nästa bokning" in raised.value.message
    assert raised.value.details["actualGapMinutes"] == 30


async def test_manual_bookings_can_skip_the_travel_buffer(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session)
    await factories.booking(
        db_session, at=provider, day=MONDAY, start_time="10:00", end_time="11:00"
    )
    await check_bookable(
        db_session, provider=provider, day=MONDAY, start="11:00", end="12:00",
        customer_location=None, now=BEFORE, settings=settings, apply_travel_buffer=False,
    )  # fmt: skip


async def test_past_slots_and_slots_inside_the_minimum_notice_are_unavailable(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session, "08:00", "13:00")
    # 09:40 in Stockholm (UTC+1 in December); 60 minutes of notice reach 10:40.
    now = datetime(2026, 12, 7, 8, 40, tzinfo=UTC)
    notice = rules(settings, booking_min_notice_minutes=60)
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=MONDAY,
        customer_location=None, now=now, settings=notice,
    )  # fmt: skip
    assert reasons(slots) == {
        "08:00": "past",
        "09:00": "past",
        "10:00": "notice",
        "11:00": None,
        "12:00": None,
    }
    with pytest.raises(BookingInPast):
        await check_bookable(
            db_session, provider=provider, day=MONDAY, start="09:00", end="10:00",
            customer_location=None, now=now, settings=notice,
        )  # fmt: skip
    with pytest.raises(InsufficientNotice) as raised:
        await check_bookable(
            db_session, provider=provider, day=MONDAY, start="10:00", end="11:00",
            customer_location=None, now=now, settings=notice,
        )  # fmt: skip
    assert raised.value.code == "INSUFFICIENT_NOTICE"


async def test_a_whole_past_day_is_unavailable(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session)
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=MONDAY,
        customer_location=None, now=datetime(2026, 12, 8, 6, 0, tzinfo=UTC), settings=settings,
    )  # fmt: skip
    assert slots and {slot.reason for slot in slots} == {"past"}


async def test_spring_forward_day_keeps_wall_clock_slots_and_summer_time_now(
    db_session: AsyncSession, settings: Settings
) -> None:
    sunday = date(2026, 3, 29)  # clocks go 02:00 → 03:00 in Stockholm
    provider = await factories.provider(db_session)
    await factories.availability(
        db_session, provider, day_of_week=6, start_time="08:00", end_time="12:00"
    )
    # 06:30 UTC is 08:30 summer time (UTC+2); with winter time's offset it would be 07:30.
    now = datetime(2026, 3, 29, 6, 30, tzinfo=UTC)
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=sunday,
        customer_location=None, now=now, settings=rules(settings, booking_min_notice_minutes=60),
    )  # fmt: skip
    assert [s.start for s in slots] == ["08:00", "09:00", "10:00", "11:00"]
    assert reasons(slots) == {"08:00": "past", "09:00": "notice", "10:00": None, "11:00": None}


async def test_fall_back_day_keeps_wall_clock_slots_and_winter_time_now(
    db_session: AsyncSession, settings: Settings
) -> None:
    sunday = date(2026, 10, 25)  # clocks go 03:00 → 02:00 in Stockholm
    provider = await factories.provider(db_session)
    await factories.availability(
        db_session, provider, day_of_week=6, start_time="08:00", end_time="12:00"
    )
    # 08:30 UTC is 09:30 winter time (UTC+1); with summer time's offset it would be 10:30.
    now = datetime(2026, 10, 25, 8, 30, tzinfo=UTC)
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=sunday,
        customer_location=None, now=now, settings=rules(settings, booking_min_notice_minutes=0),
    )  # fmt: skip
    assert [s.start for s in slots] == ["08:00", "09:00", "10:00", "11:00"]
    assert reasons(slots) == {"08:00": "past", "09:00": "past", "10:00": None, "11:00": None}


async def test_times_the_spring_clock_skips_are_never_offered_nor_bookable(
    db_session: AsyncSession, settings: Settings
) -> None:
    sunday = date(2026, 3, 29)  # 02:00-02:59 does not exist in Stockholm
    provider = await factories.provider(db_session)
    await factories.availability(
        db_session, provider, day_of_week=6, start_time="00:00", end_time="05:00"
    )
    slots = await slots_for_day(
        db_session, provider=provider, service_duration_minutes=60, day=sunday,
        customer_location=None, now=datetime(2026, 3, 20, tzinfo=UTC), settings=settings,
    )  # fmt: skip
    # 01:00-02:00 ends, and 02:00-03:00 starts, at a time the clock skips.
    assert reasons(slots) == {
        "00:00": None, "01:00": "dst-gap", "02:00": "dst-gap", "03:00": None, "04:00": None,
    }  # fmt: skip
    with pytest.raises(TimeNotOnClock):
        await check_bookable(
            db_session, provider=provider, day=sunday, start="02:15", end="03:15",
            customer_location=None, now=datetime(2026, 3, 20, tzinfo=UTC), settings=settings,
        )  # fmt: skip


async def test_end_before_start_is_an_invalid_time_range(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session)
    with pytest.raises(InvalidTimeRange):
        await check_bookable(
            db_session, provider=provider, day=MONDAY, start="11:00", end="10:00",
            customer_location=None, now=BEFORE, settings=settings,
        )  # fmt: skip


async def test_bookings_on_other_dates_and_of_other_providers_do_not_block(
    db_session: AsyncSession, settings: Settings
) -> None:
    provider = await open_monday(db_session)
    await factories.booking(
        db_session, at=provider, day=date(2026, 12, 14), start_time="10:00", end_time="11:00"
    )
    await factories.booking(db_session, day=MONDAY, start_time="10:00", end_time="11:00")
    await check_bookable(
        db_session, provider=provider, day=MONDAY, start="10:00", end="11:00",
        customer_location=None, now=BEFORE, settings=settings,
    )  # fmt: skip
