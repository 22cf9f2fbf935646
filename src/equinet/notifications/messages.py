"""The notification texts, word for word (with correct Swedish spelling).

Dates in messages are "<day> <mon>" in Europe/Stockholm (`formatNotifDate`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from equinet.kit.i18n import format_amount

SHORT_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
LONG_MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip

STATUS_VERBS = {
    "confirmed": "bekräftad",
    "cancelled": "avbokad",
    "completed": "markerad som genomförd",
}

PROVIDER_BOOKINGS_LINK = "/provider/bookings"
CUSTOMER_BOOKINGS_LINK = "/customer/bookings"
PROVIDER_REVIEWS_LINK = "/provider/reviews"


def short_date(day: date) -> str:
    """`15 feb`."""
    return f"{day.day} {SHORT_MONTHS[day.month - 1]}"


def long_date(day: date) -> str:
    """`15 februari 2026` (date-fns `d MMMM yyyy`, sv locale)."""
    return f"{day.day} {LONG_MONTHS[day.month - 1]} {day.year}"


def amount_text(amount: Decimal) -> str:
    """An amount as people in Sweden read it: `12 345,67 kr` (the stored texts are Swedish)."""
    return format_amount(amount, language="sv")


def full_name(first_name: str, last_name: str) -> str:
    return f"{first_name} {last_name}".strip()


def booking_created(
    customer_name: str, service: str, day: date, start: str, horse_name: str | None
) -> str:
    text = f"Ny bokning: {customer_name} har bokat {service} den {short_date(day)} kl {start}"
    if horse_name:
        text += f" för {horse_name}"
    return text


def status_changed_by_provider(
    service: str, business_name: str, day: date, start: str, status: str, message: str | None
) -> str:
    text = (
        f"{service} hos {business_name} den {short_date(day)} kl {start} "
        f"har blivit {STATUS_VERBS[status]}"
    )
    if message:
        text += f'. Meddelande: "{message}"'
    return text


def cancelled_by_customer(customer_name: str, service: str, day: date, message: str | None) -> str:
    text = f"{customer_name} har avbokat {service} den {short_date(day)}"
    if message:
        text += f'. Meddelande: "{message}"'
    return text


def payment_received(customer_name: str, amount: Decimal, service: str, day: date) -> str:
    return (
        f"Betalning mottagen: {customer_name} betalade {amount_text(amount)} "
        f"för {service} ({short_date(day)})"
    )


def review_received(
    customer_name: str, rating: int, service: str | None, comment: str | None
) -> str:
    text = f"Ny recension från {customer_name}: {rating}/5"
    if service:
        text += f" för {service}"
    if comment:
        shown = comment if len(comment) <= 30 else comment[:27] + "..."
        text += f' - "{shown}"'
    return text
