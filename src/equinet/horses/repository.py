"""All SQL of horses: every read and write of an owned row names the owner in its WHERE."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import new_cuid, new_uuid, utcnow
from equinet.horses.schemas import SHARED_CATEGORIES
from equinet.models import Booking, Horse, HorseNote, HorsePassportToken, Provider, Service, User


def _owned(horse_id: str, owner_id: str) -> Any:
    return (Horse.id == horse_id, Horse.owner_id == owner_id, Horse.is_active.is_(True))


async def active_horses(
    db: AsyncSession, owner_id: str, *, limit: int, offset: int = 0
) -> Sequence[Horse]:
    statement = (
        select(Horse)
        .where(Horse.owner_id == owner_id, Horse.is_active.is_(True))
        .order_by(Horse.name, Horse.id)
        .limit(limit)
        .offset(offset)
    )
    return (await db.scalars(statement)).all()


async def insert_horse(db: AsyncSession, owner_id: str, values: dict[str, Any]) -> Horse:
    now = utcnow()
    horse = Horse(id=new_uuid(), owner_id=owner_id, created_at=now, updated_at=now, **values)
    db.add(horse)
    await db.flush()
    return horse


async def owned_horse(db: AsyncSession, horse_id: str, owner_id: str) -> Horse | None:
    return await db.scalar(select(Horse).where(*_owned(horse_id, owner_id)))


async def update_horse(
    db: AsyncSession, horse_id: str, owner_id: str, values: dict[str, Any]
) -> Horse | None:
    statement = (
        update(Horse)
        .where(*_owned(horse_id, owner_id))
        .values(**values, updated_at=utcnow())
        .returning(Horse)
        .execution_options(synchronize_session=False)
    )
    return (await db.scalars(statement)).first()


async def deactivate_horse(db: AsyncSession, horse_id: str, owner_id: str) -> bool:
    """Soft delete; the horse's passport links die with it (a later undelete revives none)."""
    statement = (
        update(Horse)
        .where(*_owned(horse_id, owner_id))
        .values(is_active=False, updated_at=utcnow())
        .returning(Horse.id)
    )
    if (await db.execute(statement)).first() is None:
        return False
    await db.execute(delete(HorsePassportToken).where(HorsePassportToken.horse_id == horse_id))
    return True


def _booking_columns() -> Any:
    return (
        select(
            Booking.id,
            Booking.booking_date,
            Booking.start_time,
            Booking.end_time,
            Booking.status,
            Booking.customer_notes,
            Service.name.label("service_name"),
            Provider.business_name.label("provider_name"),
        )
        .select_from(Booking)
        .join(Service, Service.id == Booking.service_id)
        .join(Provider, Provider.id == Booking.provider_id)
    )


async def horse_bookings(
    db: AsyncSession,
    horse_id: str,
    *,
    completed_only: bool = False,
    limit: int | None = None,
) -> Sequence[Any]:
    statement = _booking_columns().where(Booking.horse_id == horse_id)
    if completed_only:
        statement = statement.where(Booking.status == "completed")
    statement = statement.order_by(
        Booking.booking_date.desc(), Booking.start_time.desc(), Booking.id
    )
    if limit is not None:
        statement = statement.limit(limit)
    return (await db.execute(statement)).all()


def _note_columns() -> Any:
    return select(
        HorseNote,
        User.first_name.label("author_first_name"),
        User.last_name.label("author_last_name"),
    ).join(User, User.id == HorseNote.author_id)


async def owned_notes(
    db: AsyncSession,
    horse_id: str,
    owner_id: str,
    category: str | None,
    *,
    limit: int,
    offset: int = 0,
) -> Sequence[Any]:
    statement = (
        _note_columns()
        .join(Horse, Horse.id == HorseNote.horse_id)
        .where(*_owned(horse_id, owner_id))
    )
    if category is not None:
        statement = statement.where(HorseNote.category == category)
    statement = statement.order_by(
        HorseNote.note_date.desc(), HorseNote.created_at.desc(), HorseNote.id
    )
    return (await db.execute(statement.limit(limit).offset(offset))).all()


