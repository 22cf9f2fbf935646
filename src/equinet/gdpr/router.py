"""Personal-data routes: export my data (JSON or CSV) and delete my account."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from equinet.accounts.dependencies import CurrentUser
from equinet.db.session import DbSession
from equinet.gdpr import service
from equinet.gdpr.schemas import AccountDeletedOut, DeleteAccountIn
from equinet.kit.dates import today_local
from equinet.kit.rate_limit_routes import limit_route
from equinet.uploads.router import object_store_of

router = APIRouter(tags=["personal data"])

limit_route("GET", "/api/export/my-data", "api")
limit_route("POST", "/api/account/delete", "login")

_EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Everything about me",
        "content": {"application/json": {}, "text/csv": {}},
    },
    400: {"description": "Unknown format"},
}


@router.get(
    "/api/export/my-data",
    summary="Export all my personal data (format=json or csv)",
    responses=_EXPORT_RESPONSES,
)
async def export_my_data(
    user: CurrentUser,
    db: DbSession,
    format: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    chosen = service.check_format(format)
    data = await service.export_data(db, user)
    name = f"equinet-export-{today_local().isoformat()}.{chosen}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    }
    if chosen == "csv":
        return Response(
            service.export_csv(data), media_type="text/csv; charset=utf-8", headers=headers
        )
    return Response(
        json.dumps(data, ensure_ascii=False), media_type="application/json", headers=headers
    )


@router.post(
    "/api/account/delete",
    response_model=AccountDeletedOut,
    summary="Delete my account: personal data anonymised, bookings kept for bookkeeping",
    responses={
        400: {"description": "Wrong password"},
        409: {"description": "A provider with confirmed bookings ahead"},
    },
)
async def delete_my_account(
    body: DeleteAccountIn, request: Request, response: Response, user: CurrentUser, db: DbSession
) -> AccountDeletedOut:
    settings = request.app.state.settings
    await service.delete_account(db, object_store_of(request), settings, user, body.password)
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
    )
    return AccountDeletedOut(message="Ditt konto är borttaget. Du har loggats ut.")
