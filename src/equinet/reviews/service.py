"""Review rules: only the customer of a completed booking reviews it, once; the
booking's provider replies once. Not-yours and missing are both 404 (design.md rule 3).

Every write drops the cached provider listings (ratings show there) after the commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.bookings.exceptions import BookingNotFound as BookingNotFound
from equinet.kit.errors import Conflict, EquinetError, NotFound, sqlstate_of
from equinet.models import User
from equinet.notifications import messages
from equinet.notifications.service import notify
from equinet.providers.cache import invalidate_provider_listings
from equinet.reviews import repository
from equinet.reviews.schemas import CreateReviewIn, ReplyIn, UpdateReviewIn


class BookingNotCompleted(EquinetError):
    code = "BOOKING_NOT_COMPLETED"
    message = "Endast genomförda bokningar kan recenseras"


class ReviewExists(Conflict):
    code = "REVIEW_EXISTS"
    message = "Bokningen har redan en recension"


class ReviewNotFound(NotFound):
    code = "REVIEW_NOT_FOUND"
    message = "Recensionen hittades inte"


class ReplyExists(Conflict):
    code = "REPLY_EXISTS"
    message = "Recensionen har redan ett svar"


async def create(db: AsyncSession, customer: User, data: CreateReviewIn) -> Any:
    booking = await repository.customers_booking(db, data.booking_id, customer.id)
    if booking is None:
        raise BookingNotFound()
    if booking.status != "completed":
        raise BookingNotCompleted()
    if booking.review_id is not None:
        raise ReviewExists()
    try:
        review = await repository.insert_review(
            db,
            booking_id=booking.id,
            customer_id=customer.id,
            provider_id=booking.provider_id,
            rating=data.rating,
            comment=data.comment,
        )
    except sa_exc.IntegrityError as error:  # two first reviews at once: one wins
        if sqlstate_of(error) == "23505":
            raise ReviewExists() from error
        raise
    await notify(
        db,
        user_id=booking.provider_user_id,
        type="review_received",
        message=messages.review_received(
            messages.full_name(customer.first_name, customer.last_name),
            data.rating,
            booking.service_name,
            data.comment,
        ),
        link_url=messages.PROVIDER_REVIEWS_LINK,
        metadata={"reviewId": review.id, "bookingId": booking.id},
    )
    invalidate_provider_listings(db, booking.provider_id)
    return review


async def update(db: AsyncSession, customer: User, review_id: str, data: UpdateReviewIn) -> Any:
    # An omitted comment clears the stored one.
    review = await repository.update_own(db, review_id, customer.id, data.rating, data.comment)
    if review is None:
        raise ReviewNotFound()
    invalidate_provider_listings(db, review.provider_id)
    return review


async def delete(db: AsyncSession, customer: User, review_id: str) -> None:
    provider_id = await repository.delete_own(db, review_id, customer.id)
    if provider_id is None:
        raise ReviewNotFound()
    invalidate_provider_listings(db, provider_id)


async def reply(db: AsyncSession, provider_id: str, review_id: str, data: ReplyIn) -> Any:
    review = await repository.set_reply(db, review_id, provider_id, data.reply)
    if review is None:
        if await repository.exists_for_provider(db, review_id, provider_id):
            raise ReplyExists()
        raise ReviewNotFound()
    invalidate_provider_listings(db, provider_id)
    return review


async def delete_reply(db: AsyncSession, provider_id: str, review_id: str) -> None:
    if not await repository.clear_reply(db, review_id, provider_id):
        raise ReviewNotFound()
    invalidate_provider_listings(db, provider_id)
