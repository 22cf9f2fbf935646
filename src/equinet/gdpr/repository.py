"""All SQL of personal data: what an export reads and what an account deletion changes.

Every statement is keyed by the account it is about (the user id, or their provider's id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.models import (
    Booking,
    EmailVerificationToken,
    FortnoxConnection,
    Horse,
    HorseNote,
    HorsePassportToken,
    IdempotencyKey,
    Notification,
    PasswordResetToken,
    Payment,
    Provider,
    ProviderVerification,
    Review,
    Service,
    Session,
    TwoFactorCredential,
)


async def provider_of(db: AsyncSession, user_id: str) -> Provider | None:
    return await db.scalar(select(Provider).where(Provider.user_id == user_id))


async def horses(db: AsyncSession, user_id: str) -> list[Horse]:
    rows = await db.scalars(
        select(Horse).where(Horse.owner_id == user_id).order_by(Horse.created_at, Horse.id)
    )
    return list(rows)


async def bookings(
    db: AsyncSession, user_id: str, provider_id: str | None
) -> list[tuple[Booking, str, str, str | None]]:
    """(booking, service name, provider business name, horse name) as customer or provider."""
    mine = Booking.customer_id == user_id
    if provider_id is not None:
        mine = or_(mine, Booking.provider_id == provider_id)
    rows = await db.execute(
        select(Booking, Service.name, Provider.business_name, Horse.name)
        .join(Service, Service.id == Booking.service_id)
        .join(Provider, Provider.id == Booking.provider_id)
        .outerjoin(Horse, Horse.id == Booking.horse_id)
        .where(mine)
        .order_by(Booking.booking_date.desc(), Booking.start_time.desc(), Booking.id)
    )
    return [(b, s, p, h) for b, s, p, h in rows.all()]


async def payments(db: AsyncSession, user_id: str) -> list[Payment]:
    rows = await db.scalars(
        select(Payment)
        .join(Booking, Booking.id == Payment.booking_id)
        .where(Booking.customer_id == user_id)
        .order_by(Payment.created_at, Payment.id)
    )
    return list(rows)


async def notes_by(db: AsyncSession, user_id: str) -> list[tuple[HorseNote, str]]:
    rows = await db.execute(
        select(HorseNote, Horse.name)
        .join(Horse, Horse.id == HorseNote.horse_id)
        .where(HorseNote.author_id == user_id)
        .order_by(HorseNote.note_date.desc(), HorseNote.id)
    )
    return [(note, horse) for note, horse in rows.all()]


async def reviews(
    db: AsyncSession, user_id: str, provider_id: str | None
) -> list[tuple[Review, str, datetime, str]]:
    """(review, provider name, booking date, service name): written by me or about me."""
    mine = Review.customer_id == user_id
    if provider_id is not None:
        mine = or_(mine, Review.provider_id == provider_id)
    rows = await db.execute(
        select(Review, Provider.business_name, Booking.booking_date, Service.name)
        .join(Provider, Provider.id == Review.provider_id)
        .join(Booking, Booking.id == Review.booking_id)
        .join(Service, Service.id == Booking.service_id)
        .where(mine)
        .order_by(Review.created_at.desc(), Review.id)
    )
    return [(r, p, d, s) for r, p, d, s in rows.all()]


async def notifications(db: AsyncSession, user_id: str) -> list[Notification]:
    rows = await db.scalars(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id)
    )
    return list(rows)


async def sessions(db: AsyncSession, user_id: str) -> list[Session]:
    rows = await db.scalars(
        select(Session).where(Session.user_id == user_id).order_by(Session.created_at.desc())
    )
    return list(rows)


async def two_factor(db: AsyncSession, user_id: str) -> TwoFactorCredential | None:
    return await db.scalar(
        select(TwoFactorCredential).where(TwoFactorCredential.user_id == user_id)
    )


async def services(db: AsyncSession, provider_id: str) -> list[Service]:
    rows = await db.scalars(
        select(Service).where(Service.provider_id == provider_id).order_by(Service.created_at)
    )
    return list(rows)


async def verifications(db: AsyncSession, provider_id: str) -> list[ProviderVerification]:
    rows = await db.scalars(
        select(ProviderVerification)
        .where(ProviderVerification.provider_id == provider_id)
        .order_by(ProviderVerification.created_at)
    )
    return list(rows)


# --- account deletion ---------------------------------------------------------------------


async def future_confirmed_bookings(
    db: AsyncSession, provider_id: str, from_day: datetime
) -> list[str]:
    rows = await db.scalars(
        select(Booking.id)
        .where(
            Booking.provider_id == provider_id,
            Booking.status == "confirmed",
            Booking.booking_date >= from_day,
        )
        .order_by(Booking.booking_date, Booking.start_time)
    )
    return list(rows)


async def cancel_future_open_bookings(
    db: AsyncSession,
    *,
    customer_id: str | None = None,
    provider_id: str | None = None,
    from_day: datetime,
    message: str,
) -> int:
    """Cancel the account's bookings that have not happened yet; the past stays as it was."""
    owner = (
        Booking.customer_id == customer_id
        if customer_id is not None
        else Booking.provider_id == provider_id
    )
    result = await db.execute(
        update(Booking)
        .where(
            owner,
            Booking.status.in_(("pending", "confirmed")),
            Booking.booking_date >= from_day,
        )
        .values(status="cancelled", cancellation_message=message, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def erase_horses(db: AsyncSession, user_id: str) -> None:
    """Notes and passport links go; the horse row stays (bookings point at it), nameless."""
    owned = select(Horse.id).where(Horse.owner_id == user_id).scalar_subquery()
    await db.execute(delete(HorseNote).where(HorseNote.horse_id.in_(owned)))
    await db.execute(delete(HorsePassportToken).where(HorsePassportToken.horse_id.in_(owned)))
    await db.execute(delete(HorseNote).where(HorseNote.author_id == user_id))
    await db.execute(
        update(Horse)
        .where(Horse.owner_id == user_id)
        .values(
            name="Borttagen häst",
            breed=None,
            birth_year=None,
            color=None,
            gender=None,
            special_needs=None,
            photo_url=None,
            is_active=False,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


async def erase_account_rows(db: AsyncSession, user_id: str) -> None:
    """Sessions, one-time tokens, notifications and two-factor data of the account."""
    for model in (
        Session,
        EmailVerificationToken,
        PasswordResetToken,
        IdempotencyKey,
        Notification,
    ):
        column: Any = model.user_id  # type: ignore[attr-defined]
        await db.execute(delete(model).where(column == user_id))


async def erase_provider(db: AsyncSession, provider_id: str) -> None:
    await db.execute(delete(FortnoxConnection).where(FortnoxConnection.provider_id == provider_id))
    await db.execute(
        update(Service)
        .where(Service.provider_id == provider_id)
        .values(is_active=False)
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        update(Provider)
        .where(Provider.id == provider_id)
        .values(
            business_name="Borttagen leverantör",
            description=None,
            address=None,
            city=None,
            postal_code=None,
            latitude=None,
            longitude=None,
            service_area=None,
            profile_image_url=None,
            is_active=False,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
