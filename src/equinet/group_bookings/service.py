"""Group visits: a customer opens a request at a stable, others join with its invite code, and a
provider in the area who offers the service matches it into one booking per participant.

Matching books every participant back to back through the booking service (the same rules
and provider lock as POST /api/bookings) while holding the request's row lock, so two
providers matching at once cannot both win, and any refused participant refuses the whole
match: nothing is written. A participant who left may join again; the list leaves out the
groups one has left.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.dependencies import ProviderAccount
from equinet.bookings import repository as booking_rows
from equinet.bookings import service as bookings
from equinet.db.base import utcnow
from equinet.group_bookings import repository
from equinet.group_bookings.exceptions import (
    AlreadyJoined,
    CapacityBelowParticipants,
    DateOutsideGroup,
    DeadlinePassed,
    GroupClosed,
    GroupFull,
    GroupMatchFailed,
    GroupNotEditable,
    GroupNotFound,
    GroupNotOpen,
    InvalidGroupDates,
    InvalidInviteCode,
    NoActiveParticipants,
    ParticipantNotFound,
    ServiceNotYours,
)
from equinet.group_bookings.schemas import GroupRequestIn, GroupUpdateIn, JoinIn, MatchIn
from equinet.horses.exceptions import HorseNotFound
from equinet.kit.dates import (
    booking_date_column,
    date_of_booking_column,
    format_date,
    format_hhmm,
    parse_hhmm,
    today_local,
)
from equinet.kit.errors import EquinetError, sqlstate_of
from equinet.kit.geo import bounding_box, haversine_km
from equinet.kit.pagination import PageRequest
from equinet.kit.timestamps import iso_utc
from equinet.models import GroupBookingParticipant, GroupBookingRequest, Provider, User
from equinet.notifications.service import notify
from equinet.providers.exceptions import ProviderNotFound
from equinet.routes.exceptions import AddressNotFound, ProviderLocationMissing
from equinet.settings import Settings

# 0/O and 1/I/L are left out so a code read aloud or from paper cannot be mistaken.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 8
INVITE_ATTEMPTS = 5
MAX_SPAN_DAYS = 30
DEFAULT_SERVICE_AREA_KM = 50.0
GROUPS_LINK = "/customer/group-bookings"
CUSTOMER_BOOKINGS_LINK = "/customer/bookings"


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def _naive_utc(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _day(value: datetime) -> str:
    return format_date(date_of_booking_column(value))


def _participant_view(row: Any) -> dict[str, Any]:
    p: GroupBookingParticipant = row.GroupBookingParticipant
    return {
        "id": p.id,
        "userId": p.user_id,
        "numberOfHorses": p.number_of_horses,
        "horseId": p.horse_id,
        "horseName": p.horse_name,
        "horseInfo": p.horse_info,
        "notes": p.notes,
        "status": p.status,
        "bookingId": p.booking_id,
        "joinedAt": iso_utc(p.joined_at),
        # Other participants see a first name only.
        "user": {"firstName": row.first_name},
        "horse": {"name": row.horse_rel_name} if row.horse_rel_name else None,
    }


def group_view(group: GroupBookingRequest, rows: list[Any]) -> dict[str, Any]:
    return {
        "id": group.id,
        "creatorId": group.creator_id,
        "serviceType": group.service_type,
        "providerId": group.provider_id,
        "locationName": group.location_name,
        "address": group.address,
        "latitude": group.latitude,
        "longitude": group.longitude,
        "dateFrom": _day(group.date_from),
        "dateTo": _day(group.date_to),
        "notes": group.notes,
        "maxParticipants": group.max_participants,
        "status": group.status,
        "inviteCode": group.invite_code,
        "joinDeadline": iso_utc(group.join_deadline),
        "createdAt": iso_utc(group.created_at),
        "participants": [_participant_view(r) for r in rows],
        "participantCount": len(rows),
    }


async def _check_horse(db: AsyncSession, horse_id: str | None, owner_id: str) -> None:
    if horse_id and not await repository.owns_active_horse(db, horse_id, owner_id):
        raise HorseNotFound()


async def _insert_with_fresh_code(db: AsyncSession, group: GroupBookingRequest) -> None:
    """Insert the request; a code that is already taken is drawn again."""
    for _ in range(INVITE_ATTEMPTS):
        group.invite_code = new_invite_code()
        try:
            async with db.begin_nested():
                db.add(group)
                await db.flush()
            return
        except sa_exc.IntegrityError as error:
            if sqlstate_of(error) != "23505" or "inviteCode" not in str(error.orig):
                raise
    raise EquinetError(
        "Kunde inte skapa en unik inbjudningskod. Försök igen.",
        code="INVITE_CODE_EXHAUSTED",
        status_code=503,
    )


async def create_group(
    db: AsyncSession, user: User, data: GroupRequestIn, *, now: datetime | None = None
) -> dict[str, Any]:
    today = today_local(now)
    if data.date_from < today:
        raise InvalidGroupDates("Startdatum måste vara i framtiden")
    if data.date_to < data.date_from:
        raise InvalidGroupDates("Slutdatum måste vara efter startdatum")
    if (data.date_to - data.date_from).days > MAX_SPAN_DAYS:
        raise InvalidGroupDates("Datumspann får inte överstiga 30 dagar")
    deadline = _naive_utc(data.join_deadline) if data.join_deadline else None
    if deadline is not None and deadline > booking_date_column(data.date_to + timedelta(days=1)):
        raise InvalidGroupDates("Sista anmälningsdag måste vara senast sista dagen för besöket")
    if data.provider_id is not None and not await repository.provider_exists(db, data.provider_id):
        raise ProviderNotFound()
    await _check_horse(db, data.horse_id, user.id)
    latitude, longitude = data.latitude, data.longitude
    if latitude is None or longitude is None:
        latitude, longitude = user.latitude, user.longitude
    if latitude is None or longitude is None:
        raise AddressNotFound(
            details=f'Adressen "{data.address}" saknar koordinater. Ange latitud och longitud.'
        )
    group = GroupBookingRequest(
        creator_id=user.id,
        service_type=data.service_type,
        provider_id=data.provider_id,
        location_name=data.location_name,
        address=data.address,
        latitude=float(latitude),
        longitude=float(longitude),
        date_from=booking_date_column(data.date_from),
        date_to=booking_date_column(data.date_to),
        notes=data.notes,
        max_participants=data.max_participants,
        status="open",
        join_deadline=deadline,
    )
    await _insert_with_fresh_code(db, group)
    await repository.add(
        db,
        GroupBookingParticipant(
            group_booking_request_id=group.id,
            user_id=user.id,
            number_of_horses=data.number_of_horses,
            horse_id=data.horse_id,
            horse_name=data.horse_name,
            horse_info=data.horse_info,
            status="joined",
        ),
    )
    return await _view(db, group)


async def _view(db: AsyncSession, group: GroupBookingRequest) -> dict[str, Any]:
    rows = (await repository.participants(db, [group.id])).get(group.id, [])
    return group_view(group, rows)


async def my_groups(
    db: AsyncSession, user: User, page: PageRequest
) -> tuple[list[dict[str, Any]], bool]:
    groups, has_more = page.cut(
        await repository.groups_of(db, user.id, limit=page.fetch, offset=page.offset)
    )
    rows = await repository.participants(db, [g.id for g in groups])
    return [group_view(g, rows.get(g.id, [])) for g in groups], has_more


async def group_detail(
    db: AsyncSession, user: User, provider: Provider | None, group_id: str
) -> dict[str, Any]:
    group = await repository.group_for_member(
        db, group_id, user.id, provider.id if provider else None
    )
    if group is None and provider is not None:
        group = await _available_group(db, provider, group_id)
    if group is None:
        raise GroupNotFound()
    return await _view(db, group)


async def update_group(
    db: AsyncSession, user: User, group_id: str, data: GroupUpdateIn
) -> dict[str, Any]:
    group = await repository.group_of_creator(db, group_id, user.id, lock=True)
    if group is None:
        raise GroupNotFound()
    if group.status != "open":
        raise GroupNotEditable()
    values: dict[str, Any] = {}
    if data.notes is not None:
        values["notes"] = data.notes
    if data.max_participants is not None:
        if data.max_participants < await repository.active_count(db, group.id):
            raise CapacityBelowParticipants()
        values["max_participants"] = data.max_participants
    if data.join_deadline is not None:
        values["join_deadline"] = _naive_utc(data.join_deadline)
    if data.status == "cancelled":
        values["status"] = "cancelled"
        for row in (await repository.participants(db, [group.id])).get(group.id, []):
            if row.GroupBookingParticipant.user_id != user.id:
                await notify(
                    db,
                    user_id=row.GroupBookingParticipant.user_id,
                    type="group_booking_cancelled",
                    message=f"Grupprequest för {group.service_type} har avbrutits",
                    link_url=GROUPS_LINK,
                    metadata={"groupBookingId": group.id},
                )
    if values:
        await repository.set_group(db, group.id, **values)
        await db.refresh(group)
    return await _view(db, group)


async def join(
    db: AsyncSession, user: User, data: JoinIn, *, now: datetime | None = None
) -> dict[str, Any]:
    group = await repository.group_by_code(db, data.invite_code)
    if group is None:
        raise InvalidInviteCode()
    if group.status != "open":
        raise GroupClosed()
    moment = _naive_utc(now) if now else utcnow()
    if group.join_deadline is not None and moment > group.join_deadline:
        raise DeadlinePassed()
    existing = await repository.participant_of(db, group.id, user.id)
    if existing is not None and existing.status in repository.ACTIVE:
        raise AlreadyJoined()
    if await repository.active_count(db, group.id) >= group.max_participants:
        raise GroupFull()
    await _check_horse(db, data.horse_id, user.id)
    fields = {
        "number_of_horses": data.number_of_horses,
        "horse_id": data.horse_id,
        "horse_name": data.horse_name,
        "horse_info": data.horse_info,
        "notes": data.notes,
        "status": "joined",
    }
    if existing is not None:  # left earlier: the same row takes part again
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.joined_at = utcnow()
        participant = existing
        await db.flush()
    else:
        participant = await repository.add(
            db,
            GroupBookingParticipant(group_booking_request_id=group.id, user_id=user.id, **fields),
        )
    if group.creator_id != user.id:
        await notify(
            db,
            user_id=group.creator_id,
            type="group_booking_joined",
            message=f"En ny deltagare har gått med i din grupprequest för {group.service_type}",
            link_url=f"{GROUPS_LINK}/{group.id}",
            metadata={"groupBookingId": group.id},
        )
    return {
        "id": participant.id,
        "groupBookingRequestId": group.id,
        "userId": user.id,
        "numberOfHorses": participant.number_of_horses,
        "horseId": participant.horse_id,
        "horseName": participant.horse_name,
        "status": participant.status,
        "joinedAt": iso_utc(participant.joined_at),
    }


async def remove_participant(
    db: AsyncSession, user: User, group_id: str, participant_id: str
) -> dict[str, str]:
    found = await repository.removable_participant(db, group_id, participant_id, user.id)
    if found is None:
        raise ParticipantNotFound()
    participant, group = found
    participant.status = "cancelled"
    await db.flush()
    if await repository.active_count(db, group.id) == 0:
        await repository.set_group(db, group.id, status="cancelled")
    if group.creator_id == user.id and participant.user_id != user.id:
        await notify(
            db,
            user_id=participant.user_id,
            type="group_booking_left",
            message=f"Du har tagits bort från grupprequesten för {group.service_type}",
            link_url=GROUPS_LINK,
            metadata={"groupBookingId": group.id},
        )
    elif participant.user_id != group.creator_id:
        await notify(
            db,
            user_id=group.creator_id,
            type="group_booking_left",
            message=f"En deltagare har lämnat din grupprequest för {group.service_type}",
            link_url=f"{GROUPS_LINK}/{group.id}",
            metadata={"groupBookingId": group.id},
        )
    return {"message": "Deltagaren har lämnat grupprequesten"}


def _fits(provider: Provider, services: set[str], group: GroupBookingRequest) -> float | None:
    """The distance to the request if it is in the provider's area and services, else None."""
    if provider.latitude is None or provider.longitude is None:
        return None
    if group.latitude is None or group.longitude is None:
        return None
    if group.provider_id is not None and group.provider_id != provider.id:
        return None
    if group.service_type.lower() not in services:
        return None
    distance = haversine_km(provider.latitude, provider.longitude, group.latitude, group.longitude)
    area = float(provider.service_area_km or DEFAULT_SERVICE_AREA_KM)
    return distance if distance <= area else None


