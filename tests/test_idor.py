"""IDOR sweep generated from the app's route table (design.md rule 3, spec §4.4).

For every API route with a path parameter that names an owned resource and every method, a
stranger (another customer, and another provider) gets 404, or 403 where the route is
role-gated, and no owned row changes. A new route with an unmapped parameter fails the test
until it is mapped here (or listed as public).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import Booking, Notification, Payment, Review
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop

# Parameters that name a resource someone owns, per area we sweep.
SWEPT_PREFIXES = ("/api/bookings", "/api/reviews", "/api/notifications", "/api/customers")
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/api/bookings/{booking_id}"): {"status": "cancelled", "cancellationMessage": "x"},
    ("PUT", "/api/reviews/{review_id}"): {"rating": 1, "comment": "hackad"},
    ("POST", "/api/reviews/{review_id}/reply"): {"reply": "hackad"},
}


def owned_routes(app: FastAPI) -> list[tuple[str, str]]:
    routes = []
    for path, operations in app.openapi()["paths"].items():
        if "{" not in path or not path.startswith(SWEPT_PREFIXES):
            continue
        routes.extend((method.upper(), path) for method in operations)
    return sorted(routes)


async def _snapshot(db: AsyncSession, ids: dict[str, str]) -> list[Any]:
    db.expire_all()
    rows: list[Any] = []
    for statement in (
        select(Booking.status, Booking.cancellation_message, Booking.updated_at).where(
            Booking.id == ids["booking_id"]
        ),
        select(Payment.status, Payment.invoice_number).where(
            Payment.booking_id == ids["booking_id"]
        ),
        select(Review.rating, Review.comment, Review.reply).where(Review.id == ids["review_id"]),
        select(Notification.is_read).where(Notification.id == ids["notification_id"]),
    ):
        rows.append([tuple(row) for row in (await db.execute(statement)).all()])
    return rows


async def test_strangers_get_404_or_403_on_every_owned_route_and_nothing_changes(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    owner = await factories.customer(db_session)
    booking = await factories.booking(
        db_session, by=owner, at=shop.provider, for_service=shop.service, day=future_day(),
        status="completed",
    )  # fmt: skip
    await factories.payment(db_session, booking, invoice_number="EQ-IDOR-1")
    review = await factories.review(db_session, booking)
    notification = await factories.notification(db_session, owner)
    await factories.horse(db_session, owner)
    ids = {
        "booking_id": booking.id,
        "review_id": review.id,
        "notification_id": notification.id,
        "customer_id": owner.id,
    }
    stranger = await factories.customer(db_session)
    rival = await make_shop(db_session)
    intruders = {
        "customer": await auth(db_session, stranger, settings),
        "provider": await auth(db_session, rival.provider_user, settings),
    }
    before = await _snapshot(db_session, ids)

    routes = owned_routes(app)
    assert len(routes) >= 10, routes
    for method, path in routes:
        params = re.findall(r"{(\w+)}", path)
        unknown = [p for p in params if p not in ids]
        assert not unknown, f"map the parameter(s) {unknown} of {method} {path} in test_idor"
        url = path.format(**{p: ids[p] for p in params})
        for who, headers in intruders.items():
            response = await client.request(
                method, url, headers=headers, json=BODIES.get((method, path))
            )
            assert response.status_code in (403, 404), (who, method, path, response.text)
            assert response.headers["content-type"].startswith("application/json")

    assert await _snapshot(db_session, ids) == before