async def timeline_notes(
    db: AsyncSession,
    horse_id: str,
    *,
    shared_only: bool,
    category: str | None,
    limit: int | None = None,
) -> Sequence[Any]:
    """A horse's notes, newest first. `shared_only` keeps the shared categories whatever
    `category` asks for: the privacy rule is part of the query, not of the caller."""
    statement = _note_columns().where(HorseNote.horse_id == horse_id)
    if shared_only:
        statement = statement.where(HorseNote.category.in_(SHARED_CATEGORIES))
    if category is not None:
        statement = statement.where(HorseNote.category == category)
    statement = statement.order_by(
        HorseNote.note_date.desc(), HorseNote.created_at.desc(), HorseNote.id
    )
    if limit is not None:
        statement = statement.limit(limit)
    return (await db.execute(statement)).all()


async def horse_seen_by_provider(db: AsyncSession, horse_id: str, user_id: str) -> Horse | None:
    """The active horse, if `user_id` is the provider on any booking of it."""
    has_booking = (
        exists()
        .where(Booking.horse_id == Horse.id)
        .where(Provider.id == Booking.provider_id, Provider.user_id == user_id)
    )
    statement = select(Horse).where(Horse.id == horse_id, Horse.is_active.is_(True), has_booking)
    return await db.scalar(statement)


async def insert_note(
    db: AsyncSession, horse_id: str, author_id: str, values: dict[str, Any]
) -> str:
    note_id = new_uuid()
    now = utcnow()
    await db.execute(
        insert(HorseNote).values(
            id=note_id,
            horse_id=horse_id,
            author_id=author_id,
            created_at=now,
            updated_at=now,
            **values,
        )
    )
    return note_id


async def owned_note(db: AsyncSession, horse_id: str, note_id: str, owner_id: str) -> Any:
    statement = (
        _note_columns()
        .join(Horse, Horse.id == HorseNote.horse_id)
        .where(HorseNote.id == note_id, HorseNote.horse_id == horse_id)
        .where(*_owned(horse_id, owner_id))
    )
    return (await db.execute(statement)).first()


def _note_of_owned_horse(horse_id: str, note_id: str, owner_id: str) -> Any:
    return (
        HorseNote.id == note_id,
        HorseNote.horse_id == horse_id,
        exists().where(*_owned(horse_id, owner_id)),
    )


async def update_note(
    db: AsyncSession, horse_id: str, note_id: str, owner_id: str, values: dict[str, Any]
) -> bool:
    statement = (
        update(HorseNote)
        .where(*_note_of_owned_horse(horse_id, note_id, owner_id))
        .values(**values, updated_at=utcnow())
        .returning(HorseNote.id)
        .execution_options(synchronize_session=False)
    )
    return (await db.execute(statement)).first() is not None


async def delete_note(db: AsyncSession, horse_id: str, note_id: str, owner_id: str) -> bool:
    statement = (
        delete(HorseNote)
        .where(*_note_of_owned_horse(horse_id, note_id, owner_id))
        .returning(HorseNote.id)
        .execution_options(synchronize_session=False)
    )
    return (await db.execute(statement)).first() is not None


async def insert_passport(
    db: AsyncSession, horse_id: str, token: str, expires_at: datetime
) -> HorsePassportToken:
    passport = HorsePassportToken(
        id=new_cuid(), horse_id=horse_id, token=token, expires_at=expires_at, created_at=utcnow()
    )
    db.add(passport)
    await db.flush()
    return passport


async def passports(
    db: AsyncSession, horse_id: str, *, limit: int, offset: int = 0
) -> Sequence[HorsePassportToken]:
    statement = (
        select(HorsePassportToken)
        .where(HorsePassportToken.horse_id == horse_id)
        .order_by(HorsePassportToken.created_at.desc(), HorsePassportToken.id)
        .limit(limit)
        .offset(offset)
    )
    return (await db.scalars(statement)).all()


async def delete_passport(db: AsyncSession, horse_id: str, passport_id: str, owner_id: str) -> bool:
    statement = (
        delete(HorsePassportToken)
        .where(
            HorsePassportToken.id == passport_id,
            HorsePassportToken.horse_id == horse_id,
            exists().where(*_owned(horse_id, owner_id)),
        )
        .returning(HorsePassportToken.id)
        .execution_options(synchronize_session=False)
    )
    return (await db.execute(statement)).first() is not None


async def passport_by_token(db: AsyncSession, token: str) -> Any:
    statement = (
        select(HorsePassportToken, Horse)
        .join(Horse, Horse.id == HorsePassportToken.horse_id)
        .where(HorsePassportToken.token == token)
    )
    return (await db.execute(statement)).first()