async def available_groups(
    db: AsyncSession, provider: Provider, page: PageRequest, *, now: datetime | None = None
) -> tuple[list[dict[str, Any]], bool]:
    """A page of the open groups the provider fits; the distance and services are checked
    here, so the page is cut after them (and only its groups' participants are read)."""
    if provider.latitude is None or provider.longitude is None:
        raise ProviderLocationMissing()
    area = float(provider.service_area_km or DEFAULT_SERVICE_AREA_KM)
    services = await repository.service_names(db, provider.id)
    candidates = await repository.open_groups_in_box(
        db,
        bounding_box(provider.latitude, provider.longitude, area),
        provider.id,
        booking_date_column(today_local(now)),
    )
    fitting, has_more = page.slice(
        [(g, d) for g in candidates if (d := _fits(provider, services, g)) is not None]
    )
    rows = await repository.participants(db, [g.id for g, _ in fitting])
    shown = []
    for group, distance in fitting:
        people = rows.get(group.id, [])
        shown.append(
            {
                "id": group.id,
                "serviceType": group.service_type,
                "locationName": group.location_name,
                "dateFrom": _day(group.date_from),
                "dateTo": _day(group.date_to),
                "notes": group.notes,
                "maxParticipants": group.max_participants,
                "participantCount": len(people),
                "numberOfHorses": sum(r.GroupBookingParticipant.number_of_horses for r in people),
                "distanceKm": round(distance, 1),
                "joinDeadline": iso_utc(group.join_deadline),
            }
        )
    return shown, has_more


