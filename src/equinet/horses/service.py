"""Horse rules: owners manage their horses and notes; a provider with a booking for a horse and
anyone holding a live passport link see the shared part of its timeline, nothing more.

Services flush, never commit. A page calls these functions exactly as the API router does.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.horses import repository
from equinet.horses.exceptions import (
    HorseNotFound,
    InvalidCategory,
    NoteNotFound,
    PassportExpired,
    PassportNotFound,
)
from equinet.horses.schemas import (
    LEGACY_CATEGORIES,
    NOTE_CATEGORIES,
    BookingEvent,
    HorseBooking,
    HorseBookingProvider,
    HorseBookingService,
    HorseDetail,
    HorseIn,
    HorseOut,
    HorseUpdate,
    NoteAuthor,
    NoteEvent,
    NoteIn,
    NoteOut,
    NoteUpdate,
    PassportCreated,
    PassportHorse,
    PassportLink,
    PublicPassport,
)
from equinet.kit.dates import booking_date_column, date_of_booking_column, today_local
from equinet.kit.pagination import PageRequest
from equinet.models import Horse, HorsePassportToken, User
from equinet.settings import Settings

PASSPORT_DAYS = 30
RECENT_BOOKINGS = 20
# 32 random bytes: 256 bits, URL-safe (43 characters).
PASSPORT_TOKEN_BYTES = 32


def parse_category(raw: str | None) -> str | None:
    """The `?category=` filter: empty means none; an unknown value is a 400, not ignored."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if value not in NOTE_CATEGORIES and value not in LEGACY_CATEGORIES:
        raise InvalidCategory()
    return value


async def _owned(db: AsyncSession, user: User, horse_id: str) -> Horse:
    horse = await repository.owned_horse(db, horse_id, user.id)
    if horse is None:
        raise HorseNotFound()
    return horse


async def list_horses(
    db: AsyncSession, user: User, page: PageRequest
) -> tuple[list[HorseOut], bool]:
    """A page of the user's active horses by name: also what the booking flow offers."""
    rows, has_more = page.cut(
        await repository.active_horses(db, user.id, limit=page.fetch, offset=page.offset)
    )
    return [HorseOut.model_validate(h) for h in rows], has_more


async def register_horse(db: AsyncSession, user: User, data: HorseIn) -> HorseOut:
    horse = await repository.insert_horse(db, user.id, data.model_dump(by_alias=False))
    return HorseOut.model_validate(horse)


async def horse_detail(db: AsyncSession, user: User, horse_id: str) -> HorseDetail:
    horse = await _owned(db, user, horse_id)
    rows = await repository.horse_bookings(db, horse.id, limit=RECENT_BOOKINGS)
    return HorseDetail(
        **{name: getattr(horse, name) for name in HorseOut.model_fields},
        bookings=[
            HorseBooking(
                id=r.id,
                booking_date=date_of_booking_column(r.booking_date),
                start_time=r.start_time,
                end_time=r.end_time,
                status=r.status,
                customer_notes=r.customer_notes,
                provider=HorseBookingProvider(business_name=r.provider_name),
                service=HorseBookingService(name=r.service_name),
            )
            for r in rows
        ],
    )


async def edit_horse(db: AsyncSession, user: User, horse_id: str, data: HorseUpdate) -> HorseOut:
    changes = data.model_dump(by_alias=False, exclude_unset=True)
    if not changes:
        return HorseOut.model_validate(await _owned(db, user, horse_id))
    horse = await repository.update_horse(db, horse_id, user.id, changes)
    if horse is None:
        raise HorseNotFound()
    return HorseOut.model_validate(horse)


async def remove_horse(db: AsyncSession, user: User, horse_id: str) -> None:
    if not await repository.deactivate_horse(db, horse_id, user.id):
        raise HorseNotFound()


