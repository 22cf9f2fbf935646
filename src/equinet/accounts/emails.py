"""The account e-mails (spec §3.11): verification, password reset, password changed.

Every user-supplied value is HTML-escaped (§7.17). Links point at PUBLIC_BASE_URL.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from equinet.kit.email import Email
from equinet.settings import Settings

VERIFY_SUBJECT = "Verifiera din e-post - Equinet"
RESET_SUBJECT = "Återställ ditt lösenord - Equinet"
CHANGED_SUBJECT = "Ditt lösenord har ändrats - Equinet"


def _link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}{path}?token={quote(token)}"


def _page(title: str, paragraphs: list[str], link: tuple[str, str] | None = None) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if link is not None:
        url, label = link
        body += f'<p><a href="{escape(url, quote=True)}">{escape(label)}</a></p>'
    return (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>"
        f"<h1>{escape(title)}</h1>{body}"
        "<p>Vänliga hälsningar,<br>Equinet</p></body></html>"
    )


def verification(settings: Settings, *, to: str, first_name: str, token: str) -> Email:
    url = _link(settings, "/verify-email", token)
    lines = [
        f"Hej {first_name}!",
        "Välkommen till Equinet. Bekräfta din e-postadress genom att öppna länken nedan.",
        "Länken gäller i 24 timmar.",
    ]
    text = "\n\n".join([*lines, url, "Om du inte har skapat ett konto kan du bortse från detta."])
    html = _page(
        "Verifiera din e-post",
        [*lines, "Om du inte har skapat ett konto kan du bortse från detta."],
        (url, "Verifiera e-postadressen"),
    )
    return Email(to=to, subject=VERIFY_SUBJECT, text=text, html=html)


def password_reset(settings: Settings, *, to: str, first_name: str, token: str) -> Email:
    url = _link(settings, "/reset-password", token)
    lines = [
        f"Hej {first_name}!",
        "Någon (förhoppningsvis du) har bett om att få återställa lösenordet till ditt "
        "Equinet-konto. Öppna länken nedan för att välja ett nytt lösenord.",
        "Länken gäller i en timme och kan bara användas en gång.",
    ]
    tail = "Om du inte har bett om detta kan du bortse från meddelandet; lösenordet är oförändrat."
    text = "\n\n".join([*lines, url, tail])
    html = _page("Återställ ditt lösenord", [*lines, tail], (url, "Välj ett nytt lösenord"))
    return Email(to=to, subject=RESET_SUBJECT, text=text, html=html)


def password_changed(settings: Settings, *, to: str, first_name: str) -> Email:
    lines = [
        f"Hej {first_name}!",
        "Lösenordet till ditt Equinet-konto har just ändrats och dina andra inloggningar har "
        "avslutats.",
        "Om det inte var du: återställ lösenordet direkt via "
        f"{settings.public_base_url.rstrip('/')}/forgot-password och kontakta oss.",
    ]
    return Email(
        to=to,
        subject=CHANGED_SUBJECT,
        text="\n\n".join(lines),
        html=_page("Ditt lösenord har ändrats", lines),
    )
