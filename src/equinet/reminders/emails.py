"""The reminder e-mails, one function per kind (each user value HTML-escaped). Every reminder
carries its unsubscribe link, also as List-Unsubscribe for one-click mail clients."""

from __future__ import annotations

from html import escape
from typing import Any

from equinet.calendar_feeds.ics import ics_attachment
from equinet.kit.dates import date_of_booking_column
from equinet.kit.email import Email
from equinet.notifications.messages import long_date


def _headers(unsubscribe_url: str) -> tuple[tuple[str, str], ...]:
    return (
        ("List-Unsubscribe", f"<{unsubscribe_url}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )


def _html(title: str, lines: list[str], link: tuple[str, str] | None, unsubscribe: str) -> str:
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    if link is not None:
        body += f'<p><a href="{escape(link[1])}">{escape(link[0])}</a></p>'
    return (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}"
        "<p>Vänliga hälsningar,<br>Equinet</p>"
        f'<p><small><a href="{escape(unsubscribe)}">Avsluta prenumerationen på de här '
        "påminnelserna</a></small></p></body></html>"
    )


def rebooking_email(row: Any, *, book_url: str, unsubscribe_url: str) -> Email:
    """`row`: a rebooking candidate (repository.rebooking_candidates)."""
    subject = f"Dags att boka {row.service_name} igen!"
    horse = row.horse_name or row.horse_rel_name
    lines = [
        f"Hej {row.customer_first_name}!",
        f"Det har gått {row.interval_weeks} veckor sedan {row.service_name} hos "
        f"{row.provider_business_name}"
        + (f" för {horse}" if horse else "")
        + f" ({long_date(date_of_booking_column(row.booking_date))}).",
        "Det är dags att boka nästa besök.",
    ]
    text = "\n".join([*lines, "", f"Boka här: {book_url}", "", f"Avsluta: {unsubscribe_url}"])
    return Email(
        to=row.customer_email,
        subject=subject,
        text=text,
        html=_html(subject, lines, ("Boka igen", book_url), unsubscribe_url),
        headers=_headers(unsubscribe_url),
    )


def day_before_email(row: Any, *, unsubscribe_url: str) -> Email:
    """`row`: one recipient of a visit tomorrow (repository.day_before_candidates)."""
    day = long_date(date_of_booking_column(row.booking_date))
    horse = row.horse_name or row.horse_rel_name
    when = f"{day} kl {row.start_time}-{row.end_time}"
    if row.to_provider:
        customer = f"{row.customer_first_name} {row.customer_last_name}".strip()
        subject = f"Påminnelse: {row.service_name} i morgon kl {row.start_time}"
        lines = [
            f"Hej {row.recipient_first_name}!",
            f"I morgon: {row.service_name} för {customer}.",
        ]
        if row.customer_phone:
            lines.append(f"Telefon: {row.customer_phone}")
    else:
        subject = f"Påminnelse: {row.service_name} hos {row.provider_business_name} i morgon"
        lines = [
            f"Hej {row.recipient_first_name}!",
            f"I morgon kommer {row.provider_business_name}: {row.service_name}.",
        ]
    lines.append(f"När: {when}")
    if horse:
        lines.append(f"Häst: {horse}")
    if row.location:
        lines.append(f"Plats: {row.location}")
    text = "\n".join([*lines, "", f"Avsluta: {unsubscribe_url}"])
    return Email(
        to=row.recipient_email,
        subject=subject,
        text=text,
        html=_html(subject, lines, None, unsubscribe_url),
        attachments=(ics_attachment(row, as_provider=bool(row.to_provider)),),
        headers=_headers(unsubscribe_url),
    )
