"""What every page knows about its visitor: the user, the unread count, a one-time flash.

`Visitor` resolves the session cookie through the accounts dependencies (the same sessions the
API uses) and, for a logged-in user, the unread notification count shown in the header.
`PageUser` / `PageCustomer` / `PageProvider` / `PageAdmin` send an anonymous visitor to the
login page and back afterwards, and answer the 403 page to a user of another role.
A flash is a message key in a short-lived cookie, shown once by the next page (so a redirect
after a successful form can say what happened); only known keys are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Depends, Request
from starlette.responses import RedirectResponse

from equinet.accounts.dependencies import (
    Forbidden,
    OptionalSession,
    ProviderAccount,
    get_current_admin,
    get_current_provider,
)
from equinet.accounts.sessions import ActiveSession
from equinet.db.session import DbSession
from equinet.kit.i18n import LANGUAGES, current_language, mark
from equinet.models import User
from equinet.notifications import repository as notifications
from equinet.settings import Environment, Settings
from equinet.web.navigation import items_for

FLASH_COOKIE = "flash"
FLASH_MESSAGES = {
    "booked": mark("Bokningen är skickad. Leverantören bekräftar den snart."),
    "cancelled": mark("Bokningen är avbokad."),
    "paid": mark("Betalningen är genomförd. Kvittot finns under bokningen."),
    "reviewed": mark("Tack för din recension!"),
    "logged-in": mark("Du är inloggad."),
    "logged-out": mark("Du är utloggad."),
    "registered": mark("Kontot är skapat. Öppna länken i e-postmeddelandet för att verifiera det."),
    "verified": mark("E-postadressen har verifierats. Nu kan du logga in."),
    "reset-sent": mark(
        "Om e-postadressen finns i vårt system har vi skickat en länk för att återställa "
        "lösenordet. Länken gäller i en timme."
    ),
    "password-reset": mark("Lösenordet har ändrats. Logga in med ditt nya lösenord."),
    "password-changed": mark("Lösenordet har ändrats. Dina andra inloggningar har avslutats."),
    "profile-saved": mark("Profilen är sparad."),
    "sessions-ended": mark("Du är utloggad på alla andra enheter."),
    "notifications-read": mark("Alla notiser är markerade som lästa."),
    "horse-registered": mark("Hästen är registrerad."),
    "horse-saved": mark("Hästens uppgifter är sparade."),
    "horse-removed": mark("Hästen har tagits bort."),
    "note-added": mark("Anteckningen är sparad."),
    "note-removed": mark("Anteckningen har tagits bort."),
    "passport-created": mark("En ny hästpasslänk är skapad. Kopiera den och dela den."),
    "passport-revoked": mark("Hästpasslänken har återkallats."),
    "photo-saved": mark("Fotot är uppladdat."),
    "avatar-saved": mark("Profilbilden är uppladdad."),
    "verification-sent": mark("Ansökan är skickad. Du får besked när den har granskats."),
    "verification-image-added": mark("Dokumentet är uppladdat."),
    "verification-approved": mark("Ansökan är godkänd."),
    "verification-rejected": mark("Ansökan är avvisad."),
    "two-factor-off": mark("Tvåstegsverifiering är avstängd."),
    "feed-revoked": mark("Kalenderflödet har återkallats."),
    "account-deleted": mark("Ditt konto är borttaget. Du har loggats ut."),
    "order-created": mark(
        "Beställningen är skickad. Leverantörer i området kan nu planera in den."
    ),
    "order-cancelled": mark("Beställningen är avbruten."),
    "followed": mark("Du bevakar nu leverantörens annonser i ditt område."),
    "unfollowed": mark("Bevakningen är borttagen."),
    "announcement-created": mark("Annonsen är publicerad."),
    "announcement-cancelled": mark("Annonsen är avbruten."),
    "route-created": mark("Rutten är planerad. Kunderna har fått beräknad ankomsttid."),
    "stop-updated": mark("Stoppet är uppdaterat."),
    "group-created": mark("Gruppbesöket är skapat. Dela inbjudningskoden med de andra."),
    "group-joined": mark("Du är med i gruppbesöket."),
    "group-left": mark("Du har lämnat gruppbesöket."),
    "participant-removed": mark("Deltagaren är borttagen."),
    "group-matched": mark("Gruppbesöket är bokat. Deltagarna har fått sina bokningar."),
}


@dataclass(frozen=True)
class Visitor:
    user: User | None
    session: ActiveSession | None
    unread: int = 0


async def get_visitor(request: Request, db: DbSession, active: OptionalSession) -> Visitor:
    cached: Visitor | None = getattr(request.state, "visitor", None)
    if cached is not None:
        return cached
    unread = await notifications.unread_count(db, active.user.id) if active else 0
    visitor = Visitor(active.user if active else None, active, unread)
    request.state.visitor = visitor
    return visitor


CurrentVisitor = Annotated[Visitor, Depends(get_visitor)]


class LoginRequired(Exception):
    """Raised by a page that needs a login: answered with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _come_back_to(request: Request) -> str:
    """Where to return after logging in: this page, or for a form post the page it was on."""
    if request.method == "GET":
        return _here(request)
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path:
        return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    return "/"


