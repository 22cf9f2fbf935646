"""Display and validation agree: a slot the list offers is bookable, one it does not is not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.availability.exceptions import SlotUnavailable
from equinet.availability.slots import Location, check_bookable, slots_for_day
from equinet.kit.dates import format_hhmm
from equinet.settings import Settings
from tests import factories

HOME = (59.8586, 17.6389)
PLACES = [None, HOME, (59.95, 17.70), (60.30, 17.20)]  # None: no saved coordinates
DAYS = [date(2026, 12, 7), date(2026, 3, 29), date(2026, 10, 25)]  # incl. both DST days

booking_strategy = st.tuples(
    st.integers(min_value=5 * 4, max_value=20 * 4),  # start, in quarter hours
    st.sampled_from([15, 30, 45, 60, 90]),
    st.sampled_from(["pending", "confirmed", "cancelled", "completed"]),
    st.sampled_from(PLACES),
)


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    day=st.sampled_from(DAYS),
    opens=st.integers(min_value=6 * 4, max_value=10 * 4),
    hours=st.integers(min_value=2, max_value=10),
    duration=st.sampled_from([15, 30, 45, 60, 90]),
    bookings=st.lists(booking_strategy, max_size=4, unique_by=lambda b: (b[0], b[1])),
    asking_from=st.sampled_from([None, HOME, (59.95, 17.70)]),
    provider_home=st.sampled_from([None, HOME]),
    buffer=st.sampled_from([0, 30, 60]),
    notice=st.sampled_from([0, 60, 180]),
    now_offset_minutes=st.integers(min_value=-24 * 60, max_value=24 * 60),
    exception=st.sampled_from([None, "closed", "hours"]),
)
async def test_every_offered_slot_is_bookable_and_every_other_slot_is_not(
    db_session: AsyncSession,
    settings: Settings,
    day: date,
    opens: int,
    hours: int,
    duration: int,
    bookings: list[tuple[int, int, str, tuple[float, float] | None]],
    asking_from: tuple[float, float] | None,
    provider_home: tuple[float, float] | None,
    buffer: int,
    notice: int,
    now_offset_minutes: int,
    exception: str | None,
) -> None:
    rules = settings.model_copy(
        update={"booking_min_buffer_minutes": buffer, "booking_min_notice_minutes": notice}
    )
    # "now" moves around the day's morning (in UTC), so some slots are past and some not.
    now = datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC) + timedelta(
        minutes=now_offset_minutes
    )
    location = Location(*asking_from) if asking_from else None
    savepoint = await db_session.begin_nested()
    try:
        provider = await factories.provider(
            db_session,
            latitude=provider_home[0] if provider_home else None,
            longitude=provider_home[1] if provider_home else None,
        )
        await factories.availability(
            db_session,
            provider,
            day_of_week=day.weekday(),
            start_time=format_hhmm(opens * 15),
            end_time=format_hhmm(min(opens * 15 + hours * 60, 23 * 60 + 59)),
        )
        if exception == "closed":
            await factories.availability_exception(db_session, provider, date=day)
        elif exception == "hours":
            await factories.availability_exception(
                db_session, provider, date=day, is_closed=False,
                start_time="12:00", end_time="16:00",
            )  # fmt: skip
        service = await factories.service(db_session, provider)
        for start_quarter, length, status, place in bookings:
            customer = await factories.customer(
                db_session,
                latitude=place[0] if place else None,
                longitude=place[1] if place else None,
            )
            start = start_quarter * 15
            await factories.booking(
                db_session, at=provider, by=customer, for_service=service, day=day,
                start_time=format_hhmm(start), end_time=format_hhmm(start + length),
                status=status,
            )  # fmt: skip

        slots = await slots_for_day(
            db_session, provider=provider, service_duration_minutes=duration, day=day,
            customer_location=location, now=now, settings=rules,
        )  # fmt: skip
        for slot in slots:
            try:
                await check_bookable(
                    db_session, provider=provider, day=day, start=slot.start, end=slot.end,
                    customer_location=location, now=now, settings=rules,
                )  # fmt: skip
                refused: SlotUnavailable | None = None
            except SlotUnavailable as error:
                refused = error
            assert slot.available == (refused is None), (slot, refused)
            if refused is not None:
                assert slot.reason == refused.reason
    finally:
        await savepoint.rollback()