def _note_out(row: Any) -> NoteOut:
    note = row.HorseNote
    return NoteOut(
        id=note.id,
        horse_id=note.horse_id,
        author_id=note.author_id,
        category=note.category,
        title=note.title,
        content=note.content,
        note_date=date_of_booking_column(note.note_date),
        created_at=note.created_at,
        updated_at=note.updated_at,
        author=NoteAuthor(first_name=row.author_first_name, last_name=row.author_last_name),
    )


async def list_notes(
    db: AsyncSession, user: User, horse_id: str, category: str | None, page: PageRequest
) -> tuple[list[NoteOut], bool]:
    await _owned(db, user, horse_id)
    rows, has_more = page.cut(
        await repository.owned_notes(
            db,
            horse_id,
            user.id,
            parse_category(category),
            limit=page.fetch,
            offset=page.offset,
        )
    )
    return [_note_out(row) for row in rows], has_more


def _note_values(data: NoteIn | NoteUpdate, *, partial: bool) -> dict[str, Any]:
    values = data.model_dump(by_alias=False, exclude_unset=partial)
    if "note_date" in values:
        values["note_date"] = booking_date_column(values["note_date"])
    return values


async def _note(db: AsyncSession, user: User, horse_id: str, note_id: str) -> NoteOut:
    row = await repository.owned_note(db, horse_id, note_id, user.id)
    if row is None:
        raise NoteNotFound()
    return _note_out(row)


async def add_note(db: AsyncSession, user: User, horse_id: str, data: NoteIn) -> NoteOut:
    """Only the owner writes notes; a provider's view is read-only."""
    await _owned(db, user, horse_id)
    note_id = await repository.insert_note(db, horse_id, user.id, _note_values(data, partial=False))
    return await _note(db, user, horse_id, note_id)


async def edit_note(
    db: AsyncSession, user: User, horse_id: str, note_id: str, data: NoteUpdate
) -> NoteOut:
    await _owned(db, user, horse_id)
    values = _note_values(data, partial=True)
    if values and not await repository.update_note(db, horse_id, note_id, user.id, values):
        raise NoteNotFound()
    return await _note(db, user, horse_id, note_id)


async def remove_note(db: AsyncSession, user: User, horse_id: str, note_id: str) -> None:
    await _owned(db, user, horse_id)
    if not await repository.delete_note(db, horse_id, note_id, user.id):
        raise NoteNotFound()


def _full_name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


def _merge(
    bookings: Sequence[Any], notes: Sequence[Any], *, as_owner: bool, with_authors: bool
) -> list[BookingEvent | NoteEvent]:
    items: list[BookingEvent | NoteEvent] = [
        BookingEvent(
            id=r.id,
            date=date_of_booking_column(r.booking_date),
            title=r.service_name,
            provider_name=r.provider_name,
            status=r.status,
            notes=r.customer_notes if as_owner else None,
        )
        for r in bookings
    ]
    items.extend(
        NoteEvent(
            id=r.HorseNote.id,
            date=date_of_booking_column(r.HorseNote.note_date),
            title=r.HorseNote.title,
            category=r.HorseNote.category,
            content=r.HorseNote.content,
            author_name=(
                _full_name(r.author_first_name, r.author_last_name) if with_authors else None
            ),
        )
        for r in notes
    )
    items.sort(key=lambda item: item.date, reverse=True)
    return items


async def timeline(
    db: AsyncSession, user: User, horse_id: str, category: str | None, page: PageRequest
) -> tuple[list[BookingEvent | NoteEvent], bool]:
    """A page of the timeline. The owner sees every note; a provider with a booking for the
    horse sees the shared categories only, whatever filter they pass. A category filter
    leaves bookings out."""
    wanted = parse_category(category)
    horse = await repository.owned_horse(db, horse_id, user.id)
    as_owner = horse is not None
    if horse is None:
        horse = await repository.horse_seen_by_provider(db, horse_id, user.id)
        if horse is None:
            raise HorseNotFound()
    # Two sources merged by date: the page's rows lie within the first `offset + fetch` of each.
    reach = page.offset + page.fetch
    notes = await repository.timeline_notes(
        db, horse.id, shared_only=not as_owner, category=wanted, limit=reach
    )
    bookings = (
        []
        if wanted
        else await repository.horse_bookings(db, horse.id, completed_only=True, limit=reach)
    )
    return page.slice(_merge(bookings, notes, as_owner=as_owner, with_authors=True))


