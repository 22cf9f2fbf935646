"""Wires the pages into the app: static files, the language switch and every page router.

A domain's pages live in `<domain>/pages.py` as an `APIRouter` made with `page_router()`
(tagged "pages", left out of the OpenAPI schema) and templates in `web/templates/<domain>/`.
To add a domain's pages, append its router to `page_routers()`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse

from equinet.kit.i18n import LANGUAGE_COOKIE, LANGUAGES
from equinet.web.context import LoginRequired, login_redirect, safe_next
from equinet.web.templating import STATIC_DIR

PAGE_TAG = "pages"


def page_router(**options: Any) -> APIRouter:
    """A router of pages: HTML, not part of the API's schema or its route table."""
    return APIRouter(tags=[PAGE_TAG], include_in_schema=False, **options)


shell = page_router()


@shell.get("/lang/{code}")
async def switch_language(code: str, next: str | None = None) -> RedirectResponse:
    """The language switch: remembers the choice in the `lang` cookie for a year."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, path="/", samesite="lax"
        )
    return response


def page_routers() -> list[APIRouter]:
    from equinet.accounting.pages import router as accounting_pages
    from equinet.accounts.pages import router as accounts_pages
    from equinet.bookings.pages import router as bookings_pages
    from equinet.calendar_feeds.pages import router as calendar_feed_pages
    from equinet.gdpr.pages import router as gdpr_pages
    from equinet.group_bookings.pages import router as group_bookings_pages
    from equinet.horses.pages import router as horses_pages
    from equinet.notifications.pages import router as notifications_pages
    from equinet.ops.admin_pages import router as admin_pages
    from equinet.providers.own_pages import router as provider_own_pages
    from equinet.providers.pages import router as providers_pages
    from equinet.reminders.pages import router as reminders_pages
    from equinet.routes.pages import router as routes_pages
    from equinet.uploads.pages import router as uploads_pages
    from equinet.verification.pages import router as verification_pages

    return [
        shell, providers_pages, bookings_pages, accounts_pages, notifications_pages,
        horses_pages, uploads_pages, verification_pages, gdpr_pages, reminders_pages,
        calendar_feed_pages, routes_pages, group_bookings_pages,
        provider_own_pages, admin_pages, accounting_pages,
    ]  # fmt: skip


def install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in page_routers():
        app.include_router(router)
    app.add_exception_handler(LoginRequired, login_redirect)
