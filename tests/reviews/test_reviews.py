"""Reviews (spec §2.8, §3.15): customer of a completed booking, once; provider replies once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import Notification, Review
from equinet.providers.cache import listing_scope
from equinet.settings import Settings
from tests import factories
from tests.bookings.support import auth, future_day, make_shop


async def _completed(db: AsyncSession, status: str = "completed") -> tuple[Any, Any, Any]:
    shop = await make_shop(db)
    customer = await factories.customer(db, first_name="Karin", last_name="Ek")
    booking = await factories.booking(
        db, by=customer, at=shop.provider, for_service=shop.service, day=future_day(), status=status
    )
    return shop, customer, booking


async def test_customer_reviews_a_completed_booking_and_the_provider_is_told(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop, customer, booking = await _completed(db_session)
    comment = "Fantastiskt bemötande och snabb skoning, rekommenderas varmt!"

    response = await client.post(
        "/api/reviews",
        json={"bookingId": booking.id, "rating": 5, "comment": comment},
        headers=await auth(db_session, customer, settings),
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rating"] == 5 and body["providerId"] == shop.provider.id
    assert body["reply"] is None and body["createdAt"].endswith("Z")
    note = (
        await db_session.execute(
            select(Notification).where(Notification.user_id == shop.provider_user.id)
        )
    ).scalar_one()
    assert note.type == "review_received"
    assert note.link_url == "/provider/reviews"
    assert (
        note.message
        == 'Ny recension från Karin Ek: 5/5 för Skoning - "Fantastiskt bemötande och s..."'
    )


@pytest.mark.parametrize(("status", "code"), [("confirmed", 400), ("pending", 400)])
async def test_only_completed_bookings_can_be_reviewed(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings, status: str, code: int
) -> None:
    _shop, customer, booking = await _completed(db_session, status)
    response = await client.post(
        "/api/reviews", json={"bookingId": booking.id, "rating": 4},
        headers=await auth(db_session, customer, settings),
    )  # fmt: skip
    assert response.status_code == code
    assert response.json()["code"] == "BOOKING_NOT_COMPLETED"


async def test_second_review_is_409_and_strangers_get_404(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, customer, booking = await _completed(db_session)
    headers = await auth(db_session, customer, settings)
    body = {"bookingId": booking.id, "rating": 4}
    assert (await client.post("/api/reviews", json=body, headers=headers)).status_code == 201
    again = await client.post("/api/reviews", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "REVIEW_EXISTS"
    stranger = await factories.customer(db_session)
    hidden = await client.post(
        "/api/reviews", json=body, headers=await auth(db_session, stranger, settings)
    )
    assert hidden.status_code == 404


async def test_providers_cannot_write_reviews_and_ratings_are_validated(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop, customer, booking = await _completed(db_session)
    denied = await client.post(
        "/api/reviews", json={"bookingId": booking.id, "rating": 5},
        headers=await auth(db_session, shop.provider_user, settings),
    )  # fmt: skip
    assert denied.status_code == 403
    headers = await auth(db_session, customer, settings)
    for bad in ({"bookingId": booking.id, "rating": 6}, {"bookingId": booking.id, "rating": 4.5},
                {"bookingId": booking.id, "rating": 3, "comment": "x" * 501}):  # fmt: skip
        assert (await client.post("/api/reviews", json=bad, headers=headers)).status_code == 422


async def test_customer_edits_and_deletes_own_review(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, customer, booking = await _completed(db_session)
    review = await factories.review(db_session, booking, comment="Bra")
    headers = await auth(db_session, customer, settings)

    edited = await client.put(f"/api/reviews/{review.id}", json={"rating": 2}, headers=headers)
    assert edited.status_code == 200
    assert edited.json()["rating"] == 2 and edited.json()["comment"] is None

    stranger = await factories.customer(db_session)
    other_headers = await auth(db_session, stranger, settings)
    assert (
        await client.put(f"/api/reviews/{review.id}", json={"rating": 5}, headers=other_headers)
    ).status_code == 404
    assert (
        await client.delete(f"/api/reviews/{review.id}", headers=other_headers)
    ).status_code == 404

    deleted = await client.delete(f"/api/reviews/{review.id}", headers=headers)
    assert deleted.status_code == 204 and deleted.content == b""
    assert await db_session.scalar(select(func.count()).where(Review.id == review.id)) == 0


async def test_provider_replies_once_and_can_remove_the_reply(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop, _customer, booking = await _completed(db_session)
    review = await factories.review(db_session, booking)
    headers = await auth(db_session, shop.provider_user, settings)

    replied = await client.post(
        f"/api/reviews/{review.id}/reply", json={"reply": "Tack Karin!"}, headers=headers
    )
    assert replied.status_code == 200
    assert replied.json()["reply"] == "Tack Karin!" and replied.json()["repliedAt"]
    twice = await client.post(
        f"/api/reviews/{review.id}/reply", json={"reply": "Igen"}, headers=headers
    )
    assert twice.status_code == 409 and twice.json()["code"] == "REPLY_EXISTS"

    removed = await client.delete(f"/api/reviews/{review.id}/reply", headers=headers)
    assert removed.status_code == 204
    await db_session.refresh(review)
    assert review.reply is None and review.replied_at is None


async def test_other_providers_and_customers_cannot_reply(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    _shop, customer, booking = await _completed(db_session)
    review = await factories.review(db_session, booking)
    other = await make_shop(db_session)
    response = await client.post(
        f"/api/reviews/{review.id}/reply", json={"reply": "Hej"},
        headers=await auth(db_session, other.provider_user, settings),
    )  # fmt: skip
    assert response.status_code == 404
    as_customer = await client.post(
        f"/api/reviews/{review.id}/reply", json={"reply": "Hej"},
        headers=await auth(db_session, customer, settings),
    )  # fmt: skip
    assert as_customer.status_code == 403


async def test_review_writes_drop_the_cached_provider_listings(
    app: Any, client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    listings = app.state.provider_listings
    _shop, customer, booking = await _completed(db_session)
    scope = listing_scope("uppsala", None)
    shown = await listings.lookup("list", {"city": "Uppsala"}, scope)
    await listings.store("list", {"city": "Uppsala"}, shown, b"stale", [booking.provider_id])
    elsewhere = await listings.lookup("list", {"city": "Uppsala", "q": "x"}, scope)
    await listings.store("list", {"city": "Uppsala", "q": "x"}, elsewhere, b"kept", ["another"])
    response = await client.post(
        "/api/reviews", json={"bookingId": booking.id, "rating": 5},
        headers=await auth(db_session, customer, settings),
    )  # fmt: skip
    assert response.status_code == 201
    # The page showing the reviewed provider is dropped; a page without it is kept.
    assert (await listings.lookup("list", {"city": "Uppsala"}, scope)).body is None
    kept = await listings.lookup("list", {"city": "Uppsala", "q": "x"}, scope)
    assert kept.body == b"kept"
