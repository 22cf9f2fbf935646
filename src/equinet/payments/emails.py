"""The payment confirmation e-mail (spec §3.11), every user value HTML-escaped."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from equinet.bookings.emails import may_email
from equinet.kit.dates import date_of_booking_column, now_local
from equinet.kit.email import Email
from equinet.notifications.messages import LONG_MONTHS, amount_text, long_date
from equinet.payments.receipt import DEMO_NOTICE


def payment_received(
    row: Any, *, invoice_number: str, amount: Decimal, paid_at: Any, demo: bool
) -> Email | None:
    if not may_email(row.customer_email, row.customer_is_manual):
        return None
    paid = now_local(paid_at)
    lines = [
        f"Hej {row.customer_first_name}!",
        f"Tack för din betalning för {row.service_name} hos {row.provider_business_name} "
        f"den {long_date(date_of_booking_column(row.booking_date))}.",
        f"Belopp: {amount_text(amount)}",
        f"Kvittonummer: {invoice_number}",
        f"Betald: {paid.day} {LONG_MONTHS[paid.month - 1]} {paid.year} {paid:%H:%M}",
    ]
    if demo:
        lines.append(DEMO_NOTICE)
    subject = f"Betalningsbekräftelse - {invoice_number}"
    html = (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head><body><h1>{escape(subject)}</h1>"
        + "".join(f"<p>{escape(line)}</p>" for line in lines)
        + "<p>Vänliga hälsningar,<br>Equinet</p></body></html>"
    )
    return Email(to=row.customer_email, subject=subject, text="\n".join(lines), html=html)
