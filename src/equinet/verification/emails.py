"""The verification e-mails to a provider: request approved, request rejected (with reason).

One function per e-mail kind; every user-supplied value is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from equinet.kit.email import Email
from equinet.settings import Settings

APPROVED_SUBJECT = "Din verifiering är godkänd - Equinet"
REJECTED_SUBJECT = "Din verifieringsansökan har avvisats - Equinet"


def _html(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>{body}"
        "<p>Vänliga hälsningar,<br>Equinet</p></body></html>"
    )


def _link(settings: Settings) -> str:
    return f"{settings.public_base_url.rstrip('/')}/provider/verification"


def verification_approved(settings: Settings, *, to: str, first_name: str, title: str) -> Email:
    lines = [
        f"Hej {first_name}!",
        f'Din verifieringsansökan "{title}" har godkänts. Du är nu verifierad på Equinet.',
        f"Se dina verifieringar: {_link(settings)}",
    ]
    return Email(
        to=to,
        subject=APPROVED_SUBJECT,
        text="\n\n".join(lines),
        html=_html("Din verifiering är godkänd", lines),
    )


def verification_rejected(
    settings: Settings, *, to: str, first_name: str, title: str, reason: str
) -> Email:
    lines = [
        f"Hej {first_name}!",
        f'Din verifieringsansökan "{title}" har avvisats.',
        f"Anledning: {reason}",
        f"Du kan ändra ansökan och skicka in den igen: {_link(settings)}",
    ]
    return Email(
        to=to,
        subject=REJECTED_SUBJECT,
        text="\n\n".join(lines),
        html=_html("Din verifieringsansökan har avvisats", lines),
    )
