"""All SQL of uploads. Every read and write of an owned row carries its owner in the WHERE."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import Horse, Provider, ProviderVerification, Upload

EDITABLE_VERIFICATION = ("pending", "rejected")


async def own_active_horse(db: AsyncSession, horse_id: str, user_id: str) -> Horse | None:
    return await db.scalar(
        select(Horse)
        .where(Horse.id == horse_id, Horse.owner_id == user_id, Horse.is_active.is_(True))
        .with_for_update()
    )


async def own_provider(
    db: AsyncSession, user_id: str, provider_id: str | None = None
) -> Provider | None:
    statement = select(Provider).where(Provider.user_id == user_id)
    if provider_id is not None:
        statement = statement.where(Provider.id == provider_id)
    return await db.scalar(statement.with_for_update())


async def own_editable_verification(
    db: AsyncSession, verification_id: str, user_id: str
) -> ProviderVerification | None:
    return await db.scalar(
        select(ProviderVerification)
        .join(Provider, Provider.id == ProviderVerification.provider_id)
        .where(
            ProviderVerification.id == verification_id,
            Provider.user_id == user_id,
            ProviderVerification.status.in_(EDITABLE_VERIFICATION),
        )
        .with_for_update(of=ProviderVerification)
    )


async def image_count(db: AsyncSession, verification_id: str) -> int:
    count = await db.scalar(
        select(func.count()).select_from(Upload).where(Upload.verification_id == verification_id)
    )
    return int(count or 0)


async def add(db: AsyncSession, upload: Upload) -> Upload:
    db.add(upload)
    await db.flush()
    return upload


async def by_id(db: AsyncSession, upload_id: str) -> Upload | None:
    return await db.get(Upload, upload_id)


async def own(db: AsyncSession, upload_id: str, user_id: str) -> Upload | None:
    return await db.scalar(
        select(Upload).where(Upload.id == upload_id, Upload.user_id == user_id).with_for_update()
    )


async def by_url(db: AsyncSession, url: str, user_id: str) -> Upload | None:
    return await db.scalar(select(Upload).where(Upload.url == url, Upload.user_id == user_id))


async def of_user(
    db: AsyncSession, user_id: str, *, limit: int | None = None, offset: int = 0
) -> list[Upload]:
    """The user's uploads, newest first: a page of them, or all (`limit=None`) to erase them."""
    rows = await db.scalars(
        select(Upload)
        .where(Upload.user_id == user_id)
        .order_by(Upload.created_at.desc(), Upload.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


async def of_verifications(db: AsyncSession, verification_ids: list[str]) -> list[Upload]:
    if not verification_ids:
        return []
    rows = await db.scalars(
        select(Upload)
        .where(Upload.verification_id.in_(verification_ids))
        .order_by(Upload.created_at)
    )
    return list(rows)


async def verification_status(db: AsyncSession, verification_id: str) -> str | None:
    return await db.scalar(
        select(ProviderVerification.status).where(ProviderVerification.id == verification_id)
    )


async def clear_references(db: AsyncSession, url: str) -> None:
    """Every row that shows this file stops showing it."""
    await db.execute(update(Horse).where(Horse.photo_url == url).values(photo_url=None))
    await db.execute(
        update(Provider).where(Provider.profile_image_url == url).values(profile_image_url=None)
    )


async def remove(db: AsyncSession, upload_id: str) -> None:
    await db.execute(delete(Upload).where(Upload.id == upload_id))
