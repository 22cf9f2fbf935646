"""The admin's pages: the users list with search, and the system page.

The system page shows what `equinet monitor` shows, computed by the same functions of
ops/monitor.py: the database report read on the request's own connection, this app's request
figures from its own metrics (with the monitor's history file for the one-hour window), the
newest backup and the alert rules. Maintenance mode is switched with ops/maintenance.py's
`write_state`, as `equinet maintenance on|off` does; admins keep working while it is on.
"""

from __future__ import annotations

import time

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from equinet.accounts import service as accounts
from equinet.db.session import DbSession
from equinet.kit import metrics
from equinet.kit.i18n import mark
from equinet.ops.maintenance import read_state, write_state
from equinet.ops.monitor import (
    AppReport,
    History,
    database_report,
    evaluate_rules,
    newest_backup,
    parse_metrics,
    window_until,
)
from equinet.settings import Settings, settings_of
from equinet.web.context import FLASH_MESSAGES, redirect
from equinet.web.forms import values_of
from equinet.web.pages import page_router
from equinet.web.roles import PageAdmin
from equinet.web.templating import render

router = page_router(prefix="/admin")

FLASH_MESSAGES.update(
    {
        "maintenance-on": mark(
            "Underhållsläget är på. Alla utom administratörer får ett 503-svar."
        ),
        "maintenance-off": mark("Underhållsläget är av. Equinet är öppet igen."),
    }
)
USER_TYPES = {"customer": mark("Kund"), "provider": mark("Leverantör")}
MESSAGE_LIMIT = 500


@router.get("", response_class=HTMLResponse)
async def admin_home(admin: PageAdmin) -> Response:
    return redirect("/admin/system")


@router.get("/users", response_class=HTMLResponse)
async def users(
    request: Request, db: DbSession, admin: PageAdmin, q: str | None = None
) -> HTMLResponse:
    found = await accounts.users_for_admin(db, q)
    return render(
        request,
        "admin/users.html",
        {"users": found, "q": q or "", "user_types": USER_TYPES, "limit": accounts.ADMIN_USER_PAGE},
    )


def _this_app(request: Request, settings: Settings) -> AppReport:
    """The monitor's application report, read from this process's own metrics."""
    body, _content_type = metrics.exposition()
    sample = parse_metrics(body.decode("utf-8"), time.time())
    window = window_until(sample, History(settings.monitor_history_file).load())
    return AppReport(str(request.base_url).rstrip("/"), sample, window)


@router.get("/system", response_class=HTMLResponse)
async def system(request: Request, db: DbSession, admin: PageAdmin) -> HTMLResponse:
    settings = settings_of(request)
    connection = await db.connection()
    database = await database_report(connection)
    app = _this_app(request, settings)
    window = app.window
    latency = {
        name: window.quantile(q) if window else None
        for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
    }
    return render(
        request,
        "admin/system.html",
        {
            "database": database,
            "app": app,
            "latency": latency,
            "rules": evaluate_rules(settings, database, app),
            "backup": newest_backup(settings.backup_dir),
            "backup_dir": settings.backup_dir,
            "maintenance": await read_state(connection),
            "cache_seconds": settings.maintenance_cache_seconds,
            "message_limit": MESSAGE_LIMIT,
        },
    )


@router.post("/system/maintenance", response_class=HTMLResponse)
async def switch_maintenance(request: Request, db: DbSession, admin: PageAdmin) -> Response:
    values = values_of(await request.form(), ("enabled", "message"))
    enabled = values.get("enabled") == "on"
    message = " ".join(values.get("message", "").split())[:MESSAGE_LIMIT] or None
    await write_state(
        await db.connection(),
        enabled=enabled,
        message=message if enabled else None,
        changed_by=admin.email,
    )
    return redirect("/admin/system", flash="maintenance-on" if enabled else "maintenance-off")
