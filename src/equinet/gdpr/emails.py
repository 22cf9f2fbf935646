"""The e-mail confirming that an account was deleted (sent to the address it had)."""

from __future__ import annotations

from html import escape

from equinet.kit.email import Email

DELETED_SUBJECT = "Ditt konto är borttaget - Equinet"


def account_deleted(*, to: str, first_name: str) -> Email:
    lines = [
        f"Hej {first_name}!",
        "Ditt Equinet-konto är nu borttaget. Dina personuppgifter, hästar och filer har "
        "raderats och du har loggats ut överallt.",
        "Bokningar och betalningar finns kvar utan dina personuppgifter, eftersom "
        "leverantörerna måste spara dem i sin bokföring.",
        "Om det inte var du som tog bort kontot, kontakta oss genom att svara på detta mejl.",
    ]
    html = (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        "<title>Ditt konto är borttaget</title></head><body>"
        "<h1>Ditt konto är borttaget</h1>"
        + "".join(f"<p>{escape(p)}</p>" for p in lines)
        + "<p>Vänliga hälsningar,<br>Equinet</p></body></html>"
    )
    return Email(to=to, subject=DELETED_SUBJECT, text="\n\n".join(lines), html=html)
