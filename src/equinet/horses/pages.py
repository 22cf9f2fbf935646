"""The horse pages: my horses (register, edit, remove), a horse's page with its timeline, notes
by category, passport links, exports and photo; the public passport page; and the provider's
view of a customer's horse (the shared notes only).

Each calls `horses.service` exactly as `horses/router.py` does; exports link to the API's
export route, which the session cookie authorises. `/passport/{token}` is the URL the passport
API hands out (`service.passport_url`).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from equinet.db.session import DbSession
from equinet.horses import service
from equinet.horses.exceptions import InvalidCategory
from equinet.horses.schemas import NOTE_CATEGORIES, SHARED_CATEGORIES, HorseIn, HorseUpdate, NoteIn
from equinet.kit.dates import today_local
from equinet.kit.errors import EquinetError
from equinet.kit.i18n import mark
from equinet.kit.pagination import PageRequest
from equinet.kit.rate_limit_routes import limit_route
from equinet.models import User
from equinet.settings import settings_of
from equinet.uploads.pages import receive_upload
from equinet.web.context import CurrentVisitor, PageCustomer, PageProvider, redirect
from equinet.web.forms import FormInvalid, attempt, domain_errors, parse, values_of
from equinet.web.pages import page_router
from equinet.web.templating import render

# The pages show the first page of each list, as large as the API's cap allows.
_HORSES = PageRequest(limit=100, offset=0)
_TIMELINE = PageRequest(limit=200, offset=0)
_PASSPORTS = PageRequest(limit=100, offset=0)

router = page_router()

limit_route("POST", "/my/horses/{horse_id}/photo", "api")
limit_route("GET", "/passport/{token}", "api")

HORSE_FIELDS = ("name", "breed", "birthYear", "color", "gender", "specialNeeds")
NOTE_FIELDS = ("category", "title", "content", "noteDate")
CATEGORY_LABELS = {
    "veterinary": mark("Veterinär"),
    "farrier": mark("Hovslagare"),
    "medication": mark("Medicinering"),
    "training": mark("Träning"),
    "other": mark("Övrigt"),
    "general": mark("Allmänt"),
    "injury": mark("Skada"),
}
GENDER_LABELS = {"mare": mark("Sto"), "gelding": mark("Valack"), "stallion": mark("Hingst")}


def _labels() -> dict[str, Any]:
    return {
        "categories": NOTE_CATEGORIES,
        "shared_categories": SHARED_CATEGORIES,
        "category_labels": CATEGORY_LABELS,
        "gender_labels": GENDER_LABELS,
    }


# --- my horses ------------------------------------------------------------------------------


async def _list_page(
    request: Request,
    db: DbSession,
    user: User,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    horses, _ = await service.list_horses(db, user, _HORSES)
    context = {"horses": horses, "values": values or {}, "errors": errors or {}, **_labels()}
    return render(request, "horses/list.html", context, status_code=status_code)


@router.get("/my/horses", response_class=HTMLResponse)
async def my_horses(request: Request, db: DbSession, user: PageCustomer) -> HTMLResponse:
    return await _list_page(request, db, user)


@router.post("/my/horses", response_class=HTMLResponse)
async def register_horse(request: Request, db: DbSession, user: PageCustomer) -> Response:
    values = values_of(await request.form(), HORSE_FIELDS)
    try:
        data = parse(HorseIn, values)
        async with attempt(db):
            horse = await service.register_horse(db, user, data)
    except FormInvalid as invalid:
        return await _list_page(
            request, db, user, values=values, errors=invalid.errors, status_code=422
        )
    return redirect(f"/my/horses/{horse.id}", flash="horse-registered")


# --- one horse ------------------------------------------------------------------------------


async def _horse_page(
    request: Request,
    db: DbSession,
    user: User,
    horse_id: str,
    *,
    category: str | None = None,
    horse_values: dict[str, str] | None = None,
    horse_errors: dict[str, str] | None = None,
    note_values: dict[str, str] | None = None,
    note_errors: dict[str, str] | None = None,
    photo_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    horse = await service.horse_detail(db, user, horse_id)
    filter_error = None
    try:
        timeline, _ = await service.timeline(db, user, horse_id, category, _TIMELINE)
    except InvalidCategory as error:
        filter_error = domain_errors(error, "category")["category"]
        timeline, _ = await service.timeline(db, user, horse_id, None, _TIMELINE)
        category = None
        status_code = max(status_code, 400)
    passports, _ = await service.list_passports(
        db, settings_of(request), user, horse_id, _PASSPORTS
    )
    if horse_values is None:
        horse_values = {
            "name": horse.name,
            "breed": horse.breed or "",
            "birthYear": str(horse.birth_year or ""),
            "color": horse.color or "",
            "gender": horse.gender or "",
            "specialNeeds": horse.special_needs or "",
        }
    context = {
        "horse": horse,
        "timeline": timeline,
        "category": category or "",
        "filter_error": filter_error,
        "passports": passports,
        "live_passports": [p for p in passports if not p.is_expired],
        "horse_values": horse_values,
        "horse_errors": horse_errors or {},
        "note_values": note_values or {"noteDate": today_local().isoformat()},
        "note_errors": note_errors or {},
        "photo_errors": photo_errors or {},
        "today": today_local().isoformat(),
        **_labels(),
    }
    return render(request, "horses/horse.html", context, status_code=status_code)


@router.get("/my/horses/{horse_id}", response_class=HTMLResponse)
async def horse_page(
    request: Request, db: DbSession, user: PageCustomer, horse_id: str, category: str | None = None
) -> HTMLResponse:
    return await _horse_page(request, db, user, horse_id, category=category)


def _optional_blank(values: dict[str, str]) -> dict[str, Any]:
    """An edit form sends every input: an emptied optional field clears it, an emptied name
    is refused (as null is by the API)."""
    changes: dict[str, Any] = dict(values)
    for name in HORSE_FIELDS:
        if name in changes and not changes[name].strip():
            changes[name] = None
    return changes


@router.post("/my/horses/{horse_id}", response_class=HTMLResponse)
async def edit_horse(
    request: Request, db: DbSession, user: PageCustomer, horse_id: str
) -> Response:
    values = values_of(await request.form(), HORSE_FIELDS)
    try:
        data = parse(HorseUpdate, _optional_blank(values))
        async with attempt(db):
            await service.edit_horse(db, user, horse_id, data)
    except FormInvalid as invalid:
        return await _horse_page(
            request, db, user, horse_id, horse_values=values, horse_errors=invalid.errors,
            status_code=422,
        )  # fmt: skip
    return redirect(f"/my/horses/{horse_id}", flash="horse-saved")


@router.post("/my/horses/{horse_id}/delete")
async def remove_horse(db: DbSession, user: PageCustomer, horse_id: str) -> Response:
    await service.remove_horse(db, user, horse_id)
    return redirect("/my/horses", flash="horse-removed")


@router.post("/my/horses/{horse_id}/notes", response_class=HTMLResponse)
async def add_note(request: Request, db: DbSession, user: PageCustomer, horse_id: str) -> Response:
    values = values_of(await request.form(), NOTE_FIELDS)
    try:
        data = parse(NoteIn, values)
        async with attempt(db):
            await service.add_note(db, user, horse_id, data)
    except FormInvalid as invalid:
        return await _horse_page(
            request, db, user, horse_id, note_values=values, note_errors=invalid.errors,
            status_code=422,
        )  # fmt: skip
    return redirect(f"/my/horses/{horse_id}#timeline", flash="note-added")


@router.post("/my/horses/{horse_id}/notes/{note_id}/delete")
async def remove_note(db: DbSession, user: PageCustomer, horse_id: str, note_id: str) -> Response:
    await service.remove_note(db, user, horse_id, note_id)
    return redirect(f"/my/horses/{horse_id}#timeline", flash="note-removed")


@router.post("/my/horses/{horse_id}/passport")
async def create_passport(
    request: Request, db: DbSession, user: PageCustomer, horse_id: str
) -> Response:
    await service.create_passport(db, settings_of(request), user, horse_id)
    return redirect(f"/my/horses/{horse_id}#passport", flash="passport-created")


@router.post("/my/horses/{horse_id}/passport/{passport_id}/revoke")
async def revoke_passport(
    db: DbSession, user: PageCustomer, horse_id: str, passport_id: str
) -> Response:
    await service.revoke_passport(db, user, horse_id, passport_id)
    return redirect(f"/my/horses/{horse_id}#passport", flash="passport-revoked")


@router.post("/my/horses/{horse_id}/photo", response_class=HTMLResponse)
async def upload_photo(
    request: Request, db: DbSession, user: PageCustomer, horse_id: str
) -> Response:
    try:
        async with attempt(db):
            await receive_upload(request, db, user, bucket="horses", entity_id=horse_id)
    except EquinetError as error:
        if error.status_code == 404:
            raise
        return await _horse_page(
            request, db, user, horse_id, photo_errors=domain_errors(error, "file"),
            status_code=error.status_code,
        )  # fmt: skip
    return redirect(f"/my/horses/{horse_id}", flash="photo-saved")


# --- the passport and the provider's view ----------------------------------------------------


@router.get("/passport/{token}", response_class=HTMLResponse)
async def public_passport(
    request: Request, db: DbSession, visitor: CurrentVisitor, token: str
) -> HTMLResponse:
    """Anyone with the link: the horse and its shared timeline, nothing about the owner."""
    passport = await service.public_passport(db, token)
    return render(
        request,
        "horses/passport.html",
        {"passport": passport, **_labels()},
        headers={"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"},
    )


@router.get("/provider/horses/{horse_id}", response_class=HTMLResponse)
async def provider_horse(
    request: Request, db: DbSession, account: PageProvider, horse_id: str,
    category: str | None = None,
) -> HTMLResponse:  # fmt: skip
    """A customer's horse as its provider sees it: the shared categories only."""
    horse = await service.horse_for_provider(db, account.user, horse_id)
    try:
        timeline, _ = await service.timeline(db, account.user, horse_id, category, _TIMELINE)
    except InvalidCategory:
        timeline, _ = await service.timeline(db, account.user, horse_id, None, _TIMELINE)
        category = None
    context = {
        "horse": horse,
        "horse_id": horse_id,
        "timeline": timeline,
        "category": category or "",
        **_labels(),
    }
    return render(request, "horses/provider_horse.html", context)
