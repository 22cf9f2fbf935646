"""Uploads: checked against the target the caller owns, cleaned, stored, served and removed.

An upload belongs to one bucket: `avatars` (the provider's profile image), `horses` (a horse's
photo) or `verifications` (documents of a verification request). The target is looked up with
the caller in its WHERE clause, so someone else's horse, profile or request is a 404. The
object is written last, once every check passed; objects of removed uploads are deleted only
after the transaction committed, so a rollback never leaves a row pointing at nothing.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import new_cuid
from equinet.db.session import after_commit
from equinet.kit.pagination import PageRequest
from equinet.kit.storage import ObjectStore, StoredObjectMissing
from equinet.models import Upload, User
from equinet.providers.exceptions import ProviderNotFound
from equinet.settings import Settings
from equinet.uploads import repository
from equinet.uploads.content import clean_upload
from equinet.uploads.exceptions import (
    ApprovedVerificationImage,
    EntityIdRequired,
    FileTooLarge,
    HorseNotFound,
    InvalidBucket,
    NoFile,
    StorageFailed,
    TooManyVerificationImages,
    UploadNotFound,
    VerificationNotEditable,
)

logger = logging.getLogger("equinet.uploads")

BUCKETS = ("avatars", "horses", "verifications")
MAX_VERIFICATION_IMAGES = 5


def limit_of(settings: Settings, bucket: str) -> int:
    """The largest file `bucket` accepts, in bytes."""
    limits = {
        "avatars": settings.upload_max_bytes_avatars,
        "horses": settings.upload_max_bytes_horses,
        "verifications": settings.upload_max_bytes_verifications,
    }
    if bucket not in limits:
        raise InvalidBucket()
    return limits[bucket]


def largest_limit(settings: Settings) -> int:
    return max(limit_of(settings, bucket) for bucket in BUCKETS)


def url_of(upload_id: str) -> str:
    return f"/api/upload/{upload_id}"


@dataclass(frozen=True)
class IncomingFile:
    data: bytes
    filename: str | None


def _original_name(filename: str | None) -> str | None:
    if not filename:
        return None
    # Kept for the owner's own listing only; never part of a path or a header.
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or None


async def store_upload(
    db: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    user: User,
    *,
    bucket: str | None,
    entity_id: str | None,
    file: IncomingFile | None,
) -> Upload:
    if file is None or not file.data:
        raise NoFile()
    if bucket not in BUCKETS:
        raise InvalidBucket()
    entity_id = (entity_id or "").strip() or None
    if entity_id is None and bucket != "avatars":
        raise EntityIdRequired()
    limit = limit_of(settings, bucket)
    if len(file.data) > limit:
        raise FileTooLarge(limit)
    clean = clean_upload(file.data, allow_pdf=bucket == "verifications")

    upload_id = new_cuid()
    url = url_of(upload_id)
    replaced: str | None = None
    verification_id: str | None = None
    if bucket == "horses":
        assert entity_id is not None
        horse = await repository.own_active_horse(db, entity_id, user.id)
        if horse is None:
            raise HorseNotFound()
        replaced, horse.photo_url = horse.photo_url, url
    elif bucket == "avatars":
        provider = await repository.own_provider(db, user.id, entity_id)
        if provider is None:
            raise ProviderNotFound()
        replaced, provider.profile_image_url = provider.profile_image_url, url
    else:
        assert entity_id is not None
        verification = await repository.own_editable_verification(db, entity_id, user.id)
        if verification is None:
            raise VerificationNotEditable()
        if await repository.image_count(db, verification.id) >= MAX_VERIFICATION_IMAGES:
            raise TooManyVerificationImages()
        verification_id = verification.id

    key = f"{bucket}/{secrets.token_hex(16)}.{clean.extension}"
    upload = await repository.add(
        db,
        Upload(
            id=upload_id,
            user_id=user.id,
            bucket=bucket,
            path=key,
            url=url,
            mime_type=clean.mime_type,
            original_name=_original_name(file.filename),
            size_bytes=len(clean.data),
            verification_id=verification_id,
        ),
    )
    if replaced:
        # The previous photo or avatar is no longer shown anywhere: it goes too.
        previous = await repository.by_url(db, replaced, user.id)
        if previous is not None:
            await _remove(db, store, previous)
    try:
        await store.put(key, clean.data, clean.mime_type)
    except Exception as error:
        logger.exception("storing upload %s in %s failed", key, store.describe())
        raise StorageFailed() from error
    return upload


async def visible_upload(db: AsyncSession, viewer: User | None, upload_id: str) -> Upload:
    """The upload if `viewer` may see it: avatars are public, a horse photo is its owner's,
    verification documents are their provider's and the admins'. Anyone else gets 404."""
    upload = await repository.by_id(db, upload_id)
    if upload is None:
        raise UploadNotFound()
    if upload.bucket == "avatars":
        return upload
    if viewer is not None and (
        upload.user_id == viewer.id or (upload.bucket == "verifications" and viewer.is_admin)
    ):
        return upload
    raise UploadNotFound()


async def file_bytes(store: ObjectStore, upload: Upload) -> bytes:
    try:
        return await store.get(upload.path)
    except StoredObjectMissing:
        raise UploadNotFound() from None


async def my_uploads(db: AsyncSession, user: User, page: PageRequest) -> tuple[list[Upload], bool]:
    return page.cut(await repository.of_user(db, user.id, limit=page.fetch, offset=page.offset))


async def delete_upload(db: AsyncSession, store: ObjectStore, user: User, upload_id: str) -> None:
    upload = await repository.own(db, upload_id, user.id)
    if upload is None:
        raise UploadNotFound()
    if upload.verification_id is not None:
        status = await repository.verification_status(db, upload.verification_id)
        if status == "approved":
            raise ApprovedVerificationImage()
    await _remove(db, store, upload)


async def delete_all_of_user(db: AsyncSession, store: ObjectStore, user_id: str) -> int:
    """Remove every upload of a user (account deletion); approved documents included."""
    uploads = await repository.of_user(db, user_id)
    for upload in uploads:
        await _remove(db, store, upload)
    return len(uploads)


async def remove_verification_images(
    db: AsyncSession, store: ObjectStore, verification_id: str
) -> None:
    for upload in await repository.of_verifications(db, [verification_id]):
        await _remove(db, store, upload)


async def _remove(db: AsyncSession, store: ObjectStore, upload: Upload) -> None:
    await repository.clear_references(db, upload.url)
    await repository.remove(db, upload.id)
    key = upload.path

    async def delete_object() -> None:
        await store.delete(key)

    after_commit(db, delete_object)
