"""`/api/horses`: the owner's horses, notes, timeline, passport links and exports; and
`/api/passport/{token}`, the public read of a passport link."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from equinet.accounts.dependencies import CurrentUser
from equinet.db.session import DbSession
from equinet.horses import export, service
from equinet.horses.exceptions import InvalidExportFormat
from equinet.horses.schemas import (
    HorseDetail,
    HorseIn,
    HorseOut,
    HorseUpdate,
    Message,
    NoteIn,
    NoteOut,
    NoteUpdate,
    PassportCreated,
    PassportLink,
    PublicPassport,
    TimelineItem,
)
from equinet.kit.i18n import _
from equinet.kit.pagination import PageRequest, paged, paginated
from equinet.kit.rate_limit_routes import limit_route
from equinet.settings import settings_of

router = APIRouter(prefix="/api/horses", tags=["horses"])
passport_router = APIRouter(prefix="/api/passport", tags=["horses"])

limit_route("GET", "/api/horses", "api")
limit_route("GET", "/api/horses/{horse_id}", "api")
limit_route("POST", "/api/horses/{horse_id}/passport", "api")
limit_route("GET", "/api/horses/{horse_id}/export", "api")
limit_route("GET", "/api/passport/{token}", "api")

Category = Annotated[
    str | None,
    Query(description="veterinary, farrier, medication, training or other"),
]


HorsePage = Annotated[PageRequest, Depends(paginated(default=100, cap=100))]
NotePage = Annotated[PageRequest, Depends(paginated(default=50, cap=200))]
PassportPage = Annotated[PageRequest, Depends(paginated(default=50, cap=100))]


@router.get("", summary="My active horses, by name (also the booking form's choices)")
async def list_horses(
    request: Request, response: Response, db: DbSession, user: CurrentUser, page: HorsePage
) -> list[HorseOut]:
    return paged(response, request, page, await service.list_horses(db, user, page))


@router.post("", status_code=201, summary="Register a horse")
async def register_horse(db: DbSession, user: CurrentUser, body: HorseIn) -> HorseOut:
    return await service.register_horse(db, user, body)


@router.get("/{horse_id}", summary="One of my horses with its 20 latest bookings")
async def horse_detail(db: DbSession, user: CurrentUser, horse_id: str) -> HorseDetail:
    return await service.horse_detail(db, user, horse_id)


@router.put("/{horse_id}", summary="Change one of my horses (only the fields sent)")
async def edit_horse(
    db: DbSession, user: CurrentUser, horse_id: str, body: HorseUpdate
) -> HorseOut:
    return await service.edit_horse(db, user, horse_id, body)


@router.delete("/{horse_id}", summary="Remove one of my horses (kept for its bookings)")
async def remove_horse(db: DbSession, user: CurrentUser, horse_id: str) -> Message:
    await service.remove_horse(db, user, horse_id)
    return Message(message=_("Hästen har tagits bort"))


@router.get("/{horse_id}/notes", summary="My horse's notes, newest first")
async def list_notes(
    request: Request,
    response: Response,
    db: DbSession,
    user: CurrentUser,
    horse_id: str,
    page: NotePage,
    category: Category = None,
) -> list[NoteOut]:
    return paged(
        response, request, page, await service.list_notes(db, user, horse_id, category, page)
    )


@router.post("/{horse_id}/notes", status_code=201, summary="Add a note to my horse")
async def add_note(db: DbSession, user: CurrentUser, horse_id: str, body: NoteIn) -> NoteOut:
    return await service.add_note(db, user, horse_id, body)


@router.put("/{horse_id}/notes/{note_id}", summary="Change a note (only the fields sent)")
async def edit_note(
    db: DbSession, user: CurrentUser, horse_id: str, note_id: str, body: NoteUpdate
) -> NoteOut:
    return await service.edit_note(db, user, horse_id, note_id, body)


@router.delete("/{horse_id}/notes/{note_id}", summary="Delete a note")
async def remove_note(db: DbSession, user: CurrentUser, horse_id: str, note_id: str) -> Message:
    await service.remove_note(db, user, horse_id, note_id)
    return Message(message=_("Anteckningen har tagits bort"))


@router.get(
    "/{horse_id}/timeline",
    summary="Notes and completed visits, newest first (a provider sees the shared ones only)",
)
async def timeline(
    request: Request,
    response: Response,
    db: DbSession,
    user: CurrentUser,
    horse_id: str,
    page: NotePage,
    category: Category = None,
) -> list[TimelineItem]:
    return paged(
        response, request, page, await service.timeline(db, user, horse_id, category, page)
    )


@router.post("/{horse_id}/passport", status_code=201, summary="Create a passport link (30 days)")
async def create_passport(
    request: Request, db: DbSession, user: CurrentUser, horse_id: str
) -> PassportCreated:
    return await service.create_passport(db, settings_of(request), user, horse_id)


@router.get("/{horse_id}/passport", summary="My horse's passport links")
async def list_passports(
    request: Request,
    response: Response,
    db: DbSession,
    user: CurrentUser,
    horse_id: str,
    page: PassportPage,
) -> list[PassportLink]:
    listed = await service.list_passports(db, settings_of(request), user, horse_id, page)
    return paged(response, request, page, listed)


@router.delete("/{horse_id}/passport/{passport_id}", summary="Revoke a passport link")
async def revoke_passport(
    db: DbSession, user: CurrentUser, horse_id: str, passport_id: str
) -> Message:
    await service.revoke_passport(db, user, horse_id, passport_id)
    return Message(message=_("Hästpasslänken har återkallats"))


@router.get(
    "/{horse_id}/export",
    summary="My horse's whole record as JSON (default), CSV or a printable PDF",
    responses={
        200: {
            "content": {"application/json": {}, "text/csv": {}, "application/pdf": {}},
        }
    },
)
async def export_horse(
    db: DbSession,
    user: CurrentUser,
    horse_id: str,
    format: Annotated[str, Query(description="json, csv or pdf")] = "json",
) -> Response:
    if format not in ("json", "csv", "pdf"):
        raise InvalidExportFormat()
    record = await service.horse_record(db, user, horse_id)
    if format == "json":
        return Response(
            json.dumps(export.to_json(record), ensure_ascii=False),
            media_type="application/json",
        )
    name = export.filename(record, format)
    # The plain name for old clients, the exact one (å, ä, ö) in RFC 6266's filename*.
    fallback = name.encode("ascii", errors="replace").decode().replace("?", "-")
    kind = "inline" if format == "pdf" else "attachment"
    disposition = f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    if format == "csv":
        return Response(
            export.to_csv(record).encode(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )
    return Response(
        export.to_pdf(record),
        media_type="application/pdf",
        headers={"Content-Disposition": disposition},
    )


@passport_router.get("/{token}", summary="A horse passport: the horse and its shared timeline")
async def public_passport(db: DbSession, token: str) -> PublicPassport:
    return await service.public_passport(db, token)
