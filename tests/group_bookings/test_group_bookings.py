"""Group visits: invite codes, joining (capacity, deadline, rejoin), leaving, the list, the
provider's available list (area, services, targeted provider) and all-or-nothing matching."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.group_bookings import service as group_service
from equinet.models import Booking, GroupBookingParticipant, GroupBookingRequest, Notification
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop, read_outbox

MATCH_DAY = future_day(9)


def group_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "serviceType": "Skoning",
        "locationName": "Ridklubben",
        "address": "Ridvägen 8, Uppsala",
        "latitude": 59.87,
        "longitude": 17.66,
        "dateFrom": future_day(7).isoformat(),
        "dateTo": future_day(14).isoformat(),
        "maxParticipants": 3,
        "horseName": "Stjärna",
    }
    body.update(overrides)
    return body


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> Any:
    response = await client.post(
        "/api/group-bookings", json=group_body(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_creating_a_group_gives_an_invite_code_and_makes_the_creator_a_participant(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    creator = await factories.customer(db_session, first_name="Ylva")
    group = await _create(client, await auth(db_session, creator, settings))

    code = group["inviteCode"]
    assert len(code) == 8 and set(code) <= set(group_service.INVITE_ALPHABET)
    assert [p["user"]["firstName"] for p in group["participants"]] == ["Ylva"]
    assert group["status"] == "open" and group["maxParticipants"] == 3


async def test_group_dates_and_place_are_checked(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    headers = await auth(db_session, await factories.customer(db_session), settings)
    for change, message in (
        ({"dateFrom": future_day(-1).isoformat()}, "Startdatum måste vara i framtiden"),
        ({"dateTo": future_day(6).isoformat()}, "Slutdatum måste vara efter startdatum"),
        ({"dateTo": future_day(40).isoformat()}, "Datumspann får inte överstiga 30 dagar"),
    ):
        response = await client.post(
            "/api/group-bookings", json=group_body(**change), headers=headers
        )
        assert response.status_code == 400 and response.json()["error"] == message
    nowhere = await client.post(
        "/api/group-bookings", json=group_body(latitude=None, longitude=None), headers=headers
    )
    assert nowhere.status_code == 400 and nowhere.json()["code"] == "ADDRESS_NOT_FOUND"
    someone_elses = await factories.horse(db_session)
    horse = await client.post(
        "/api/group-bookings", json=group_body(horseId=someone_elses.id), headers=headers
    )
    assert horse.status_code == 404


async def test_a_taken_invite_code_is_drawn_again(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await factories.group_booking_request(db_session, invite_code="TAKEN234")
    codes = iter(["TAKEN234", "FRESH567"])
    monkeypatch.setattr(group_service, "new_invite_code", lambda: next(codes))

    group = await _create(
        client, await auth(db_session, await factories.customer(db_session), settings)
    )

    assert group["inviteCode"] == "FRESH567"


async def test_joining_is_case_insensitive_counts_places_and_tells_the_creator(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    creator = await factories.customer(db_session)
    group = await _create(client, await auth(db_session, creator, settings), maxParticipants=2)
    first = await auth(db_session, await factories.customer(db_session), settings)
    second = await auth(db_session, await factories.customer(db_session), settings)
    code = group["inviteCode"].lower()

    joined = await client.post("/api/group-bookings/join", json={"inviteCode": code}, headers=first)
    again = await client.post("/api/group-bookings/join", json={"inviteCode": code}, headers=first)
    full = await client.post("/api/group-bookings/join", json={"inviteCode": code}, headers=second)
    unknown = await client.post(
        "/api/group-bookings/join", json={"inviteCode": "NOPE2345"}, headers=second
    )

    assert joined.status_code == 201, joined.text
    assert again.status_code == 409
    assert full.status_code == 400 and full.json()["error"] == "Grupprequesten är fullt belagd"
    assert unknown.status_code == 404
    note = await db_session.scalar(
        select(Notification.message).where(Notification.user_id == creator.id)
    )
    assert note == "En ny deltagare har gått med i din grupprequest för Skoning"


async def test_a_passed_deadline_or_a_closed_group_refuses_new_participants(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    late = await factories.group_booking_request(
        db_session, invite_code="LATE2345", join_deadline=utcnow() - timedelta(hours=1)
    )
    closed = await factories.group_booking_request(
        db_session, invite_code="SHUT2345", status="matched"
    )
    headers = await auth(db_session, await factories.customer(db_session), settings)
    assert late and closed
    for code, message in (
        ("LATE2345", "Anslutnings-deadline har passerat"),
        ("SHUT2345", "Grupprequesten är inte längre öppen för nya deltagare"),
    ):
        response = await client.post(
            "/api/group-bookings/join", json={"inviteCode": code}, headers=headers
        )
        assert response.status_code == 400 and response.json()["error"] == message


async def test_a_participant_who_left_is_not_listed_and_may_rejoin(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    creator = await factories.customer(db_session)
    as_creator = await auth(db_session, creator, settings)
    group = await _create(client, as_creator)
    member = await factories.customer(db_session)
    as_member = await auth(db_session, member, settings)
    joined = (await client.post(
        "/api/group-bookings/join", json={"inviteCode": group["inviteCode"]}, headers=as_member
    )).json()  # fmt: skip

    left = await client.delete(
        f"/api/group-bookings/{group['id']}/participants/{joined['id']}", headers=as_member
    )
    assert left.status_code == 200
    assert (await client.get("/api/group-bookings", headers=as_member)).json() == []
    assert (
        await client.get(f"/api/group-bookings/{group['id']}", headers=as_member)
    ).status_code == 404
    told = await db_session.scalar(
        select(Notification.message).where(
            Notification.user_id == creator.id, Notification.type == "group_booking_left"
        )
    )
    assert told == "En deltagare har lämnat din grupprequest för Skoning"

    back = await client.post(
        "/api/group-bookings/join",
        json={"inviteCode": group["inviteCode"], "horseName": "Pärla"},
        headers=as_member,
    )
    assert back.status_code == 201 and back.json()["id"] == joined["id"]
    listed = (await client.get("/api/group-bookings", headers=as_member)).json()
    assert [g["id"] for g in listed] == [group["id"]]
    assert {p["horseName"] for p in listed[0]["participants"]} == {"Stjärna", "Pärla"}

    removed = await client.delete(
        f"/api/group-bookings/{group['id']}/participants/{joined['id']}", headers=as_creator
    )
    assert removed.status_code == 200
    assert (
        await db_session.scalar(
            select(func.count()).where(
                Notification.user_id == member.id, Notification.type == "group_booking_left"
            )
        )
        == 1
    )
    # The last participant leaving cancels the request.
    creator_row = next(p for p in listed[0]["participants"] if p["userId"] == creator.id)["id"]
    await client.delete(
        f"/api/group-bookings/{group['id']}/participants/{creator_row}", headers=as_creator
    )
    status = await db_session.scalar(
        select(GroupBookingRequest.status).where(GroupBookingRequest.id == group["id"])
    )
    assert status == "cancelled"


async def test_the_creator_edits_within_limits_and_cancelling_tells_the_others(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    as_creator = await auth(db_session, await factories.customer(db_session), settings)
    group = await _create(client, as_creator)
    member = await factories.customer(db_session)
    await client.post(
        "/api/group-bookings/join",
        json={"inviteCode": group["inviteCode"]},
        headers=await auth(db_session, member, settings),
    )
    url = f"/api/group-bookings/{group['id']}"

    too_small = await client.put(url, json={"maxParticipants": 2}, headers=as_creator)
    ok = await client.put(url, json={"maxParticipants": 4, "notes": "Hagen"}, headers=as_creator)
    stranger = await auth(db_session, await factories.customer(db_session), settings)
    hijack = await client.put(url, json={"status": "cancelled"}, headers=stranger)
    cancelled = await client.put(url, json={"status": "cancelled"}, headers=as_creator)

    assert too_small.status_code == 200  # two are in: two places is still enough
    assert ok.status_code == 200 and ok.json()["notes"] == "Hagen"
    assert hijack.status_code == 404
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    one = await client.put(url, json={"maxParticipants": 3}, headers=as_creator)
    assert one.status_code == 409
    note = await db_session.scalar(
        select(Notification.message).where(Notification.user_id == member.id)
    )
    assert note == "Grupprequest för Skoning har avbrutits"


async def test_capacity_cannot_drop_below_the_participants(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    as_creator = await auth(db_session, await factories.customer(db_session), settings)
    group = await _create(client, as_creator, maxParticipants=5)
    for _ in range(2):
        await client.post(
            "/api/group-bookings/join",
            json={"inviteCode": group["inviteCode"]},
            headers=await auth(db_session, await factories.customer(db_session), settings),
        )
    response = await client.put(
        f"/api/group-bookings/{group['id']}", json={"maxParticipants": 2}, headers=as_creator
    )
    assert response.status_code == 400 and response.json()["code"] == "CAPACITY_BELOW_PARTICIPANTS"


async def test_available_groups_are_in_the_providers_area_for_its_services(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)  # Uppsala, 50 km, "Skoning"
    rival = await make_shop(db_session)
    creator = await factories.customer(db_session)
    fits = await factories.group_booking_request(
        db_session, creator, latitude=59.87, longitude=17.66
    )
    await factories.group_booking_request(db_session, creator, latitude=55.6, longitude=13.0)
    await factories.group_booking_request(
        db_session, creator, latitude=59.87, longitude=17.66, service_type="Tandvård"
    )
    for_rival = await factories.group_booking_request(
        db_session, creator, latitude=59.87, longitude=17.66, provider_id=rival.provider.id
    )

    own = await client.get(
        "/api/group-bookings/available",
        headers=await auth(db_session, shop.provider_user, settings),
    )
    theirs = await client.get(
        "/api/group-bookings/available",
        headers=await auth(db_session, rival.provider_user, settings),
    )

    assert own.status_code == 200, own.text
    assert [g["id"] for g in own.json()] == [fits.id]
    assert "Ridvägen" not in own.text  # the address is shown once matched
    assert {g["id"] for g in theirs.json()} == {fits.id, for_rival.id}
    as_shop = await auth(db_session, shop.provider_user, settings)
    seen = await client.get(f"/api/group-bookings/{fits.id}", headers=as_shop)
    hidden = await client.get(f"/api/group-bookings/{for_rival.id}", headers=as_shop)
    assert seen.status_code == 200 and hidden.status_code == 404


async def _group_with_members(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, members: int
) -> tuple[Any, list[Any]]:
    creator = await factories.customer(db_session)
    group = await _create(client, await auth(db_session, creator, settings), maxParticipants=5)
    people = [creator]
    for _ in range(members):
        member = await factories.customer(db_session)
        people.append(member)
        await client.post(
            "/api/group-bookings/join",
            json={"inviteCode": group["inviteCode"]},
            headers=await auth(db_session, member, settings),
        )
    return group, people


async def test_matching_books_every_participant_back_to_back_and_tells_them(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, outbox: Path
) -> None:
    shop = await make_shop(db_session)
    group, people = await _group_with_members(client, db_session, settings, 2)
    headers = await auth(db_session, shop.provider_user, settings)
    body = {
        "serviceId": shop.service.id,
        "bookingDate": MATCH_DAY.isoformat(),
        "startTime": "09:00",
    }

    response = await client.post(
        f"/api/group-bookings/{group['id']}/match", json=body, headers=headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["bookingsCreated"] == 3
    bookings = (await db_session.execute(
        select(Booking.customer_id, Booking.start_time, Booking.end_time, Booking.status)
        .where(Booking.provider_id == shop.provider.id).order_by(Booking.start_time)
    )).all()  # fmt: skip
    assert [(b.customer_id, b.start_time, b.end_time, b.status) for b in bookings] == [
        (people[0].id, "09:00", "10:00", "confirmed"),
        (people[1].id, "10:00", "11:00", "confirmed"),
        (people[2].id, "11:00", "12:00", "confirmed"),
    ]
    statuses = (await db_session.scalars(select(GroupBookingParticipant.status).where(
        GroupBookingParticipant.group_booking_request_id == group["id"])))  # fmt: skip
    assert set(statuses) == {"booked"}
    assert (
        await db_session.scalar(
            select(func.count()).where(Notification.type == "group_booking_matched")
        )
        == 3
    )
    assert sorted(m["To"] for m in read_outbox(outbox)) == sorted(p.email for p in people)
    matched = await client.get(f"/api/group-bookings/{group['id']}", headers=headers)
    assert matched.status_code == 200 and matched.json()["status"] == "matched"
    again = await client.post(
        f"/api/group-bookings/{group['id']}/match", json=body, headers=headers
    )
    assert again.status_code == 404


async def test_a_match_that_breaks_a_booking_rule_books_nobody(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    group, _ = await _group_with_members(client, db_session, settings, 2)
    # The second participant's hour is taken already.
    await factories.booking(
        db_session, at=shop.provider, for_service=shop.service, day=MATCH_DAY,
        start_time="10:30", end_time="11:30", status="confirmed",
    )  # fmt: skip
    headers = await auth(db_session, shop.provider_user, settings)
    url = f"/api/group-bookings/{group['id']}/match"

    clash = await client.post(
        url, json={"serviceId": shop.service.id, "bookingDate": MATCH_DAY.isoformat(),
                   "startTime": "09:00"}, headers=headers,
    )  # fmt: skip
    closed = await client.post(
        url, json={"serviceId": shop.service.id, "bookingDate": MATCH_DAY.isoformat(),
                   "startTime": "16:30"}, headers=headers,
    )  # fmt: skip
    outside = await client.post(
        url, json={"serviceId": shop.service.id, "bookingDate": future_day(30).isoformat(),
                   "startTime": "09:00"}, headers=headers,
    )  # fmt: skip

    assert clash.status_code == 409, clash.text
    assert clash.json()["code"] == "GROUP_MATCH_FAILED"
    assert clash.json()["details"]["reason"] == "OVERLAP"
    assert "Deltagare 2 kunde inte bokas kl 10:00" in clash.json()["error"]
    assert closed.status_code == 400, closed.text  # the last one would end after 18:00
    assert outside.status_code == 400 and outside.json()["code"] == "DATE_OUTSIDE_GROUP"
    assert (
        await db_session.scalar(
            select(func.count()).select_from(Booking).where(Booking.provider_id == shop.provider.id)
        )
        == 1
    )
    statuses = (await db_session.scalars(select(GroupBookingParticipant.status).where(
        GroupBookingParticipant.group_booking_request_id == group["id"])))  # fmt: skip
    assert set(statuses) == {"joined"}


async def test_a_request_aimed_at_another_provider_cannot_be_matched_by_me(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    rival = await make_shop(db_session)
    creator = await factories.customer(db_session)
    group = await _create(
        client, await auth(db_session, creator, settings), providerId=rival.provider.id
    )
    body = {
        "serviceId": shop.service.id, "bookingDate": MATCH_DAY.isoformat(), "startTime": "09:00",
    }  # fmt: skip

    refused = await client.post(
        f"/api/group-bookings/{group['id']}/match", json=body,
        headers=await auth(db_session, shop.provider_user, settings),
    )  # fmt: skip

    assert refused.status_code == 404 and refused.json()["code"] == "GROUP_NOT_OPEN", refused.text
    booked = await db_session.scalar(
        select(func.count()).select_from(Booking).where(Booking.provider_id == shop.provider.id)
    )
    assert booked == 0
    row = await db_session.get(GroupBookingRequest, group["id"])
    assert row is not None and (row.status, row.provider_id) == ("open", rival.provider.id)


async def test_joining_with_another_owners_horse_is_refused_and_joins_nobody(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    creator = await factories.customer(db_session)
    group = await _create(client, await auth(db_session, creator, settings))
    member = await factories.customer(db_session)
    someone_elses = await factories.horse(db_session)
    own = await factories.horse(db_session, owner=member)
    headers = await auth(db_session, member, settings)

    refused = await client.post(
        "/api/group-bookings/join",
        json={"inviteCode": group["inviteCode"], "horseId": someone_elses.id}, headers=headers,
    )  # fmt: skip
    assert refused.status_code == 404, refused.text
    assert refused.json()["code"] == "HORSE_NOT_FOUND"
    joined = await db_session.scalar(
        select(func.count()).select_from(GroupBookingParticipant).where(
            GroupBookingParticipant.user_id == member.id
        )
    )  # fmt: skip
    assert joined == 0

    accepted = await client.post(
        "/api/group-bookings/join",
        json={"inviteCode": group["inviteCode"], "horseId": own.id}, headers=headers,
    )  # fmt: skip
    assert accepted.status_code in (200, 201), accepted.text
