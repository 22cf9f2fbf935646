"""All SQL of reviews: every write carries its owner (customer or provider) in the WHERE."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import new_uuid, utcnow
from equinet.models import Booking, Provider, Review, Service

_REVIEW = (
    Review.id,
    Review.rating,
    Review.comment,
    Review.booking_id,
    Review.customer_id,
    Review.provider_id,
    Review.reply,
    Review.replied_at,
    Review.created_at,
    Review.updated_at,
)


async def customers_booking(db: AsyncSession, booking_id: str, customer_id: str) -> Any:
    statement = (
        select(
            Booking.id,
            Booking.status,
            Booking.provider_id,
            Provider.user_id.label("provider_user_id"),
            Service.name.label("service_name"),
            select(Review.id)
            .where(Review.booking_id == Booking.id)
            .scalar_subquery()
            .label("review_id"),
        )
        .join(Service, Service.id == Booking.service_id)
        .join(Provider, Provider.id == Booking.provider_id)
        .where(Booking.id == booking_id, Booking.customer_id == customer_id)
    )
    return (await db.execute(statement)).first()


async def insert_review(
    db: AsyncSession,
    *,
    booking_id: str,
    customer_id: str,
    provider_id: str,
    rating: int,
    comment: str | None,
) -> Any:
    now = utcnow()
    statement = (
        insert(Review)
        .values(
            id=new_uuid(),
            booking_id=booking_id,
            customer_id=customer_id,
            provider_id=provider_id,
            rating=rating,
            comment=comment,
            created_at=now,
            updated_at=now,
        )
        .returning(*_REVIEW)
    )
    return (await db.execute(statement)).one()


async def update_own(
    db: AsyncSession, review_id: str, customer_id: str, rating: int, comment: str | None
) -> Any:
    statement = (
        update(Review)
        .where(Review.id == review_id, Review.customer_id == customer_id)
        .values(rating=rating, comment=comment, updated_at=utcnow())
        .returning(*_REVIEW)
    )
    return (await db.execute(statement)).first()


async def delete_own(db: AsyncSession, review_id: str, customer_id: str) -> str | None:
    """Delete the customer's review; the provider it was about, or None when not theirs."""
    statement = (
        delete(Review)
        .where(Review.id == review_id, Review.customer_id == customer_id)
        .returning(Review.provider_id)
    )
    provider_id: str | None = await db.scalar(statement)
    return provider_id


async def set_reply(db: AsyncSession, review_id: str, provider_id: str, reply: str) -> Any:
    """Add the reply if the review is this provider's and has none yet (one statement)."""
    now = utcnow()
    statement = (
        update(Review)
        .where(Review.id == review_id, Review.provider_id == provider_id, Review.reply.is_(None))
        .values(reply=reply, replied_at=now, updated_at=now)
        .returning(*_REVIEW)
    )
    return (await db.execute(statement)).first()


async def clear_reply(db: AsyncSession, review_id: str, provider_id: str) -> bool:
    statement = (
        update(Review)
        .where(Review.id == review_id, Review.provider_id == provider_id)
        .values(reply=None, replied_at=None, updated_at=utcnow())
        .returning(Review.id)
    )
    return (await db.execute(statement)).first() is not None


async def exists_for_provider(db: AsyncSession, review_id: str, provider_id: str) -> bool:
    statement = select(Review.id).where(Review.id == review_id, Review.provider_id == provider_id)
    return (await db.scalar(statement)) is not None
