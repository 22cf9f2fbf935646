"""Bookings as iCalendar events: stable UIDs, Europe/Stockholm times with their VTIMEZONE.

A booking row is any object with the booking detail's attributes (`id`, `booking_date`,
`start_time`, `end_time`, `status`, `updated_at`, `service_name`, `provider_business_name`,
`customer_first_name`, `customer_last_name`, `horse_name`, `horse_rel_name`, optionally
`location`), such as the rows of `bookings.repository.booking_detail` or of a select of
`EVENT_COLUMNS` from a booking joined to its customer, service, provider and (outer) horse.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func

from equinet.bookings.repository import Customer
from equinet.kit.dates import BUSINESS_TIMEZONE, date_of_booking_column, parse_hhmm
from equinet.kit.email import Attachment
from equinet.models import Booking, Horse, Provider, Service

if TYPE_CHECKING:
    from icalendar import Event

PRODUCT_ID = "-//Equinet//Bokningar//SV"
UID_DOMAIN = "equinet.se"
_STATUS = {
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "completed": "CONFIRMED",
    "cancelled": "CANCELLED",
}
# A later state of the same booking carries a higher SEQUENCE, so a client that imported the
# confirmation replaces it with the cancellation.
_SEQUENCE = {"pending": 0, "confirmed": 1, "completed": 2, "cancelled": 2}

EVENT_COLUMNS = (
    Booking.id,
    Booking.booking_date,
    Booking.start_time,
    Booking.end_time,
    Booking.status,
    Booking.updated_at,
    Booking.horse_name,
    Horse.name.label("horse_rel_name"),
    Service.name.label("service_name"),
    Provider.business_name.label("provider_business_name"),
    Customer.first_name.label("customer_first_name"),
    Customer.last_name.label("customer_last_name"),
    func.nullif(func.concat_ws(", ", Customer.address, Customer.city), "").label("location"),
)


def uid_of(booking_id: str) -> str:
    return f"booking-{booking_id}@{UID_DOMAIN}"


def _local(day: date, hhmm: str) -> datetime:
    minutes = parse_hhmm(hhmm)
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60,
                    tzinfo=BUSINESS_TIMEZONE)  # fmt: skip


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


def booking_event(row: Any, *, as_provider: bool = False) -> Event:
    """One booking as a VEVENT; the provider's copy names the customer, the customer's the
    provider."""
    day = date_of_booking_column(row.booking_date)
    horse = row.horse_name or row.horse_rel_name
    if as_provider:
        summary = f"{row.service_name} - {_name(row.customer_first_name, row.customer_last_name)}"
    else:
        summary = f"{row.service_name} hos {row.provider_business_name}"
    lines = [f"{row.service_name} hos {row.provider_business_name}"]
    if as_provider:
        lines.append(f"Kund: {_name(row.customer_first_name, row.customer_last_name)}")
    if horse:
        lines.append(f"Häst: {horse}")
    # icalendar is imported where a feed or an attachment is made, not by every web worker.
    from icalendar import Event

    event = Event()
    event.add("uid", uid_of(row.id))
    event.add("dtstamp", _utc(row.updated_at))
    event.add("last-modified", _utc(row.updated_at))
    event.add("sequence", _SEQUENCE.get(row.status, 0))
    event.add("dtstart", _local(day, row.start_time))
    event.add("dtend", _local(day, row.end_time))
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    event.add("status", _STATUS.get(row.status, "TENTATIVE"))
    location = getattr(row, "location", None)
    if location:
        event.add("location", location)
    return event


def calendar(events: Iterable[Event], *, name: str | None = None) -> bytes:
    """A VCALENDAR of `events` with the Europe/Stockholm VTIMEZONE their times refer to."""
    from icalendar import Calendar, Timezone

    cal = Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Stockholm")
    listed = list(events)
    years = [event.decoded("dtstart").year for event in listed] or [date.today().year]
    # Only the transitions of the years the events fall in keep the file small; an empty
    # feed still names its zone, so a client shows later events right from the start.
    cal.add_component(
        Timezone.from_tzid(
            "Europe/Stockholm",
            first_date=date(min(years) - 1, 1, 1),
            last_date=date(max(years) + 1, 12, 31),
        )
    )
    for event in listed:
        cal.add_component(event)
    return bytes(cal.to_ical())


def booking_ics(booking: Any, *, as_provider: bool = False) -> bytes:
    """A booking as a one-event .ics file (for e-mails and downloads)."""
    return calendar([booking_event(booking, as_provider=as_provider)])


def ics_attachment(booking: Any, *, as_provider: bool = False) -> Attachment:
    return Attachment(
        filename="bokning.ics",
        content=booking_ics(booking, as_provider=as_provider),
        mime_type="text/calendar",
    )