def _passport_horse(horse: Horse, now: datetime | None = None) -> PassportHorse:
    this_year = today_local(now).year
    return PassportHorse(
        name=horse.name,
        breed=horse.breed,
        birth_year=horse.birth_year,
        age=this_year - horse.birth_year if horse.birth_year else None,
        color=horse.color,
        gender=horse.gender,
        special_needs=horse.special_needs,
    )


async def horse_for_provider(db: AsyncSession, user: User, horse_id: str) -> PassportHorse:
    """The horse as a provider with a booking for it sees it: no owner data (else 404)."""
    horse = await repository.horse_seen_by_provider(db, horse_id, user.id)
    if horse is None:
        raise HorseNotFound()
    return _passport_horse(horse)


def passport_url(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/passport/{token}"


def _link(settings: Settings, passport: HorsePassportToken, now: datetime) -> PassportLink:
    return PassportLink(
        id=passport.id,
        url=passport_url(settings, passport.token),
        created_at=passport.created_at,
        expires_at=passport.expires_at,
        is_expired=passport.expires_at <= now,
    )


async def create_passport(
    db: AsyncSession, settings: Settings, user: User, horse_id: str
) -> PassportCreated:
    await _owned(db, user, horse_id)
    token = secrets.token_urlsafe(PASSPORT_TOKEN_BYTES)
    expires_at = utcnow() + timedelta(days=PASSPORT_DAYS)
    passport = await repository.insert_passport(db, horse_id, token, expires_at)
    return PassportCreated(
        id=passport.id,
        token=token,
        url=passport_url(settings, token),
        expires_at=passport.expires_at,
    )


async def list_passports(
    db: AsyncSession, settings: Settings, user: User, horse_id: str, page: PageRequest
) -> tuple[list[PassportLink], bool]:
    await _owned(db, user, horse_id)
    now = utcnow()
    rows, has_more = page.cut(
        await repository.passports(db, horse_id, limit=page.fetch, offset=page.offset)
    )
    return [_link(settings, p, now) for p in rows], has_more


async def revoke_passport(db: AsyncSession, user: User, horse_id: str, passport_id: str) -> None:
    if not await repository.delete_passport(db, horse_id, passport_id, user.id):
        raise PassportNotFound()


async def public_passport(
    db: AsyncSession, token: str, *, now: datetime | None = None
) -> PublicPassport:
    """What a passport link shows: the horse and its shared timeline; no owner data."""
    found = await repository.passport_by_token(db, token)
    if found is None:
        raise PassportNotFound()
    passport, horse = found
    if passport.expires_at <= (now or utcnow()):
        raise PassportExpired()
    if not horse.is_active:
        raise HorseNotFound()
    notes = await repository.timeline_notes(db, horse.id, shared_only=True, category=None)
    bookings = await repository.horse_bookings(db, horse.id, completed_only=True)
    return PublicPassport(
        horse=_passport_horse(horse, now),
        timeline=_merge(bookings, notes, as_owner=False, with_authors=False),
        expires_at=passport.expires_at,
    )


@dataclass(frozen=True)
class HorseRecord:
    """Everything the owner may export about one horse."""

    horse: Horse
    bookings: Sequence[Any]
    notes: Sequence[Any]
    exported_at: datetime


async def horse_record(db: AsyncSession, user: User, horse_id: str) -> HorseRecord:
    horse = await _owned(db, user, horse_id)
    return HorseRecord(
        horse=horse,
        bookings=await repository.horse_bookings(db, horse.id),
        notes=await repository.timeline_notes(db, horse.id, shared_only=False, category=None),
        exported_at=utcnow(),
    )
