"""The provider's Fortnox page: is the accounting link connected, connect, sync, disconnect.

It calls the services the `/api/integrations/fortnox` routes call (status, queue_sync,
disconnect) with their messages; connecting is the API's own OAuth redirect. Fortnox's callback
lands here with `?success=true` or `?error=<reason>`, shown as a message in words.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from equinet.accounting import fortnox, service
from equinet.accounting.router import PREFIX as API_PREFIX
from equinet.accounting.router import SETTINGS_PAGE
from equinet.db.session import DbSession
from equinet.kit.errors import EquinetError
from equinet.kit.i18n import gettext, mark
from equinet.kit.rate_limit_routes import limit_route
from equinet.settings import settings_of
from equinet.web.context import FLASH_MESSAGES, redirect
from equinet.web.pages import page_router
from equinet.web.roles import PageProvider
from equinet.web.templating import render

router = page_router(prefix=SETTINGS_PAGE)

# The same limiter as the API's sync route.
limit_route("POST", f"{SETTINGS_PAGE}/sync", "api")

FLASH_MESSAGES.update({"fortnox-disconnected": mark("Fortnox är bortkopplat.")})

CONNECTED = mark("Fortnox är kopplat. Nu kan du synka dina betalda bokningar som fakturor.")
# What the callback's `error` means, as the provider should read it.
CALLBACK_ERRORS = {
    "denied": mark("Du avbröt kopplingen i Fortnox, eller Fortnox nekade den. Försök igen."),
    "missing_params": mark("Fortnox skickade inte tillbaka allt som behövs. Försök igen."),
    "state_mismatch": mark(
        "Kopplingen kunde inte bekräftas (den startades i en annan webbläsare eller tog för "
        "lång tid). Försök igen."
    ),
    "token_exchange": mark("Fortnox godkände inte inloggningen. Försök igen om en stund."),
    "not_configured": mark("Fortnox-integrationen är inte konfigurerad"),
}
CALLBACK_FAILED = mark("Kopplingen till Fortnox misslyckades. Försök igen.")
NOTHING_QUEUED = mark("Inga osynkade bokningar")
QUEUED = mark("{count} fakturor skickas till Fortnox.")


def _outcome(success: str | None, error: str | None, queued: str | None) -> tuple[str, str] | None:
    """(kind, message) for what the redirect to this page reports: the callback or a sync."""
    if success == "true":
        return "success", gettext(CONNECTED)
    if error:
        return "error", gettext(CALLBACK_ERRORS.get(error, CALLBACK_FAILED))
    if queued and queued.isdigit():
        count = int(queued)
        return "success", gettext(QUEUED, count=count) if count else gettext(NOTHING_QUEUED)
    return None


async def _page(
    request: Request,
    db: DbSession,
    account: PageProvider,
    *,
    outcome: tuple[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "accounting/integrations.html",
        {
            "status": await service.status(db, account.provider.id),
            "configured": fortnox.is_configured(settings_of(request)),
            "connect_url": f"{API_PREFIX}/connect",
            "outcome": outcome,
        },
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
async def integrations(
    request: Request,
    db: DbSession,
    account: PageProvider,
    success: str | None = None,
    error: str | None = None,
    queued: str | None = None,
) -> HTMLResponse:
    """`success`/`error` come from the OAuth callback's redirect, `queued` from a sync."""
    return await _page(request, db, account, outcome=_outcome(success, error, queued))


@router.post("/sync", response_class=HTMLResponse)
async def sync(request: Request, db: DbSession, account: PageProvider) -> Response:
    try:
        queued = await service.queue_sync(db, settings_of(request), account.provider.id)
    except EquinetError as error:
        return await _page(
            request,
            db,
            account,
            outcome=("error", gettext(error.message)),
            status_code=error.status_code,
        )
    return redirect(f"{SETTINGS_PAGE}?queued={queued['queued']}")


@router.post("/disconnect", response_class=HTMLResponse)
async def disconnect(request: Request, db: DbSession, account: PageProvider) -> Response:
    try:
        await service.disconnect(db, account.provider.id)
    except EquinetError as error:
        return await _page(
            request,
            db,
            account,
            outcome=("error", gettext(error.message)),
            status_code=error.status_code,
        )
    return redirect(SETTINGS_PAGE, flash="fortnox-disconnected")
