"""IDOR sweep over the whole route table (design.md rule 3, spec §4.4, issue 4 part 9).

Generated from the app's routes: every route with a path parameter, every method, is called by
strangers (another customer, another provider, an admin who owns nothing) with the ids of rows
someone else owns and a body the owner could send. The right role gets 404, the wrong role
403, and not one row of any table changes. The owner then sends the same request and gets
past the ownership check, so the strangers' 404s come from ownership, not from a bad request.

A new route with a path parameter fails this test until it is described in `OWNED` below, or
listed in tests/api_routes.py ACCESS as public (the allow-list of public reads).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.settings import Settings
from tests import factories
from tests.api_routes import classified_routes, table_checksums
from tests.bookings.support import auth, future_day, make_shop

NOT_YOURS = 404  # not found and not yours are the same answer (design.md rule 3)
WRONG_ROLE = 403


@dataclass(frozen=True)
class Owned:
    """How one owned route is swept: who owns the row, what each stranger must get, and a
    body the owner could send (so that only ownership stands between a stranger and it)."""

    owner: str  # "customer" (the booking's customer), "provider" (the shop's) or "admin"
    strangers: dict[str, int]
    body: dict[str, Any] | None = None


AS_ANY_USER = {"customer": NOT_YOURS, "provider": NOT_YOURS, "admin": NOT_YOURS}
AS_CUSTOMER = {"customer": NOT_YOURS, "admin": NOT_YOURS, "provider": WRONG_ROLE}
AS_PROVIDER = {"provider": NOT_YOURS, "customer": WRONG_ROLE, "admin": WRONG_ROLE}
AS_NON_ADMIN = {"customer": WRONG_ROLE, "provider": WRONG_ROLE}

EXCEPTION_DAY = future_day(20)

OWNED: dict[tuple[str, str], Owned] = {
    ("PUT", "/api/bookings/{booking_id}"): Owned(
        "customer", AS_ANY_USER, {"status": "cancelled", "cancellationMessage": "kapad"}
    ),
    ("DELETE", "/api/bookings/{booking_id}"): Owned("customer", AS_ANY_USER),
    ("POST", "/api/bookings/{booking_id}/payment"): Owned("customer", AS_ANY_USER),
    ("GET", "/api/bookings/{booking_id}/payment"): Owned("customer", AS_ANY_USER),
    ("GET", "/api/bookings/{booking_id}/receipt"): Owned("customer", AS_ANY_USER),
    # Spec §2.11 answers 403 to an unrelated provider; we answer 404 (rule 3).
    ("GET", "/api/customers/{customer_id}/horses"): Owned("provider", AS_PROVIDER),
    ("PUT", "/api/reviews/{review_id}"): Owned(
        "customer", AS_CUSTOMER, {"rating": 1, "comment": "kapad"}
    ),
    ("DELETE", "/api/reviews/{review_id}"): Owned("customer", AS_CUSTOMER),
    ("POST", "/api/reviews/{review_id}/reply"): Owned("provider", AS_PROVIDER, {"reply": "kapad"}),
    ("DELETE", "/api/reviews/{review_id}/reply"): Owned("provider", AS_PROVIDER),
    ("PUT", "/api/notifications/{notification_id}"): Owned("customer", AS_ANY_USER),
    ("PUT", "/api/providers/{provider_id}"): Owned(
        "provider", AS_ANY_USER, {"businessName": "Kapad AB", "description": "kapad"}
    ),
    # Spec §4.4 answers 403 to another provider on schedule and exception writes; we answer
    # 404 like every other owned row (rule 3).
    ("PUT", "/api/providers/{provider_id}/availability-schedule"): Owned(
        "provider",
        AS_PROVIDER,
        {"schedule": [{"dayOfWeek": 0, "startTime": "09:00", "endTime": "10:00"}]},
    ),
    ("POST", "/api/providers/{provider_id}/availability-exceptions"): Owned(
        "provider",
        AS_PROVIDER,
        {"date": future_day(21).isoformat(), "isClosed": True, "reason": "kapad"},
    ),
    ("DELETE", "/api/providers/{provider_id}/availability-exceptions/{date}"): Owned(
        "provider", AS_PROVIDER
    ),
    ("PUT", "/api/services/{service_id}"): Owned(
        "provider", AS_PROVIDER, {"name": "Kapad", "price": 1, "durationMinutes": 30}
    ),
    ("DELETE", "/api/services/{service_id}"): Owned("provider", AS_PROVIDER),
    # Horses: another user's horse, note or passport link is a 404 for everyone.
    ("GET", "/api/horses/{horse_id}"): Owned("customer", AS_ANY_USER),
    ("PUT", "/api/horses/{horse_id}"): Owned("customer", AS_ANY_USER, {"name": "Kapad"}),
    ("DELETE", "/api/horses/{horse_id}"): Owned("customer", AS_ANY_USER),
    ("GET", "/api/horses/{horse_id}/notes"): Owned("customer", AS_ANY_USER),
    ("POST", "/api/horses/{horse_id}/notes"): Owned(
        "customer", AS_ANY_USER, {"category": "other", "title": "Kapad", "noteDate": "2026-01-02"}
    ),
    ("PUT", "/api/horses/{horse_id}/notes/{note_id}"): Owned(
        "customer", AS_ANY_USER, {"title": "Kapad"}
    ),
    ("DELETE", "/api/horses/{horse_id}/notes/{note_id}"): Owned("customer", AS_ANY_USER),
    ("GET", "/api/horses/{horse_id}/timeline"): Owned("customer", AS_ANY_USER),
    ("POST", "/api/horses/{horse_id}/passport"): Owned("customer", AS_ANY_USER),
    ("GET", "/api/horses/{horse_id}/passport"): Owned("customer", AS_ANY_USER),
    ("DELETE", "/api/horses/{horse_id}/passport/{passport_id}"): Owned("customer", AS_ANY_USER),
    ("GET", "/api/horses/{horse_id}/export"): Owned("customer", AS_ANY_USER),
    ("DELETE", "/api/upload/{upload_id}"): Owned("customer", AS_ANY_USER),
    ("PUT", "/api/verification-requests/{verification_id}"): Owned(
        "provider", AS_PROVIDER, {"title": "Kapad"}
    ),
    ("DELETE", "/api/verification-requests/{verification_id}"): Owned("provider", AS_PROVIDER),
    # Admin routes: the "owner" is any admin; customers and providers are refused by role.
    ("PUT", "/api/admin/verification-requests/{verification_id}"): Owned(
        "admin", AS_NON_ADMIN, {"action": "approve"}
    ),
    ("POST", "/api/admin/users/{user_id}/deactivate"): Owned("admin", AS_NON_ADMIN),
    ("POST", "/api/admin/users/{user_id}/reactivate"): Owned("admin", AS_NON_ADMIN),
    # The customer's order, matched with the shop's provider through a stop on its route.
    ("GET", "/api/route-orders/{route_order_id}"): Owned("customer", AS_ANY_USER),
    ("PATCH", "/api/route-orders/{route_order_id}"): Owned(
        "customer", AS_ANY_USER, {"status": "cancelled"}
    ),
    ("GET", "/api/route-orders/{route_order_id}/bookings"): Owned("provider", AS_PROVIDER),
    ("DELETE", "/api/route-orders/follows/{follow_id}"): Owned("customer", AS_CUSTOMER),
    ("GET", "/api/routes/{route_id}"): Owned("provider", AS_PROVIDER),
    ("PATCH", "/api/routes/{route_id}/stops/{stop_id}"): Owned(
        "provider", AS_PROVIDER, {"status": "in_progress", "problemNote": "kapad"}
    ),
    # A group visit the owner created for the shop's provider, with a second participant.
    ("GET", "/api/group-bookings/{group_id}"): Owned("customer", AS_ANY_USER),
    ("PUT", "/api/group-bookings/{group_id}"): Owned("customer", AS_ANY_USER, {"notes": "kapad"}),
    ("DELETE", "/api/group-bookings/{group_id}/participants/{participant_id}"): Owned(
        "customer", AS_ANY_USER
    ),
    # The owner gets past ownership and is refused the made-up service (400).
    ("POST", "/api/group-bookings/{group_id}/match"): Owned(
        "provider",
        AS_PROVIDER,
        {
            "serviceId": "kapad-tjanst",
            "bookingDate": future_day(8).isoformat(),
            "startTime": "09:00",
        },
    ),
}


def routes_with_ids(app: FastAPI) -> dict[tuple[str, str], str]:
    """Every route whose path names a row, with its role (public ones included)."""
    return {route: role for route, role in classified_routes(app).items() if "{" in route[1]}


def test_every_route_with_an_id_is_swept_or_public(app: FastAPI) -> None:
    routes = routes_with_ids(app)
    unswept = sorted(r for r, role in routes.items() if role != "public" and r not in OWNED)
    assert not unswept, f"describe these routes in test_idor.OWNED: {unswept}"
    assert not set(OWNED) - set(routes), "OWNED names routes the app does not have"
    # Public reads (the allow-list) must really be reads.
    assert all(method == "GET" for (method, _), role in routes.items() if role == "public")


def _owner_order(route: tuple[str, str]) -> tuple[int, int]:
    # Reads and writes first, deletes last, the deepest path first (a reply before its review).
    method, path = route
    return (1 if method == "DELETE" else 0, -path.count("/"))


async def test_strangers_get_404_or_403_on_every_owned_route_and_no_row_changes(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    owner = await factories.customer(db_session)
    # Confirmed and unpaid: paying, cancelling, deleting it would all succeed for its owner.
    booking = await factories.booking(
        db_session, by=owner, at=shop.provider, for_service=shop.service, day=future_day(),
        status="confirmed",
    )  # fmt: skip
    reviewed = await factories.booking(
        db_session, by=owner, at=shop.provider, for_service=shop.service, day=future_day(12),
        status="completed",
    )  # fmt: skip
    await factories.payment(db_session, reviewed, invoice_number="EQ-IDOR-1")
    review = await factories.review(db_session, reviewed, reply="Tack!")
    notification = await factories.notification(db_session, owner)
    horse = await factories.horse(db_session, owner)
    note = await factories.horse_note(db_session, horse)
    passport = await factories.horse_passport_token(db_session, horse)
    await factories.availability_exception(db_session, shop.provider, date=EXCEPTION_DAY)
    upload = await factories.upload(db_session, owner, path=f"horses/{secrets.token_hex(16)}.jpg")
    verification = await factories.provider_verification(db_session, shop.provider)
    account = await factories.customer(db_session)  # the account admins deactivate
    order = await factories.route_order(
        db_session, owner, status="in_route", contact_phone="070-1111111"
    )
    route = await factories.route(db_session, shop.provider)
    stop = await factories.route_stop(db_session, route, order)
    follow = await factories.announcement_follow(db_session, owner, shop.provider)
    group = await factories.group_booking_request(
        db_session, owner, provider_id=shop.provider.id, latitude=59.86, longitude=17.64
    )
    await factories.group_booking_participant(db_session, group, owner)
    member = await factories.group_booking_participant(db_session, group)
    ids = {
        "group_id": group.id,
        "participant_id": member.id,
        "route_order_id": order.id,
        "route_id": route.id,
        "stop_id": stop.id,
        "follow_id": follow.id,
        "booking_id": booking.id,
        "review_id": review.id,
        "notification_id": notification.id,
        "customer_id": owner.id,
        "provider_id": shop.provider.id,
        "service_id": shop.service.id,
        "date": EXCEPTION_DAY.isoformat(),
        "horse_id": horse.id,
        "note_id": note.id,
        "passport_id": passport.id,
        "upload_id": upload.id,
        "verification_id": verification.id,
        "user_id": account.id,
    }
    rival = await make_shop(db_session)
    strangers = {
        "customer": await auth(db_session, await factories.customer(db_session), settings),
        "provider": await auth(db_session, rival.provider_user, settings),
        "admin": await auth(db_session, await factories.customer(db_session, is_admin=True), settings),
    }  # fmt: skip
    owners = {
        "customer": await auth(db_session, owner, settings),
        "provider": await auth(db_session, shop.provider_user, settings),
        "admin": strangers["admin"],
    }
    before = await table_checksums(db_session)

    routes = sorted(r for r, role in routes_with_ids(app).items() if role != "public")
    assert len(routes) >= len(OWNED) >= 17, routes
    for method, path in routes:
        case = OWNED[(method, path)]
        params = re.findall(r"{(\w+)}", path)
        assert not set(params) - set(ids), f"give test_idor an id for {params} of {path}"
        url = path.format(**{p: ids[p] for p in params})
        for who, expected in case.strangers.items():
            response = await client.request(method, url, headers=strangers[who], json=case.body)
            assert response.status_code == expected, (who, method, path, response.text)
            assert response.headers["content-type"].startswith("application/json")
            assert {"error", "code"} <= set(response.json()), response.text

    after = await table_checksums(db_session)
    changed = sorted(name for name in before if before[name] != after[name])
    assert not changed, f"strangers changed rows in {changed}"

    # The same requests from the owners get past the ownership check.
    for method, path in sorted(routes, key=_owner_order):
        case = OWNED[(method, path)]
        url = path.format(**{p: ids[p] for p in re.findall(r"{(\w+)}", path)})
        response = await client.request(method, url, headers=owners[case.owner], json=case.body)
        assert response.status_code not in (401, 403, 404), (method, path, response.text)
        assert response.status_code < 500, (method, path, response.text)


async def test_ids_in_a_body_are_owned_too(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    """Ids passed in a request body: someone else's booking, customer or horse is a 404."""
    shop = await make_shop(db_session)
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    completed = await factories.booking(
        db_session, by=owner, at=shop.provider, for_service=shop.service, day=future_day(),
        status="completed",
    )  # fmt: skip
    stranger = await factories.customer(db_session)
    rival = await make_shop(db_session)
    as_stranger = await auth(db_session, stranger, settings)
    as_rival = await auth(db_session, rival.provider_user, settings)
    before = await table_checksums(db_session)

    attempts = [
        (as_stranger, "/api/reviews", {"bookingId": completed.id, "rating": 1}),
        (
            as_stranger,
            "/api/bookings",
            {"providerId": shop.provider.id, "serviceId": shop.service.id,
             "bookingDate": future_day(15).isoformat(), "startTime": "09:00",
             "horseId": horse.id},
        ),
        (
            as_rival,
            "/api/bookings/manual",
            {"serviceId": rival.service.id, "bookingDate": future_day(15).isoformat(),
             "startTime": "09:00", "customerId": owner.id},
        ),
    ]  # fmt: skip
    for headers, path, body in attempts:
        response = await client.post(path, headers=headers, json=body)
        assert response.status_code == NOT_YOURS, (path, response.text)
    assert await table_checksums(db_session) == before


async def test_lists_show_only_the_callers_own_rows(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    owner = await factories.customer(db_session, first_name="Olivia")
    booking = await factories.booking(
        db_session, by=owner, at=shop.provider, for_service=shop.service, day=future_day()
    )
    notification = await factories.notification(db_session, owner)
    rival = await make_shop(db_session)
    as_stranger = await auth(db_session, await factories.customer(db_session), settings)
    as_rival = await auth(db_session, rival.provider_user, settings)

    for headers, path in (
        (as_stranger, "/api/bookings"),
        (as_rival, "/api/bookings"),
        (as_stranger, "/api/notifications"),
        (as_rival, "/api/services"),
        (as_rival, "/api/customers/search?q=Olivia"),
        (as_rival, "/api/integrations/fortnox/status"),
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
        for secret in (booking.id, notification.id, owner.id, shop.service.id):
            assert secret not in response.text, (path, secret)
