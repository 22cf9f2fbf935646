"""The unsubscribe page of the reminder e-mails: opening the link shows a confirm button (so a
mail scanner that opens links unsubscribes nobody); the button's POST, like a mail client's
one-click POST (RFC 8058) to the same URL, stops that kind of reminder."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import HTMLResponse

from equinet.db.session import DbSession
from equinet.kit.errors import EquinetError
from equinet.kit.i18n import gettext, mark
from equinet.kit.rate_limit_routes import limit_route
from equinet.reminders import service
from equinet.web.context import CurrentVisitor
from equinet.web.pages import page_router
from equinet.web.templating import render

router = page_router()

limit_route("GET", "/unsubscribe", "api")
limit_route("POST", "/unsubscribe", "api")

KIND_LABELS = {
    "rebooking": mark("påminnelser om att boka igen"),
    "day_before": mark("påminnelser dagen före ett besök"),
}


def _kind_label(kind: str) -> str:
    return gettext(KIND_LABELS.get(kind, kind))


@router.get("/unsubscribe", response_class=HTMLResponse)
async def confirm_unsubscribe(
    request: Request, db: DbSession, visitor: CurrentVisitor, token: str | None = None
) -> HTMLResponse:
    try:
        kind = await service.unsubscribe_kind(db, request.app.state.settings, token)
    except EquinetError as error:
        return render(
            request, "reminders/unsubscribe.html", {"error": gettext(error.message)},
            status_code=error.status_code,
        )  # fmt: skip
    context = {"token": token, "kind": _kind_label(kind), "done": False}
    return render(request, "reminders/unsubscribe.html", context)


@router.post("/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(
    request: Request, db: DbSession, visitor: CurrentVisitor, token: str | None = None
) -> HTMLResponse:
    if token is None:
        form = await request.form()
        sent = form.get("token")
        token = sent if isinstance(sent, str) else None
    try:
        kind = await service.unsubscribe(db, request.app.state.settings, token)
    except EquinetError as error:
        return render(
            request, "reminders/unsubscribe.html", {"error": gettext(error.message)},
            status_code=error.status_code,
        )  # fmt: skip
    return render(request, "reminders/unsubscribe.html", {"kind": _kind_label(kind), "done": True})
