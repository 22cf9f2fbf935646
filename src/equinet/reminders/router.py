"""`/api/cron/send-reminders` (for the scheduler, `Authorization: Bearer <CRON_SECRET>`) and
`/api/reminders/unsubscribe` (the signed link in every reminder e-mail)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Query, Request

from equinet.accounts.dependencies import Unauthorized
from equinet.db.base import utcnow
from equinet.db.session import DbSession
from equinet.kit.api_model import ApiModel
from equinet.kit.i18n import _
from equinet.kit.rate_limit_routes import limit_route
from equinet.kit.timestamps import UtcDateTime
from equinet.reminders import service
from equinet.settings import settings_of

cron_router = APIRouter(prefix="/api/cron", tags=["reminders"])
router = APIRouter(prefix="/api/reminders", tags=["reminders"])

limit_route("GET", "/api/reminders/unsubscribe", "api")
limit_route("POST", "/api/reminders/unsubscribe", "api")


class ReminderRunOut(ApiModel):
    success: bool
    reminders_sent: int
    rebooking: int
    day_before: int
    processed_at: UtcDateTime


class Unsubscribed(ApiModel):
    unsubscribed: bool
    kind: str
    message: str


def require_cron_secret(request: Request) -> None:
    """401 unless the request carries the configured CRON_SECRET; no secret set: always 401."""
    secret = settings_of(request).cron_secret
    scheme, _sep, given = request.headers.get("authorization", "").partition(" ")
    if not secret or scheme.lower() != "bearer":
        raise Unauthorized()
    # Constant time, so the secret cannot be guessed byte by byte from response times.
    if not hmac.compare_digest(given.strip().encode(), secret.encode()):
        raise Unauthorized()


@cron_router.get("/send-reminders", summary="Send every due reminder (for the scheduler)")
async def send_reminders(request: Request, db: DbSession) -> ReminderRunOut:
    require_cron_secret(request)
    run = await service.send_reminders(db, settings_of(request))
    return ReminderRunOut(
        success=True,
        reminders_sent=run.total,
        rebooking=run.rebooking,
        day_before=run.day_before,
        processed_at=utcnow(),
    )


Token = Annotated[str | None, Query(description="the signed token from the e-mail")]


async def _unsubscribe(request: Request, db: DbSession, token: str | None) -> Unsubscribed:
    kind = await service.unsubscribe(db, settings_of(request), token)
    return Unsubscribed(
        unsubscribed=True,
        kind=kind,
        message=_("Du får inte längre de här påminnelserna."),
    )


@router.get(
    "/unsubscribe", summary="Check an unsubscribe token (changes nothing; POST unsubscribes)"
)
async def unsubscribe_check(request: Request, db: DbSession, token: Token = None) -> Unsubscribed:
    # A GET never unsubscribes: mail scanners and link previews open links on their own.
    kind = await service.unsubscribe_kind(db, settings_of(request), token)
    return Unsubscribed(
        unsubscribed=False, kind=kind, message=_("Bekräfta för att sluta få påminnelserna.")
    )


@router.post("/unsubscribe", summary="One-click unsubscribe (RFC 8058 List-Unsubscribe-Post)")
async def unsubscribe_one_click(
    request: Request, db: DbSession, token: Token = None
) -> Unsubscribed:
    return await _unsubscribe(request, db, token)
