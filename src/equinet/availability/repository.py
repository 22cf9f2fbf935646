"""All SQL of availability: weekly hours, date exceptions and the bookings the slot engine sees."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Double,
    Row,
    String,
    and_,
    cast,
    delete,
    func,
    literal,
    literal_column,
    not_,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import new_uuid, utcnow
from equinet.kit.dates import booking_date_column
from equinet.models import Availability, AvailabilityException, Booking, Provider, Service, User

ACTIVE_BOOKING_STATUSES = ("pending", "confirmed")


@dataclass(frozen=True)
class DayRule:
    """What the schedule says about one date: the weekly row and the date's exception."""

    source: str  # "exception" or "weekly"
    is_closed: bool
    start_time: str | None
    end_time: str | None


async def day_rules(db: AsyncSession, provider_id: str, day: date) -> list[DayRule]:
    """The exception for `day` and the weekly row for its weekday, in one round trip."""
    exception = select(
        literal("exception").label("source"),
        AvailabilityException.is_closed.label("is_closed"),
        AvailabilityException.start_time.label("start_time"),
        AvailabilityException.end_time.label("end_time"),
    ).where(AvailabilityException.provider_id == provider_id, AvailabilityException.date == day)
    weekly = select(
        literal("weekly").label("source"),
        # An inactive weekly row is a day without hours, the same as a closed one.
        (Availability.is_closed | not_(Availability.is_active)).label("is_closed"),
        Availability.start_time.label("start_time"),
        Availability.end_time.label("end_time"),
    ).where(Availability.provider_id == provider_id, Availability.day_of_week == day.weekday())
    rows: Sequence[Any] = (await db.execute(union_all(exception, weekly))).all()
    return [DayRule(row.source, bool(row.is_closed), row.start_time, row.end_time) for row in rows]


@dataclass(frozen=True)
class DayBooking:
    """A pending or confirmed booking of the day, with its customer's location."""

    id: str
    start_time: str
    end_time: str
    latitude: float | None
    longitude: float | None
    service_name: str


def day_plan_statement(
    provider_id: str, day: date, *, exclude_booking_id: str | None = None
) -> Any:
    """The statement of `day_plan` (also what `equinet db explain` plans as
    availability.slots_for_day)."""

    def no(type_: Any) -> Any:
        return cast(null(), type_)

    exception = select(
        literal("exception").label("kind"),
        AvailabilityException.is_closed.label("is_closed"),
        AvailabilityException.start_time.label("start_time"),
        AvailabilityException.end_time.label("end_time"),
        no(String).label("booking_id"),
        no(Double).label("latitude"),
        no(Double).label("longitude"),
        no(String).label("service_name"),
    ).where(AvailabilityException.provider_id == provider_id, AvailabilityException.date == day)
    weekly = select(
        literal("weekly").label("kind"),
        (Availability.is_closed | not_(Availability.is_active)).label("is_closed"),
        Availability.start_time.label("start_time"),
        Availability.end_time.label("end_time"),
        no(String),
        no(Double),
        no(Double),
        no(String),
    ).where(Availability.provider_id == provider_id, Availability.day_of_week == day.weekday())
    bookings = (
        select(
            literal("booking"),
            no(Boolean),
            Booking.start_time,
            Booking.end_time,
            Booking.id,
            User.latitude,
            User.longitude,
            Service.name,
        )
        .join(User, User.id == Booking.customer_id)
        .join(Service, Service.id == Booking.service_id)
        .where(
            Booking.provider_id == provider_id,
            Booking.booking_date == booking_date_column(day),
            Booking.status.in_(ACTIVE_BOOKING_STATUSES),
        )
    )
    if exclude_booking_id is not None:
        bookings = bookings.where(Booking.id != exclude_booking_id)
    return union_all(exception, weekly, bookings)


async def day_plan(
    db: AsyncSession, provider_id: str, day: date, *, exclude_booking_id: str | None = None
) -> tuple[list[DayRule], list[DayBooking]]:
    """The day's rules and its active bookings together, in one round trip (the slot engine's input).

    The bookings come back whether or not the day is open; the engine ignores them on a
    closed day, as it did when it only asked for them on an open one.
    """
    statement = day_plan_statement(provider_id, day, exclude_booking_id=exclude_booking_id)
    # Core on the session's connection: plain rows, no ORM result machinery.
    connection = await db.connection()
    rows = (await connection.execute(statement)).all()
    rules: list[DayRule] = []
    found: list[DayBooking] = []
    for row in rows:
        if row.kind == "booking":
            found.append(
                DayBooking(
                    row.booking_id,
                    row.start_time,
                    row.end_time,
                    row.latitude,
                    row.longitude,
                    row.service_name,
                )
            )
        else:
            rules.append(DayRule(row.kind, bool(row.is_closed), row.start_time, row.end_time))
    return rules, found  # the engine sorts the bookings itself


# --- weekly schedule ---------------------------------------------------------------------


@dataclass(frozen=True)
class WeekDay:
    day_of_week: int
    start_time: str
    end_time: str
    is_closed: bool


async def active_week(db: AsyncSession, provider_id: str) -> Sequence[Availability]:
    result = await db.scalars(
        select(Availability)
        .where(Availability.provider_id == provider_id, Availability.is_active.is_(True))
        .order_by(Availability.day_of_week)
    )
    return result.all()


