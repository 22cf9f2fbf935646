"""The "my data" page: export everything about me (JSON, CSV, served by the API's export
route) and delete my account with the password, through `gdpr.service` as the router does."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from equinet.db.session import DbSession
from equinet.gdpr import service
from equinet.gdpr.exceptions import FutureConfirmedBookings, WrongPassword
from equinet.gdpr.schemas import DeleteAccountIn
from equinet.kit.rate_limit_routes import limit_route
from equinet.models import User
from equinet.uploads.router import object_store_of
from equinet.web.context import PageUser, redirect
from equinet.web.forms import FormInvalid, attempt, domain_errors, parse, values_of
from equinet.web.pages import page_router
from equinet.web.templating import render

router = page_router()

limit_route("POST", "/my/data/delete", "login")


def _page(
    request: Request, user: User, errors: dict[str, str], *, future_bookings: int = 0,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    return render(
        request, "gdpr/my_data.html",
        {"errors": errors, "future_bookings": future_bookings}, status_code=status_code,
    )  # fmt: skip


@router.get("/my/data", response_class=HTMLResponse)
async def my_data(request: Request, user: PageUser) -> HTMLResponse:
    return _page(request, user, {})


@router.post("/my/data/delete", response_class=HTMLResponse)
async def delete_account(request: Request, db: DbSession, user: PageUser) -> Response:
    values = values_of(await request.form(), ("password",))
    settings = request.app.state.settings
    try:
        data = parse(DeleteAccountIn, values)
        async with attempt(db):
            await service.delete_account(
                db, object_store_of(request), settings, user, data.password
            )
    except FormInvalid as invalid:
        return _page(request, user, invalid.errors, status_code=422)
    except WrongPassword as error:
        return _page(request, user, domain_errors(error, "password"), status_code=400)
    except FutureConfirmedBookings as error:
        count = error.details["count"] if isinstance(error.details, dict) else 0
        return _page(
            request, user, domain_errors(error), future_bookings=int(count), status_code=409
        )
    response = redirect("/", flash="account-deleted")
    response.delete_cookie(
        settings.session_cookie_name, path="/", httponly=True,
        secure=settings.session_cookie_secure, samesite="lax",
    )  # fmt: skip
    return response
