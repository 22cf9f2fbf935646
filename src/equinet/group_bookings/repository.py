"""All SQL of group visits: requests, participants, the provider's view of open requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.kit.geo import BoundingBox
from equinet.models import (
    GroupBookingParticipant,
    GroupBookingRequest,
    Horse,
    Provider,
    Service,
    User,
)

ACTIVE = ("joined", "booked")


async def add(db: AsyncSession, row: Any) -> Any:
    db.add(row)
    await db.flush()
    return row


async def provider_exists(db: AsyncSession, provider_id: str) -> bool:
    statement = select(exists().where(Provider.id == provider_id, Provider.is_active))
    return bool(await db.scalar(statement))


async def owns_active_horse(db: AsyncSession, horse_id: str, owner_id: str) -> bool:
    statement = select(
        exists().where(Horse.id == horse_id, Horse.owner_id == owner_id, Horse.is_active)
    )
    return bool(await db.scalar(statement))


def _active_participant(user_id: str) -> Any:
    return exists().where(
        GroupBookingParticipant.group_booking_request_id == GroupBookingRequest.id,
        GroupBookingParticipant.user_id == user_id,
        GroupBookingParticipant.status.in_(ACTIVE),
    )


def _member(user_id: str) -> Any:
    """The creator (while still taking part) or an active participant."""
    return _active_participant(user_id)


async def groups_of(
    db: AsyncSession, user_id: str, *, limit: int, offset: int = 0
) -> Sequence[GroupBookingRequest]:
    statement = (
        select(GroupBookingRequest)
        .where(_member(user_id))
        .order_by(GroupBookingRequest.created_at.desc(), GroupBookingRequest.id)
        .limit(limit)
        .offset(offset)
    )
    return (await db.scalars(statement)).all()


async def group_for_member(
    db: AsyncSession, group_id: str, user_id: str, provider_id: str | None
) -> GroupBookingRequest | None:
    """The request if the caller takes part in it or is the provider it was matched with."""
    conditions = [_member(user_id), GroupBookingRequest.creator_id == user_id]
    if provider_id is not None:
        conditions.append(
            and_(
                GroupBookingRequest.provider_id == provider_id,
                GroupBookingRequest.status != "open",
            )
        )
    statement = select(GroupBookingRequest).where(
        GroupBookingRequest.id == group_id, or_(*conditions)
    )
    return await db.scalar(statement)


async def group_of_creator(
    db: AsyncSession, group_id: str, user_id: str, *, lock: bool = False
) -> GroupBookingRequest | None:
    statement = select(GroupBookingRequest).where(
        GroupBookingRequest.id == group_id, GroupBookingRequest.creator_id == user_id
    )
    if lock:
        statement = statement.with_for_update()
    return await db.scalar(statement)


async def group_by_code(db: AsyncSession, code: str) -> GroupBookingRequest | None:
    """Locked until the commit, so concurrent joins count the places one at a time."""
    statement = (
        select(GroupBookingRequest)
        .where(func.upper(GroupBookingRequest.invite_code) == code.upper())
        .with_for_update()
    )
    return await db.scalar(statement)


async def lock_group(db: AsyncSession, group_id: str) -> GroupBookingRequest | None:
    statement = (
        select(GroupBookingRequest).where(GroupBookingRequest.id == group_id).with_for_update()
    )
    return await db.scalar(statement)


async def participants(
    db: AsyncSession, group_ids: Sequence[str], *, active_only: bool = True
) -> dict[str, list[Any]]:
    if not group_ids:
        return {}
    statement = (
        select(GroupBookingParticipant, User.first_name, Horse.name.label("horse_rel_name"))
        .join(User, User.id == GroupBookingParticipant.user_id)
        .outerjoin(Horse, Horse.id == GroupBookingParticipant.horse_id)
        .where(GroupBookingParticipant.group_booking_request_id.in_(list(group_ids)))
        .order_by(GroupBookingParticipant.joined_at, GroupBookingParticipant.id)
    )
    if active_only:
        statement = statement.where(GroupBookingParticipant.status.in_(ACTIVE))
    grouped: dict[str, list[Any]] = {}
    for row in (await db.execute(statement)).all():
        grouped.setdefault(row.GroupBookingParticipant.group_booking_request_id, []).append(row)
    return grouped


async def participant_of(
    db: AsyncSession, group_id: str, user_id: str
) -> GroupBookingParticipant | None:
    statement = select(GroupBookingParticipant).where(
        GroupBookingParticipant.group_booking_request_id == group_id,
        GroupBookingParticipant.user_id == user_id,
    )
    return await db.scalar(statement)


async def active_count(db: AsyncSession, group_id: str) -> int:
    statement = select(func.count()).where(
        GroupBookingParticipant.group_booking_request_id == group_id,
        GroupBookingParticipant.status.in_(ACTIVE),
    )
    return int(await db.scalar(statement) or 0)


async def removable_participant(
    db: AsyncSession, group_id: str, participant_id: str, user_id: str
) -> tuple[GroupBookingParticipant, GroupBookingRequest] | None:
    """A joined participant the caller may remove: themself, or anyone if the creator."""
    statement = (
        select(GroupBookingParticipant, GroupBookingRequest)
        .join(
            GroupBookingRequest,
            GroupBookingRequest.id == GroupBookingParticipant.group_booking_request_id,
        )
        .where(
            GroupBookingParticipant.id == participant_id,
            GroupBookingParticipant.group_booking_request_id == group_id,
            GroupBookingParticipant.status == "joined",
            or_(
                GroupBookingParticipant.user_id == user_id,
                GroupBookingRequest.creator_id == user_id,
            ),
        )
        .with_for_update(of=GroupBookingRequest)
    )
    row = (await db.execute(statement)).first()
    return None if row is None else (row[0], row[1])


async def joined_participants(db: AsyncSession, group_id: str) -> Sequence[GroupBookingParticipant]:
    """Those to book, in the order they joined."""
    statement = (
        select(GroupBookingParticipant)
        .where(
            GroupBookingParticipant.group_booking_request_id == group_id,
            GroupBookingParticipant.status == "joined",
        )
        .order_by(GroupBookingParticipant.joined_at, GroupBookingParticipant.id)
    )
    return (await db.scalars(statement)).all()


async def open_groups_in_box(
    db: AsyncSession, box: BoundingBox, provider_id: str, ends_after: datetime
) -> Sequence[GroupBookingRequest]:
    """Open requests for any provider or for this one, inside the box."""
    statement = (
        select(GroupBookingRequest)
        .where(
            GroupBookingRequest.status == "open",
            GroupBookingRequest.date_to >= ends_after,
            or_(
                GroupBookingRequest.provider_id.is_(None),
                GroupBookingRequest.provider_id == provider_id,
            ),
            GroupBookingRequest.latitude.between(box.min_latitude, box.max_latitude),
            GroupBookingRequest.longitude.between(box.min_longitude, box.max_longitude),
        )
        .order_by(GroupBookingRequest.date_from, GroupBookingRequest.id)
    )
    return (await db.scalars(statement)).all()


async def service_names(db: AsyncSession, provider_id: str) -> set[str]:
    statement = select(Service.name).where(Service.provider_id == provider_id, Service.is_active)
    return {name.lower() for name in (await db.scalars(statement)).all()}


async def set_group(db: AsyncSession, group_id: str, **values: Any) -> None:
    await db.execute(
        update(GroupBookingRequest)
        .where(GroupBookingRequest.id == group_id)
        .values(updated_at=utcnow(), **values)
    )