async def replace_week(
    db: AsyncSession, provider_id: str, days: Sequence[WeekDay]
) -> Sequence[Availability]:
    """Make `days` the provider's week in the caller's transaction (C2).

    Weekdays left out are deactivated, not deleted (A6); the listed days are upserted on the
    (providerId, dayOfWeek) key in one statement. A failure in either statement aborts the
    transaction, so the old week stays whole.
    """
    now = utcnow()
    listed = [day.day_of_week for day in days]
    await db.execute(
        update(Availability)
        .where(
            Availability.provider_id == provider_id,
            Availability.is_active.is_(True),
            Availability.day_of_week.not_in(listed) if listed else literal(True),
        )
        .values(is_active=False, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if days:
        statement = insert(Availability).values(
            [
                {
                    "id": new_uuid(),
                    "providerId": provider_id,
                    "dayOfWeek": day.day_of_week,
                    "startTime": day.start_time,
                    "endTime": day.end_time,
                    "isClosed": day.is_closed,
                    "isActive": True,
                    "createdAt": now,
                    "updatedAt": now,
                }
                for day in days
            ]
        )
        await db.execute(
            statement.on_conflict_do_update(
                index_elements=["providerId", "dayOfWeek"],
                set_={
                    "startTime": statement.excluded.startTime,
                    "endTime": statement.excluded.endTime,
                    "isClosed": statement.excluded.isClosed,
                    "isActive": True,
                    "updatedAt": now,
                },
            )
        )
    db.expire_all()
    return await active_week(db, provider_id)


# --- date exceptions -----------------------------------------------------------------------


async def exceptions_between(
    db: AsyncSession,
    provider_id: str,
    first: date | None,
    last: date | None,
    *,
    limit: int,
    offset: int,
) -> Sequence[AvailabilityException]:
    statement = select(AvailabilityException).where(
        AvailabilityException.provider_id == provider_id
    )
    if first is not None:
        statement = statement.where(AvailabilityException.date >= first)
    if last is not None:
        statement = statement.where(AvailabilityException.date <= last)
    statement = statement.order_by(AvailabilityException.date).limit(limit).offset(offset)
    return (await db.scalars(statement)).all()


async def exception_on(
    db: AsyncSession, provider_id: str, day: date
) -> AvailabilityException | None:
    return await db.scalar(
        select(AvailabilityException).where(
            AvailabilityException.provider_id == provider_id, AvailabilityException.date == day
        )
    )


@dataclass(frozen=True)
class ExceptionValues:
    day: date
    is_closed: bool
    start_time: str | None
    end_time: str | None
    reason: str | None
    location: str | None
    latitude: float | None
    longitude: float | None


async def upsert_exception(
    db: AsyncSession, provider_id: str, values: ExceptionValues
) -> tuple[AvailabilityException, bool]:
    """Insert or replace the exception of (provider, date); returns it and whether it is new."""
    now = utcnow()
    row = {
        "isClosed": values.is_closed,
        "startTime": values.start_time,
        "endTime": values.end_time,
        "reason": values.reason,
        "location": values.location,
        "latitude": values.latitude,
        "longitude": values.longitude,
        "updatedAt": now,
    }
    statement = insert(AvailabilityException).values(
        id=new_uuid(),
        providerId=provider_id,
        date=values.day,
        createdAt=now,
        **row,
    )
    # xmax = 0 only on a freshly inserted tuple: tells create from update in one statement.
    created_column = literal_column("(xmax = 0)", Boolean).label("created")
    upsert = statement.on_conflict_do_update(
        index_elements=["providerId", "date"], set_=row
    ).returning(AvailabilityException.id, created_column)
    exception_id, created = (await db.execute(upsert)).one()
    db.expire_all()
    stored = await db.get(AvailabilityException, exception_id)
    assert stored is not None
    return stored, bool(created)


async def delete_exception(db: AsyncSession, provider_id: str, day: date) -> bool:
    result = await db.execute(
        delete(AvailabilityException)
        .where(AvailabilityException.provider_id == provider_id, AvailabilityException.date == day)
        .returning(AvailabilityException.id)
    )
    return result.first() is not None


# --- providers as the availability routes see them ------------------------------------------


async def provider_exists(db: AsyncSession, provider_id: str, *, active_only: bool) -> bool:
    statement = select(func.count()).select_from(Provider).where(Provider.id == provider_id)
    if active_only:
        statement = statement.where(Provider.is_active.is_(True))
    return bool(await db.scalar(statement))


async def provider_and_service(
    db: AsyncSession, provider_id: str, service_id: str | None
) -> Row[str, float | None, float | None, int | None] | None:
    """The active provider's location and, when `service_id` is given, the duration of that
    active service of theirs (None when it is not one): the day view's two look-ups in one."""
    duration: Any = cast(null(), Service.duration_minutes.type)
    if service_id is not None:
        duration = (
            select(Service.duration_minutes)
            .where(
                Service.id == service_id,
                Service.provider_id == provider_id,
                Service.is_active.is_(True),
            )
            .scalar_subquery()
        )
    connection = await db.connection()
    return (
        await connection.execute(
            select(
                Provider.id,
                Provider.latitude,
                Provider.longitude,
                duration.label("duration_minutes"),
            ).where(and_(Provider.id == provider_id, Provider.is_active.is_(True)))
        )
    ).first()
