"""All SQL of provider verifications. Provider-side reads and writes carry the provider in the
WHERE; the public read carries `status = 'approved'`, so nothing else can ever leave."""

from __future__ import annotations

from sqlalchemy import case, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.models import Provider, ProviderVerification, User

PUBLIC_STATUS = "approved"


async def of_provider(
    db: AsyncSession, provider_id: str, *, limit: int | None = None, offset: int = 0
) -> list[ProviderVerification]:
    """The provider's requests, newest first: a page, or all (`limit=None`) to remove them."""
    rows = await db.scalars(
        select(ProviderVerification)
        .where(ProviderVerification.provider_id == provider_id)
        .order_by(ProviderVerification.created_at.desc(), ProviderVerification.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


async def own(
    db: AsyncSession, verification_id: str, provider_id: str
) -> ProviderVerification | None:
    return await db.scalar(
        select(ProviderVerification)
        .where(
            ProviderVerification.id == verification_id,
            ProviderVerification.provider_id == provider_id,
        )
        .with_for_update()
    )


async def pending_count(db: AsyncSession, provider_id: str) -> int:
    count = await db.scalar(
        select(func.count())
        .select_from(ProviderVerification)
        .where(
            ProviderVerification.provider_id == provider_id,
            ProviderVerification.status == "pending",
        )
    )
    return int(count or 0)


async def lock_provider(db: AsyncSession, provider_id: str) -> None:
    # Serialises "at most five pending" between two requests of the same provider.
    await db.execute(select(Provider.id).where(Provider.id == provider_id).with_for_update())


async def add(db: AsyncSession, verification: ProviderVerification) -> ProviderVerification:
    db.add(verification)
    await db.flush()
    await db.refresh(verification)
    return verification


async def remove(db: AsyncSession, verification_id: str) -> None:
    await db.execute(delete(ProviderVerification).where(ProviderVerification.id == verification_id))


async def public_of_provider(
    db: AsyncSession, provider_id: str, *, limit: int, offset: int = 0
) -> list[ProviderVerification]:
    rows = await db.scalars(
        select(ProviderVerification)
        .join(Provider, Provider.id == ProviderVerification.provider_id)
        .where(
            ProviderVerification.provider_id == provider_id,
            ProviderVerification.status == PUBLIC_STATUS,
            Provider.is_active.is_(True),
        )
        .order_by(ProviderVerification.reviewed_at.desc(), ProviderVerification.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


async def pending_queue(
    db: AsyncSession, *, limit: int, offset: int = 0
) -> list[tuple[ProviderVerification, Provider]]:
    rows = await db.execute(
        select(ProviderVerification, Provider)
        .join(Provider, Provider.id == ProviderVerification.provider_id)
        .where(ProviderVerification.status == "pending")
        .order_by(ProviderVerification.created_at, ProviderVerification.id)
        .limit(limit)
        .offset(offset)
    )
    return [(verification, provider) for verification, provider in rows.all()]


async def for_review(
    db: AsyncSession, verification_id: str
) -> tuple[ProviderVerification, Provider, User] | None:
    row = (
        await db.execute(
            select(ProviderVerification, Provider, User)
            .join(Provider, Provider.id == ProviderVerification.provider_id)
            .join(User, User.id == Provider.user_id)
            .where(ProviderVerification.id == verification_id)
            .with_for_update(of=ProviderVerification)
        )
    ).first()
    if row is None:
        return None
    verification, provider, user = row
    return verification, provider, user


async def recompute_verified(db: AsyncSession, provider_id: str, admin_id: str | None) -> bool:
    """`isVerified` becomes exactly "at least one approved verification exists"."""
    approved = exists().where(
        ProviderVerification.provider_id == provider_id,
        ProviderVerification.status == PUBLIC_STATUS,
    )
    now = utcnow()
    result = await db.execute(
        update(Provider)
        .where(Provider.id == provider_id)
        .values(
            is_verified=approved,
            verified_at=case((approved, func.coalesce(Provider.verified_at, now)), else_=None),
            verified_by=case((approved, func.coalesce(Provider.verified_by, admin_id)), else_=None),
        )
        .returning(Provider.is_verified)
        .execution_options(synchronize_session=False)
    )
    verified = bool(result.scalar_one())
    provider = await db.get(Provider, provider_id)
    if provider is not None:
        await db.refresh(provider)
    return verified