async def get_page_session(request: Request, visitor: CurrentVisitor) -> ActiveSession:
    if visitor.session is None:
        raise LoginRequired(_come_back_to(request))
    return visitor.session


async def get_page_user(active: Annotated[ActiveSession, Depends(get_page_session)]) -> User:
    return active.user


async def get_page_customer(user: Annotated[User, Depends(get_page_user)]) -> User:
    if user.user_type != "customer":
        raise Forbidden("Endast kunder kan göra detta")
    return user


async def get_page_provider(
    user: Annotated[User, Depends(get_page_user)], db: DbSession
) -> ProviderAccount:
    """A provider's pages: the user and their Provider row (403 page for anyone else)."""
    return await get_current_provider(user, db)


async def get_page_admin(user: Annotated[User, Depends(get_page_user)]) -> User:
    return await get_current_admin(user)


PageSession = Annotated[ActiveSession, Depends(get_page_session)]
PageUser = Annotated[User, Depends(get_page_user)]
PageCustomer = Annotated[User, Depends(get_page_customer)]
PageProvider = Annotated[ProviderAccount, Depends(get_page_provider)]
PageAdmin = Annotated[User, Depends(get_page_admin)]


def login_redirect(request: Request, error: Exception) -> RedirectResponse:
    assert isinstance(error, LoginRequired)
    return RedirectResponse(f"/login?{urlencode({'next': error.next_path})}", status_code=303)


def safe_next(value: str | None, default: str = "/") -> str:
    """Only our own paths: `/x`, never `//host` or `https://…` (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def redirect(url: str, flash: str | None = None) -> RedirectResponse:
    """303 after a successful form (post/redirect/get), with an optional flash message key."""
    response = RedirectResponse(url, status_code=303)
    if flash is not None:
        assert flash in FLASH_MESSAGES, flash
        response.set_cookie(
            FLASH_COOKIE, flash, max_age=60, path="/", httponly=True, samesite="lax"
        )
    return response


def _language_links(request: Request) -> dict[str, str]:
    here = quote(_here(request), safe="/?=&")
    return {code: f"/lang/{code}?next={here}" for code in LANGUAGES}


def base_context(request: Request) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    visitor: Visitor | None = getattr(request.state, "visitor", None)
    flash_key = request.cookies.get(FLASH_COOKIE)
    user = visitor.user if visitor else None
    return {
        "request": request,
        "lang": current_language.get(),
        "user": user,
        "unread": visitor.unread if visitor else 0,
        "flash": FLASH_MESSAGES.get(flash_key or ""),
        "flash_consumed": bool(flash_key),
        "language_links": _language_links(request),
        "path": request.url.path,
        "development": settings.equinet_env is Environment.development,
        "navigation": items_for(user),
    }