async def _available_group(
    db: AsyncSession, provider: Provider, group_id: str
) -> GroupBookingRequest | None:
    group = await db.get(GroupBookingRequest, group_id)
    if group is None or group.status != "open":
        return None
    services = await repository.service_names(db, provider.id)
    return group if _fits(provider, services, group) is not None else None


async def match(
    db: AsyncSession,
    settings: Settings,
    account: ProviderAccount,
    group_id: str,
    data: MatchIn,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Book every joined participant back to back from `startTime`, or nobody."""
    provider = account.provider
    # The request's row lock first, then (inside the booking service) the provider's lock:
    # a second provider waits here and then finds the request matched.
    group = await repository.lock_group(db, group_id)
    services = await repository.service_names(db, provider.id)
    if group is None or group.status != "open" or _fits(provider, services, group) is None:
        raise GroupNotOpen()
    service = await booking_rows.service_with_provider(db, data.service_id)
    if service is None or service.provider_id != provider.id or not service.is_active:
        raise ServiceNotYours()
    if not (
        date_of_booking_column(group.date_from)
        <= data.booking_date
        <= date_of_booking_column(group.date_to)
    ):
        raise DateOutsideGroup()
    people = await repository.joined_participants(db, group.id)
    if not people:
        raise NoActiveParticipants()
    start = parse_hhmm(data.start_time)
    booked: list[str] = []
    for position, participant in enumerate(people):
        begins = format_hhmm(start + position * service.duration_minutes)
        try:
            row = await bookings.create_group_visit_booking(
                db,
                settings,
                provider=provider,
                service_id=service.id,
                customer_id=participant.user_id,
                day=data.booking_date,
                start_time=begins,
                horse_id=participant.horse_id,
                horse_name=participant.horse_name,
                horse_info=participant.horse_info,
                customer_notes=participant.notes,
                now=now,
            )
        except EquinetError as refused:
            # The request's transaction rolls back: no participant is booked.
            raise GroupMatchFailed(
                f"Deltagare {position + 1} kunde inte bokas kl {begins}: {refused.message}",
                status_code=refused.status_code,
                details={"participantId": participant.id, "reason": refused.code},
            ) from refused
        participant.status = "booked"
        participant.booking_id = row.id
        booked.append(row.id)
    await repository.set_group(db, group.id, status="matched", provider_id=provider.id)
    for participant in people:
        await notify(
            db,
            user_id=participant.user_id,
            type="group_booking_matched",
            message=f"Din grupprequest för {group.service_type} har matchats med en leverantör!",
            link_url=CUSTOMER_BOOKINGS_LINK,
            metadata={"groupBookingId": group.id},
        )
    await db.flush()
    return {
        "message": f"{len(booked)} bokningar skapade",
        "bookingsCreated": len(booked),
        "bookingIds": booked,
        "bookingDate": format_date(data.booking_date),
    }
