"""`/api/integrations/fortnox`: connect (OAuth2), callback, disconnect, status and sync."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse

from equinet.accounting import fortnox, service
from equinet.accounting.schemas import Disconnected, FortnoxStatus, SyncQueued
from equinet.accounts.dependencies import (
    CurrentUser,
    Forbidden,
    ProviderAccount,
    get_current_provider,
)
from equinet.db.session import DbSession
from equinet.kit.i18n import gettext
from equinet.kit.rate_limit_routes import limit_route
from equinet.settings import Settings, settings_of

logger = logging.getLogger("equinet.accounting.router")
security_log = logging.getLogger("equinet.security")

PREFIX = "/api/integrations/fortnox"
router = APIRouter(prefix=PREFIX, tags=["accounting"])
limit_route("POST", f"{PREFIX}/sync", "api")

STATE_COOKIE = "fortnox_oauth_state"
STATE_SECONDS = 600
# Where the provider's browser lands after the callback (the integrations settings page).
SETTINGS_PAGE = "/provider/settings/integrations"


def _provider_only(message: str) -> Any:
    async def dependency(user: CurrentUser, db: DbSession) -> ProviderAccount:
        if user.user_type != "provider":
            raise Forbidden(message)
        return await get_current_provider(user, db)

    return dependency


Connecting = Annotated[
    ProviderAccount, Depends(_provider_only("Bara leverantörer kan koppla Fortnox"))
]
Managing = Annotated[
    ProviderAccount, Depends(_provider_only("Bara leverantörer kan hantera Fortnox-koppling"))
]
Syncing = Annotated[
    ProviderAccount, Depends(_provider_only("Bara leverantörer kan synka fakturor"))
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Ingen Fortnox-koppling"},
    503: {"description": "Ej konfigurerad"},
}


@router.get(
    "/connect",
    status_code=307,
    response_class=RedirectResponse,
    responses=_ERRORS,
    summary="Start connecting Fortnox: redirects to Fortnox's consent page",
)
async def connect(request: Request, account: Connecting) -> RedirectResponse:
    settings = settings_of(request)
    service.require_configured(settings)
    state = service.new_state()
    response = RedirectResponse(fortnox.authorization_url(settings, state), status_code=307)
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=STATE_SECONDS,
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
        path=PREFIX,
    )
    return response


def _back(settings: Settings, **query: str) -> RedirectResponse:
    url = f"{settings.public_base_url.rstrip('/')}{SETTINGS_PAGE}?{urlencode(query)}"
    response = RedirectResponse(url, status_code=307)
    response.delete_cookie(STATE_COOKIE, path=PREFIX)
    return response


@router.get(
    "/callback",
    status_code=307,
    response_class=RedirectResponse,
    summary="Fortnox sends the provider back here with a code; redirects to the settings page",
)
async def callback(
    request: Request,
    db: DbSession,
    account: Connecting,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    settings = settings_of(request)
    if error:
        return _back(settings, error="denied")
    if not code or not state:
        return _back(settings, error="missing_params")
    expected = request.cookies.get(STATE_COOKIE)
    if not expected or not secrets.compare_digest(expected, state):
        security_log.warning("Fortnox callback state mismatch for user %s", account.user.id)
        return _back(settings, error="state_mismatch")
    if not fortnox.is_configured(settings):
        return _back(settings, error="not_configured")
    # End the login lookup's transaction: none stays open while Fortnox is called.
    await db.commit()
    try:
        tokens = await fortnox.exchange_code(settings, code)
    except (fortnox.FortnoxUnauthorised, fortnox.FortnoxUnavailable) as failure:
        logger.warning("Fortnox code exchange failed: %s", failure)
        return _back(settings, error="token_exchange")
    await service.store_connection(db, settings, account.provider.id, tokens)
    return _back(settings, success="true")


@router.get("/status", summary="Is Fortnox connected, and how many paid bookings are invoiced")
async def status(db: DbSession, account: Managing) -> FortnoxStatus:
    return FortnoxStatus.model_validate(await service.status(db, account.provider.id))


@router.post(
    "/disconnect",
    responses={404: {"description": "Ingen Fortnox-koppling hittad"}},
    summary="Remove the Fortnox connection (its token is revoked at Fortnox in the background)",
)
async def disconnect(db: DbSession, account: Managing) -> Disconnected:
    await service.disconnect(db, account.provider.id)
    return Disconnected(success=True)


@router.post(
    "/sync",
    response_model=SyncQueued,
    responses={
        202: {"model": SyncQueued, "description": "Jobs queued"},
        404: {"description": "Ingen Fortnox-koppling hittad"},
        503: {"description": "Fortnox-integrationen är inte konfigurerad"},
    },
    summary="Send every paid, completed booking without an invoice to Fortnox (as jobs)",
)
async def sync(request: Request, db: DbSession, account: Syncing) -> JSONResponse:
    body = await service.queue_sync(db, settings_of(request), account.provider.id)
    body["message"] = gettext(body["message"])
    return JSONResponse(
        SyncQueued.model_validate(body).model_dump(by_alias=True),
        status_code=202 if body["queued"] else 200,
    )
