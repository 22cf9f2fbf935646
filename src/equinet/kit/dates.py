"""Dates and wall-clock times: the one place they are parsed, stored and compared (G1).

A calendar date ("2026-03-29") is a `date`; where a column stores it as a timestamp
(`Booking.bookingDate`) it is UTC midnight of that date, made by `booking_date_column` only.
Opening hours and booking times are "HH:MM" wall-clock strings in the business time zone
(Europe/Stockholm); they are compared as minutes after midnight, so a DST day keeps its
wall-clock slots. Only comparisons with "now" convert to an instant, with zoneinfo.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from equinet.kit.errors import EquinetError

BUSINESS_TIMEZONE = ZoneInfo("Europe/Stockholm")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# Booking input may carry seconds ("09:00:00"); they are cut off.
_HHMM_SS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?$")

HHMM_PATTERN = _HHMM.pattern
DATE_PATTERN = _DATE.pattern


class InvalidDate(EquinetError):
    status_code = 400
    code = "INVALID_DATE"
    message = "Ogiltigt datum. Använd formatet YYYY-MM-DD."


class InvalidTime(EquinetError):
    status_code = 400
    code = "INVALID_TIME"
    message = "Ogiltig tid. Använd formatet HH:MM."


def parse_date(value: str) -> date:
    """ "YYYY-MM-DD" → date; anything else (also 2026-02-30) is a 400 InvalidDate."""
    if not _DATE.match(value or ""):
        raise InvalidDate(
            'Ogiltigt datum: "{value}". Använd formatet ÅÅÅÅ-MM-DD.', values={"value": value}
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidDate(
            'Ogiltigt datum: "{value}". Använd formatet ÅÅÅÅ-MM-DD.', values={"value": value}
        ) from None


def format_date(day: date) -> str:
    return day.isoformat()


def booking_date_column(day: date) -> datetime:
    """The value `Booking.bookingDate` holds for `day`: naive UTC midnight (TIMESTAMP(3))."""
    return datetime(day.year, day.month, day.day)


def date_of_booking_column(value: datetime) -> date:
    """Inverse of `booking_date_column` (the UTC date part of a stored bookingDate)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.date()


def is_hhmm(value: str) -> bool:
    return bool(_HHMM.match(value or ""))


def parse_hhmm(value: str) -> int:
    """ "HH:MM" (00:00–23:59, optional ":SS" cut off) → minutes after midnight."""
    match = _HHMM_SS.match(value or "")
    if not match:
        raise InvalidTime(f'Ogiltig tid: "{value}". Använd formatet HH:MM.')
    return int(match.group(1)) * 60 + int(match.group(2))


def normalise_hhmm(value: str) -> str:
    """ "09:00:30" → "09:00"; raises InvalidTime on anything that is not a time."""
    return format_hhmm(parse_hhmm(value))


def format_hhmm(minutes: int) -> str:
    """Minutes after midnight → "HH:MM" (zero-padded; values past 24 h are not wrapped)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def time_of_hhmm(value: str) -> time:
    minutes = parse_hhmm(value)
    return time(minutes // 60, minutes % 60)


def minutes_of_time(value: time) -> int:
    return value.hour * 60 + value.minute


def now_local(now: datetime | None = None) -> datetime:
    """Now (or the given instant) as an aware Europe/Stockholm datetime.

    A naive `now` is taken to be UTC, as every timestamp in the database is.
    """
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(BUSINESS_TIMEZONE)


def today_local(now: datetime | None = None) -> date:
    """Today's date in Stockholm, which differs from UTC's between 22:00/23:00 and 24:00 UTC."""
    return now_local(now).date()


def local_instant(day: date, minutes: int) -> datetime:
    """The instant at which Stockholm's wall clock shows `minutes` after midnight on `day`.

    On the spring-forward day a wall-clock time in the missing hour (02:00–02:59) maps to the
    instant an hour later, and on the autumn day the repeated hour takes its first (summer
    time) occurrence, as zoneinfo's fold=0 defines.
    """
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=BUSINESS_TIMEZONE)


def is_on_local_clock(day: date, minutes: int) -> bool:
    """False for a wall-clock time the Stockholm clock skips (02:00–02:59 on the last Sunday
    of March): turned into an instant and back, it does not come back as itself."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    there_and_back = local_instant(day, minutes).astimezone(UTC).astimezone(BUSINESS_TIMEZONE)
    return there_and_back.replace(tzinfo=None) == wall
