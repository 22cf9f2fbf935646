"""The customer e-mails of booking events (spec §3.11), every user value HTML-escaped (§7.17).

Manual ("ghost") customers never get mail: they cannot log in and their address may be made up.
"""

from __future__ import annotations

from html import escape
from typing import Any

from equinet.calendar_feeds.ics import ics_attachment
from equinet.kit.dates import date_of_booking_column
from equinet.kit.email import Email
from equinet.notifications.messages import amount_text, long_date

GHOST_DOMAIN = "@ghost.equinet.se"

STATUS_LABELS = {
    "pending": "Väntar på bekräftelse",
    "confirmed": "Bekräftad",
    "cancelled": "Avbokad",
    "completed": "Genomförd",
}
PREPARATION_CHECKLIST = ("Lugn miljö", "Väl upplyst", "Plant underlag", "Ren och torr häst")


def may_email(address: str | None, is_manual_customer: bool) -> bool:
    return bool(address) and not is_manual_customer and not str(address).endswith(GHOST_DOMAIN)


def _page(title: str, paragraphs: list[str], extra_html: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>"
        f"<h1>{escape(title)}</h1>{body}{extra_html}"
        "<p>Vänliga hälsningar,<br>Equinet</p></body></html>"
    )


def booking_created(row: Any) -> Email | None:
    if not may_email(row.customer_email, row.customer_is_manual):
        return None
    day = long_date(date_of_booking_column(row.booking_date))
    service = row.service_name
    lines = [
        f"Hej {row.customer_first_name}!",
        f"Din bokning av {service} hos {row.provider_business_name} är mottagen.",
        f"Datum: {day}",
        f"Tid: {row.start_time}-{row.end_time}",
        f"Pris: {amount_text(row.service_price)} kr",
        "Bokningen är bekräftad."
        if row.status == "confirmed"
        else "Leverantören bekräftar bokningen så snart som möjligt.",
    ]
    html = _page(
        f"Bokningsbekräftelse - {service}",
        [escape(line) for line in lines],
    )
    return Email(
        to=row.customer_email,
        subject=f"Bokningsbekräftelse - {service}",
        text="\n".join(lines),
        html=html,
        attachments=(ics_attachment(row),),
    )


def status_changed(row: Any, status: str) -> Email | None:
    if status not in ("confirmed", "cancelled", "completed"):
        return None
    if not may_email(row.customer_email, row.customer_is_manual):
        return None
    label = STATUS_LABELS[status]
    day = long_date(date_of_booking_column(row.booking_date))
    lines = [
        f"Hej {row.customer_first_name}!",
        f"Din bokning av {row.service_name} hos {row.provider_business_name} "
        f"den {day} kl {row.start_time}-{row.end_time} har fått status: {label}.",
    ]
    if status == "cancelled" and row.cancellation_message:
        lines.append(f"Meddelande: {row.cancellation_message}")
    extra_html = ""
    text = "\n".join(lines)
    if status == "confirmed":
        extra_html = (
            "<h2>Förbered besöket</h2><ul>"
            + "".join(f"<li>{escape(item)}</li>" for item in PREPARATION_CHECKLIST)
            + "</ul>"
        )
        text += "\n\nFörbered besöket:\n" + "\n".join(f"- {i}" for i in PREPARATION_CHECKLIST)
    return Email(
        to=row.customer_email,
        subject=f"Bokningsuppdatering - {label}",
        text=text,
        html=_page(f"Bokningsuppdatering - {label}", [escape(x) for x in lines], extra_html),
        # A calendar that imported the booking updates it (or drops it when cancelled).
        attachments=(ics_attachment(row),) if status != "completed" else (),
    )
