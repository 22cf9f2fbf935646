"""The e-mails of route orders and routes, one function per kind, user values HTML-escaped."""

from __future__ import annotations

from datetime import date
from html import escape

from equinet.bookings.emails import may_email
from equinet.kit.email import Email
from equinet.notifications.messages import long_date


def _email(to: str, subject: str, lines: list[str]) -> Email:
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    html = (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head><body><h1>{escape(subject)}</h1>{body}"
        "<p>Vänliga hälsningar,<br>Equinet</p></body></html>"
    )
    return Email(to=to, subject=subject, text="\n".join(lines), html=html)


def announcement_for_follower(
    *,
    to: str | None,
    is_manual: bool,
    first_name: str,
    business_name: str,
    service_type: str,
    date_from: date,
    date_to: date,
    places: list[str],
) -> Email | None:
    if not may_email(to, is_manual):
        return None
    assert to is not None
    return _email(
        to,
        f"{business_name} kommer till ditt område",
        [
            f"Hej {first_name}!",
            f"{business_name} har annonserat en rutt för {service_type} "
            f"{long_date(date_from)} – {long_date(date_to)}.",
            "Platser: " + ", ".join(places),
            "Boka en tid på Equinet under Annonser.",
        ],
    )


def visit_planned(
    *,
    to: str | None,
    is_manual: bool,
    first_name: str,
    business_name: str,
    service_type: str,
    day: date,
    arrival: str,
) -> Email | None:
    if not may_email(to, is_manual):
        return None
    assert to is not None
    return _email(
        to,
        f"Ditt besök är planerat - {service_type}",
        [
            f"Hej {first_name}!",
            f"{business_name} har planerat in ditt besök ({service_type}) den {long_date(day)}.",
            f"Beräknad ankomst: kl {arrival}.",
        ],
    )


def provider_on_the_way(
    *,
    to: str | None,
    is_manual: bool,
    first_name: str,
    business_name: str,
    arrival: str,
) -> Email | None:
    if not may_email(to, is_manual):
        return None
    assert to is not None
    return _email(
        to,
        f"{business_name} är på väg",
        [
            f"Hej {first_name}!",
            f"{business_name} är på väg till dig, beräknad ankomst kl {arrival}.",
        ],
    )
